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
class RedisObs:
    anonymous_allowed: bool
    config: dict[str, str]


@dataclass(frozen=True)
class PgObs:
    installed: set[str]
    available: set[str]
    max_connections: int
    password_encryption: str
    indexes: set[str]
