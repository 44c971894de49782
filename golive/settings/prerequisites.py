"""``checks.prerequisites``: what the hosts (and databases) must have before a deploy.

Settings decide which checks apply: an item left empty (no ``sysctl`` keys, no ``redis`` block...)
is *not configured* and its check is not collected for that host, so the sign-off lists it as not
applicable rather than as a pass nobody asked for. ``roles: {app: {...}}`` overrides (deep-merged)
the top-level settings for hosts/databases carrying that role, so one profile can ask an ``app``
host for node ≥ 18 and a ``db`` host for 16 GB of memory.

``root`` is prepended to every file path the checks read on a host (configs, crontabs, secrets,
certificates, env files): a chroot/image can be checked in place, and golive's own tests use a
temporary root instead of the real ``/etc``. It is a path on the *host*; give it absolute.
"""



from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from golive.settings.base import StrictModel, deep_merge

_OCTAL = r"^[0-7]{3,4}$"


class Disk(StrictModel):
    """A mount point with the free space it must keep."""

    mount: str = "/"
    min_free_gb: float = 10.0


class OsRequirement(StrictModel):
    """An allowed distribution (``debian``, ``ubuntu``...) and its minimum release."""

    distribution: str
    min_version: str | None = None


class Command(StrictModel):
    """A required command and its minimum version, read from ``version_command`` (default
    ``<name> --version``); stdout and stderr are both searched (``ssh -V`` writes to stderr)."""

    name: str
    min_version: str | None = None
    version_command: str | None = None


class Limits(StrictModel):
    """Resource limits (soft) of the service user; None for a limit = not checked."""

    user: str | None = None
    nofile: int | None = 65536
    nproc: int | None = 65536


class PathSpec(StrictModel):
    """A path that must exist, of a type, owned as given, with an exact or a maximum mode."""

    path: str
    type: Literal["file", "directory"] = "directory"
    owner: str | None = None
    group: str | None = None
    mode: str | None = Field(default=None, pattern=_OCTAL)
    max_mode: str | None = Field(default=None, pattern=_OCTAL)


class SecretFile(StrictModel):
    """A secret file: exists, non-empty, mode within ``max_mode``, owned as given. Never read."""

    path: str
    max_mode: str = Field(default="600", pattern=_OCTAL)
    owner: str | None = None
    group: str | None = None


class Certificate(StrictModel):
    """A certificate (PEM) and its private key on the host."""

    cert: str
    key: str | None = None
    min_days: int = 30
    key_max_mode: str = Field(default="600", pattern=_OCTAL)


PLACEHOLDERS = [
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "secret",
    "password",
    "default",
    "example",
    "test",
    "dev",
    "development",
    "xxx",
    "todo",
    "your_*",
    "your-*",
    "<*>",
    "sk_test_*",
]


class EnvFile(StrictModel):
    """An environment file (KEY=value). Findings name keys only, never values."""

    path: str
    required: list[str] = []
    forbidden: dict[str, list[str]] = {}
    min_length: dict[str, int] = {}
    production_values: dict[str, str] = {}
    placeholder_values: list[str] = Field(default_factory=lambda: list(PLACEHOLDERS))
    """Values (fnmatch, case-insensitive) that betray a development or example setting."""


class Service(StrictModel):
    name: str
    running: bool = True
    enabled: bool = True


class Ports(StrictModel):
    """Listeners that must be present (``tcp://0.0.0.0:443``) and ports that must not listen on a
    non-loopback address (databases, caches)."""

    listening: list[str] = []
    forbidden_public: list[int] = []


class DnsName(StrictModel):
    name: str
    addresses: list[str] = []


class Cron(StrictModel):
    """Regexes that a scheduled job must match (crontabs, /etc/cron.d, systemd timers)."""

    backup_pattern: str | None = None
    cert_renewal_pattern: str | None = None


class Logrotate(StrictModel):
    """Log files (or globs) that a logrotate stanza must cover."""

    paths: list[str] = []


class DockerDaemon(StrictModel):
    path: str = "/etc/docker/daemon.json"
    require: list[str] = ["max-size", "max-file"]
    log_drivers: list[str] = ["json-file", "local"]


class Firewall(StrictModel):
    required: bool = True


class Redis(StrictModel):
    """A Redis reached at ``url`` (``redis://:${REDIS_PASSWORD}@host:6379``; timeout = profile's)."""

    url: str = Field(repr=False)
    appendonly: bool = True
    requirepass: bool = True
    maxmemory_policy: list[str] = [
        "allkeys-lru",
        "allkeys-lfu",
        "volatile-lru",
        "volatile-lfu",
        "volatile-ttl",
        "allkeys-random",
        "volatile-random",
    ]
    require_maxmemory: bool = True
    protected_mode: bool = True


class Postgres(StrictModel):
    """Database prerequisites, read through psycopg on the database's DSN."""

    extensions: list[str] = []
    min_max_connections: int | None = None
    password_encryption: str | None = "scram-sha-256"
    indexes: list[str] = []


class HostPrerequisites(StrictModel):
    """The per-host settings (top level, or a role's overrides)."""

    root: str | None = None
    min_cpus: int | None = None
    min_memory_gb: float | None = None
    disks: list[Disk] = []
    os: list[OsRequirement] = []
    commands: list[Command] = []
    limits: Limits | None = None
    sysctl: dict[str, str | int] = {}
    paths: list[PathSpec] = []
    secrets: list[SecretFile] = []
    certificates: list[Certificate] = []
    env_files: list[EnvFile] = []
    services: list[Service] = []
    ports: Ports | None = None
    dns: list[DnsName] = []
    cron: Cron | None = None
    logrotate: Logrotate | None = None
    docker_daemon: DockerDaemon | None = None
    firewall: Firewall | None = None
    redis: Redis | None = None
    postgres: Postgres | None = None

    @field_validator("root")
    @classmethod
    def _absolute_root(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError(f"expected an absolute path on the host; got {value!r}")
        return value

    def configured(self, item: str) -> bool:
        """Whether the settings ask anything of ``prereq.<item>`` (else the check does not apply)."""
        value = {
            "cpu": self.min_cpus,
            "memory": self.min_memory_gb,
            "disk": self.disks,
            "os": self.os,
            "commands": self.commands,
            "limits": self.limits,
            "sysctl": self.sysctl,
            "paths": self.paths,
            "secrets": self.secrets,
            "certificates": self.certificates,
            "env_file": self.env_files,
            "services": self.services,
            "dns": self.dns,
            "docker_daemon": self.docker_daemon,
            "redis": self.redis,
            "postgres": self.postgres,
            "ports": self.ports and (self.ports.listening or self.ports.forbidden_public),
            "cron": self.cron and (self.cron.backup_pattern or self.cron.cert_renewal_pattern),
            "logrotate": self.logrotate and self.logrotate.paths,
            "firewall": self.firewall and self.firewall.required,
        }[item]
        return value is not None and value is not False and value != [] and value != {}


class PrerequisitesSettings(HostPrerequisites):
    """Every key has a default (= not configured); see the README's profile reference."""

    roles: dict[str, HostPrerequisites] = {}

    def for_roles(self, roles: list[str] | tuple[str, ...]) -> HostPrerequisites:
        """The effective settings of a subject with ``roles``: top level, then each role's overrides
        in the order the subject lists its roles (only keys the role sets override)."""
        data = self.model_dump(exclude={"roles"}, exclude_unset=True)
        for role in roles:
            if role in self.roles:
                data = deep_merge(data, self.roles[role].model_dump(exclude_unset=True))
        return HostPrerequisites.model_validate(data)
