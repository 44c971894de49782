"""The typed observations of ``prereq.*``: what the fetchers (``golive.prereq.facts``, ``redis_facts``,
``pg_facts``) saw on a host or server, and what the pure rules (``golive.rules.prereq``) judge.

Data only, no I/O and no judgement: the rules import these types, never the other way round, so a
rule can be unit-tested on a hand-made observation (or one recorded from a machine golive cannot
reach, e.g. a macOS host) with no connection at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DiskObs:
    mount: str
    free_bytes: int | None
    error: str | None = None


@dataclass(frozen=True)
class CommandObs:
    name: str
    found: bool
    output: str = ""


@dataclass(frozen=True)
class FileObs:
    """What testinfra's File module says about a path (never its content)."""

    path: str
    exists: bool
    is_file: bool = False
    is_directory: bool = False
    user: str | None = None
    group: str | None = None
    mode: int | None = None
    size: int | None = None


@dataclass(frozen=True)
class CertObs:
    """A certificate and its key; ``key_public`` is derived on the host (the key never leaves it)."""

    cert: str
    cert_exists: bool
    not_after: datetime | None = None
    cert_public: str | None = None
    subject: str = ""
    error: str | None = None
    key: str | None = None
    key_file: FileObs | None = None
    key_public: str | None = None
    key_error: str | None = None


@dataclass(frozen=True)
class ServiceObs:
    name: str
    running: bool
    enabled: bool


@dataclass(frozen=True)
class PortsObs:
    listening: dict[str, bool]
    listeners: list[tuple[str, str, int]] = field(default_factory=list)
    """(protocol, address, port) of every listening socket."""


@dataclass(frozen=True)
class FirewallObs:
    active: bool
    tool: str
    detail: str


@dataclass(frozen=True)
class SentinelObs:
    """What one sentinel says about the master it watches (``error``: it could not be asked)."""

    url: str
    master_known: bool = False
    flags: str = ""
    sentinels: int | None = None
    quorum: int | None = None
    ckquorum: str = ""
    ckquorum_ok: bool = False
    error: str | None = None


@dataclass(frozen=True)
class RedisObs:
    """A Redis server: whether it answers without credentials, the CONFIG values judged, its
    version, whether the connection used TLS, its ACL users (name → rule flags) and sentinels."""

    anonymous_allowed: bool
    config: dict[str, str]
    version: str | None = None
    tls: bool = False
    acl_users: dict[str, tuple[str, ...]] | None = None
    sentinels: tuple[SentinelObs, ...] = ()


@dataclass(frozen=True)
class PgObs:
    installed: set[str]
    available: set[str]
    max_connections: int
    password_encryption: str
    indexes: set[str]


# --------------------------------------------------------------------------- limits and processes


@dataclass(frozen=True)
class LimitValue:
    """One resource limit as the kernel reports it (``unlimited`` = ``inf``; None = unreadable)."""

    soft: float | None
    hard: float | None


@dataclass(frozen=True)
class LimitsObs:
    """nofile/nproc of one subject: a login of a user, or a running process (``pid``)."""

    source: str
    nofile: LimitValue
    nproc: LimitValue
    pid: int | None = None


@dataclass(frozen=True)
class ProcessObs:
    """A running process found by its command line: pid, owner and the command (shortened)."""

    pid: int
    user: str
    command: str


@dataclass(frozen=True)
class UserObs:
    """An account as the host's user database has it (testinfra's User module)."""

    name: str
    exists: bool
    uid: int | None = None
    shell: str | None = None


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class EntryObs:
    """One entry below a directory: type (``f`` file, ``d`` directory, ``l`` link...), mode,
    owner, group and its path."""

    kind: str
    mode: int
    user: str
    group: str
    path: str


@dataclass(frozen=True)
class TreeObs:
    """The entries below a directory (a recursive walk, at most ``cap`` of them)."""

    root: str
    entries: tuple[EntryObs, ...]
    truncated: bool
    cap: int
    error: str | None = None


@dataclass(frozen=True)
class DataFileObs:
    """One live data file and its integrity check (``ok`` False with ``detail`` saying why)."""

    path: str
    kind: str
    ok: bool
    detail: str


# --------------------------------------------------------------------------- schedules and rotation


@dataclass(frozen=True)
class CronEntry:
    """A scheduled job: where it is defined, its schedule (cron fields, an alias, or a systemd
    ``OnCalendar``), the user it runs as (None: unknown) and its command."""

    source: str
    schedule: str
    user: str | None
    command: str


@dataclass(frozen=True)
class RotationRule:
    """A rotation rule for a set of log files, from logrotate, newsyslog or the app's own config.

    ``frequency`` is ``hourly``…``yearly`` (None: size-based or unset), ``rotate`` the number of
    old files kept, ``create_mode`` the mode of the new log file (None: not created / unset),
    ``size`` the size that triggers a rotation in bytes (None: unset)."""

    source: str
    patterns: tuple[str, ...]
    mechanism: str
    frequency: str | None = None
    rotate: int | None = None
    compress: bool = False
    create_mode: int | None = None
    size: int | None = None


# --------------------------------------------------------------------------- packages


@dataclass(frozen=True)
class UpdatesObs:
    """Pending security updates as the package manager lists them, and a pending reboot.

    ``error`` is set when the manager could not tell (no manager, stale lists...): then nothing is
    known about pending updates and the rule fails rather than pass on silence."""

    manager: str
    pending: tuple[str, ...]
    reboot_required: bool | None
    detail: str = ""
    error: str | None = None
    lists_age_s: float | None = None


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class DependencyObs:
    """A dependency as the host sees it: addresses it resolves to and whether TCP connects."""

    name: str
    host: str
    port: int
    addresses: tuple[str, ...]
    reachable: bool


# --------------------------------------------------------------------------- containers


@dataclass(frozen=True)
class ContainerObs:
    """One container (or PM2 app) as its engine describes it.

    ``state`` is the engine's (running, exited, online, stopped...); ``health`` None when it has no
    healthcheck; ``memory_limit``/``cpu_limit`` in bytes / CPUs (None: unlimited)."""

    name: str
    engine: str
    state: str
    health: str | None
    restart_policy: str
    restarts: int
    memory_limit: int | None
    cpu_limit: float | None
    image: str = ""


@dataclass(frozen=True)
class DeploymentObs:
    name: str
    replicas: int
    available: int
    ready: int
    conditions: dict[str, str]


@dataclass(frozen=True)
class PodContainerObs:
    name: str
    ready: bool
    restarts: int
    waiting_reason: str | None
    requests: dict[str, str]
    limits: dict[str, str]


@dataclass(frozen=True)
class PodObs:
    name: str
    phase: str
    ready: bool
    containers: tuple[PodContainerObs, ...]


@dataclass(frozen=True)
class KubernetesObs:
    namespace: str
    deployments: tuple[DeploymentObs, ...]
    pods: tuple[PodObs, ...]
