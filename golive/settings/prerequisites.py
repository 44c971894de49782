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

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel, deep_merge
from golive.settings.postgres import FkIndexes, Migrations, PgSettings, Replication, RequiredIndex, Rls
from golive.sizes import Size

_OCTAL = r"^[0-7]{3,4}$"


def _regex(value: str | None) -> str | None:
    """A pattern the profile gives must compile (a typo is an exit 4, not a check that never matches)."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc}): {value!r}") from None
    return value


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
    """nofile/nproc limits: soft minimums (``nofile``, ``nproc``) and hard ones (``hard_nofile``,
    ``hard_nproc``) for a login of ``user`` (``su``, so pam_limits applies; default the connection's
    user) and, with ``process``, for every running process whose command line matches that regex
    (``pgrep -f``; read from ``/proc/PID/limits``: what the service really got, e.g. from systemd's
    ``LimitNOFILE``). None for a limit = not checked. The kernel keeps hard ≥ soft, so a soft minimum
    met implies the hard one; ``hard_*`` matter for services that raise their own soft limit."""

    user: str | None = None
    nofile: int | None = Field(default=65536, ge=0)
    nproc: int | None = Field(default=65536, ge=0)
    hard_nofile: int | None = Field(default=None, ge=0)
    hard_nproc: int | None = Field(default=None, ge=0)
    process: str | None = None

    _process = field_validator("process")(classmethod(lambda cls, v: _regex(v)))


class PathSpec(StrictModel):
    """A path that must exist, of a type, owned as given, with an exact or a maximum mode.

    ``recursive``: every entry below the directory is judged too (``chmod -R 750``), or with
    ``glob`` only the entries whose name matches (``*.json`` state files ≤ 640; the directory itself
    then only has to exist with its owner/group). ``max_entries`` caps the walk (one ``find`` on the
    host); a walk cut short that found no offender fails — it did not see everything."""

    path: str
    type: Literal["file", "directory"] = "directory"
    owner: str | None = None
    group: str | None = None
    mode: str | None = Field(default=None, pattern=_OCTAL)
    max_mode: str | None = Field(default=None, pattern=_OCTAL)
    recursive: bool = False
    glob: str | None = None
    max_entries: int = Field(default=10000, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _recursive_directory(self) -> PathSpec:
        if (self.recursive or self.glob) and self.type != "directory":
            raise ValueError("recursive/glob need type: directory (the entries below it are judged)")
        return self


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


_CRON_FIELD = r"[0-9A-Za-z*/,\-?LW#]+"
_CRON_SCHEDULE = re.compile(rf"^(@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)|"
                            rf"{_CRON_FIELD}( +{_CRON_FIELD}){{4}})$")


class CronJob(StrictModel):
    """A job that must be scheduled: a regex its command matches, optionally the schedule (five
    cron fields or an ``@daily``-style alias; ``@daily`` and ``0 0 * * *`` are the same) and the
    user it runs as (system crontabs name it; a user crontab is its owner's)."""

    command: str
    schedule: str | None = None
    user: str | None = None
    name: str | None = None

    _command = field_validator("command")(classmethod(lambda cls, v: _regex(v)))

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is not None and not _CRON_SCHEDULE.match(" ".join(value.split())):
            raise ValueError(f"expected five cron fields (m h dom mon dow) or @daily/@hourly/...; got {value!r}")
        return value


class Cron(StrictModel):
    """Jobs that must be scheduled (system crontab, /etc/cron.d, user crontabs, /etc/cron.<period>,
    systemd timers): ``jobs``, plus two shortcuts kept from the first version (``backup_pattern``,
    ``cert_renewal_pattern``: a command regex, any schedule)."""

    backup_pattern: str | None = None
    cert_renewal_pattern: str | None = None
    jobs: list[CronJob] = []

    _patterns = field_validator("backup_pattern", "cert_renewal_pattern")(classmethod(lambda cls, v: _regex(v)))

    def wanted(self) -> list[CronJob]:
        shortcuts = [CronJob(command=p, name=n) for p, n in ((self.backup_pattern, "backup"),
                     (self.cert_renewal_pattern, "certificate renewal")) if p]
        return shortcuts + list(self.jobs)


class AppLogLimits(StrictModel):
    """An application that rotates its own logs: its config file (JSON or YAML) and the dotted keys
    holding the number of files kept and the size of one file (seed 004's production.json:
    ``orchestrator.logging.maxLogFiles``, ``…maxLogFileSizeMB``)."""

    path: str
    max_files_key: str
    max_size_key: str | None = None


class Logrotate(StrictModel):
    """Log rotation: each of ``paths`` (log files or globs) covered by a rotation rule — logrotate on
    Linux (logrotate.conf, its includes, logrotate.d), newsyslog on macOS/BSD (newsyslog.conf,
    newsyslog.d) — with the parameters asked for: ``frequency`` (at least that often), ``min_rotate``
    (files kept), ``compress``, ``create_max_mode`` (mode of the new file). ``app_configs``: apps that
    limit their own log files, read from their config file."""

    paths: list[str] = []
    frequency: Literal["hourly", "daily", "weekly", "monthly", "yearly"] | None = None
    min_rotate: int | None = Field(default=None, ge=1)
    compress: bool | None = None
    create_max_mode: str | None = Field(default=None, pattern=_OCTAL)
    app_configs: list[AppLogLimits] = []


class DockerDaemon(StrictModel):
    """daemon.json (read as a file) and, with ``networks``, the engine's networks (its CLI).

    ``max_log_size``/``max_log_files``: the largest ``log-opts`` max-size and max-file accepted
    (bounded logs: size × files per container); ``storage_driver``: the driver daemon.json must set.
    """

    path: str = "/etc/docker/daemon.json"
    require: list[str] = ["max-size", "max-file"]
    log_drivers: list[str] = ["json-file", "local"]
    max_log_size: Size | None = 100 * 1024**2
    max_log_files: int | None = Field(default=10, ge=1)
    storage_driver: str | None = None
    networks: list[str] = []
    engine: Literal["docker", "podman"] = "docker"


class Firewall(StrictModel):
    required: bool = True


class RedisAcl(StrictModel):
    """ACL users (Redis 6+): ``users`` that must exist and be enabled; ``default_user`` how the
    ``default`` user may be: ``off`` (disabled) or ``password`` (on, but never ``nopass``)."""

    users: list[str] = []
    default_user: Literal["off", "password"] = "password"


class RedisSentinel(StrictModel):
    """Sentinels watching the master: each of ``urls`` (``redis://host:26379``) knows ``master``,
    sees it up, and ``SENTINEL CKQUORUM`` says enough sentinels are reachable to fail over."""

    urls: list[str] = Field(min_length=1, repr=False)
    master: str = "mymaster"
    min_sentinels: int | None = Field(default=None, ge=1)


class Redis(StrictModel):
    """A Redis reached at ``url`` (``redis://:${REDIS_PASSWORD}@host:6379`` or ``rediss://`` for TLS,
    through redis-py; timeout = profile's). ``ca_bundle`` trusts a private CA for ``rediss://``."""

    url: str = Field(repr=False)
    ca_bundle: str | None = None
    require_tls: bool = False
    min_version: str | None = None
    acl: RedisAcl | None = None
    maxmemory_min: Size | None = None
    maxmemory_max: Size | None = None
    sentinel: RedisSentinel | None = None
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
    # schema state (golive.settings.postgres): each block turns on its own prereq.* check
    required_indexes: list[RequiredIndex] = []
    fk_indexes: FkIndexes = "advisory"
    migrations: Migrations | None = None
    rls: Rls | None = None
    settings: PgSettings | None = None
    replication: Replication | None = None


class ServiceUser(StrictModel):
    """The service's account: exists, is not root (uid ≠ 0), has no login shell (unless
    ``login_shell_allowed``); with ``process`` (a ``pgrep -f`` regex) every matching process runs
    as that user."""

    name: str
    process: str | None = None
    login_shell_allowed: bool = False
    nologin_shells: list[str] = ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false"]

    _process = field_validator("process")(classmethod(lambda cls, v: _regex(v)))


class SecurityUpdates(StrictModel):
    """Pending security updates (apt/dnf/yum/zypper/softwareupdate, found from the host) and a
    pending reboot. ``allow``: packages whose pending update is accepted (held on purpose).
    ``max_list_age``: apt's package lists older than this cannot tell what is pending (golive never
    runs ``apt-get update`` itself): the check fails saying so."""

    manager: Literal["auto", "apt", "dnf", "yum", "zypper", "softwareupdate"] = "auto"
    allow: list[str] = []
    reboot_required_fails: bool = True
    max_list_age: Duration = 7 * 86400.0


class Dependency(StrictModel):
    """A dependency the host must reach: ``host`` resolves (as the host resolves names) and
    ``port`` accepts a TCP connection from the host within ``timeout`` (whole seconds, 1-30)."""

    host: str
    port: int = Field(ge=1, le=65535)
    name: str | None = None
    timeout: Duration = 3.0

    @field_validator("timeout")
    @classmethod
    def _seconds(cls, value: float) -> float:
        if not 1 <= value <= 30:
            raise ValueError(f"expected between 1s and 30s; got {value:g}s")
        return value


class DataFile(StrictModel):
    """Live data that must pass its integrity check: ``sqlite`` (``PRAGMA integrity_check`` through
    the host's ``sqlite3``, read-only) or ``json`` (parses). ``path`` may be a glob (at most
    ``max_files`` files, the cap is reported)."""

    path: str
    kind: Literal["sqlite", "json"]
    max_files: int = Field(default=200, ge=1, le=10000)


class VerifyCommand(StrictModel):
    """A post-deploy command on the host (seed 004: ``node cli.js --version``): exits with
    ``exit_code`` and, with ``output``, prints something matching that regex (stdout + stderr)."""

    command: str
    exit_code: int = 0
    output: str | None = None

    _output = field_validator("output")(classmethod(lambda cls, v: _regex(v)))


class ContainerService(StrictModel):
    """A container (or compose service, or PM2 app) that must be running — and healthy when it has
    a healthcheck (``require_healthcheck``: it must have one) — with a restart policy among
    ``restart_policies`` (a PM2 app with ``autorestart: true`` reports ``autorestart``), a memory
    limit (``memory_limit``), a CPU limit (``cpu_limit``) and at most ``max_restarts`` restarts."""

    name: str
    require_healthcheck: bool = False
    restart_policies: list[str] = ["always", "unless-stopped", "on-failure", "autorestart"]
    memory_limit: bool = True
    cpu_limit: bool = False
    max_restarts: int | None = Field(default=None, ge=0)


class Containers(StrictModel):
    """Containers read through the engine's CLI on the host (``docker``/``podman`` ``ps``/``inspect``
    as JSON; ``pm2 jlist`` for PM2 apps). ``project``: a Compose project, whose services are named
    by their Compose service name."""

    engine: Literal["docker", "podman", "pm2"] = "docker"
    project: str | None = None
    services: list[ContainerService] = Field(min_length=1)


class Kubernetes(StrictModel):
    """Workloads read with ``kubectl get -o json`` on the host: every deployment (or those named)
    has its replicas available, every pod of the namespace is ready without crash loops and at most
    ``max_restarts`` restarts, and every container declares resource requests/limits."""

    namespace: str = "default"
    context: str | None = None
    deployments: list[str] = []
    max_restarts: int = Field(default=5, ge=0)
    require_requests: bool = True
    require_limits: bool = True


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
    service_user: ServiceUser | None = None
    security_updates: SecurityUpdates | None = None
    connectivity: list[Dependency] = []
    data_files: list[DataFile] = []
    verify_commands: list[VerifyCommand] = []
    containers: Containers | None = None
    kubernetes: Kubernetes | None = None

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
            "cron": self.cron and self.cron.wanted(),
            "logrotate": self.logrotate and (self.logrotate.paths or self.logrotate.app_configs),
            "service_user": self.service_user,
            "security_updates": self.security_updates,
            "connectivity": self.connectivity,
            "data_integrity": self.data_files,
            "cli": self.verify_commands,
            "containers": self.containers,
            "kubernetes": self.kubernetes,
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
