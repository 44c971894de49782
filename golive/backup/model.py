"""Typed observations of the drill: what the fetch side hands to the pure rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BackupFile:
    """One backup found at the location: a file, or a directory-format dump (a directory)."""

    path: str
    mtime: float
    size: int
    is_dir: bool = False
    remote: bool = False


@dataclass(frozen=True)
class Located:
    """The listing of a location: every backup found (newest first), or why none could be listed."""

    location: str
    files: tuple[BackupFile, ...] = ()
    error: str | None = None

    @property
    def newest(self) -> BackupFile | None:
        return self.files[0] if self.files else None


@dataclass(frozen=True)
class DumpInfo:
    """What a dump says about itself: its format and the versions that wrote it."""

    format: str  # custom | directory | tar | plain | plain-gzip | empty | unknown
    compressed: bool = False
    archive_version: str | None = None  # pg_dump archive format, e.g. "1.14"
    dumped_by: str | None = None  # pg_dump version, e.g. "15.18"
    server_version: str | None = None  # source server version, e.g. "15.18"
    dbname: str | None = None

    @property
    def tool_major(self) -> int | None:
        return _major(self.dumped_by)

    @property
    def server_major(self) -> int | None:
        return _major(self.server_version)


def _major(version: str | None) -> int | None:
    if not version:
        return None
    head = version.strip().split()[0].split(".")[0]
    return int(head) if head.isdigit() else None


@dataclass(frozen=True)
class IntegrityObservation:
    """The result of reading a backup to its end (every data block, not only its table of contents)."""

    path: str
    size: int
    info: DumpInfo
    readable: bool
    detail: str = ""
    data_entries: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    kind: str = "pg_dump"
    members: tuple[str, ...] = ()  # archive members / tables: what backup.contents judges


@dataclass(frozen=True)
class RestoreObservation:
    """A restore into a scratch database: success, its duration, and the (redacted later) log."""

    ok: bool
    seconds: float
    scratch_db: str
    log: str = ""
    error: str = ""
    local_path: Path | None = None


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, for the source/copy comparison.

    ``tables``: "schema.table" → exact row count; ``sequences``: name → last value (None if never
    used); ``indexes``: "schema.table.index" names; ``extensions``: name → version;
    ``invariants``: SQL → its single result row rendered as text (or "error: ...").
    """

    tables: dict[str, int] = field(default_factory=dict)
    sequences: dict[str, int | None] = field(default_factory=dict)
    indexes: frozenset[str] = frozenset()
    extensions: dict[str, str] = field(default_factory=dict)
    invariants: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class DecryptObservation:
    """The newest backup's encryption: its detected format, and whether the profile's key opened it.

    ``plain`` is the decrypted copy in the scratch place (or the file itself when not encrypted);
    ``inner`` the format of the plaintext.
    """

    path: str
    format: str
    encrypted: bool
    ok: bool
    detail: str = ""
    plain: Path | None = None
    inner: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Comparison:
    """A restored copy compared with its live source (file kinds, Redis, pgBackRest's WAL target).

    ``differences``: one short phrase each ("table notes: 12 in source, 10 restored");
    ``summary``: what was compared, for the passing message.
    """

    differences: tuple[str, ...]
    summary: str
    detail: dict[str, object] = field(default_factory=dict)
