"""What a file is, from its first bytes (never its name): the formats the backup kinds read, the
encryption formats, and pg_dump's own (``golive.backup.formats`` reads pg_dump's versions).

The drill uses this to refuse a file of another kind with one sentence naming the detected format
("a SQLite database, not a pg_dump backup") instead of a cascade of confusing failures.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from golive.settings.backup import Kind

SQLITE_MAGIC = b"SQLite format 3\x00"
AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
PGP_ARMOR = b"-----BEGIN PGP MESSAGE-----"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
PGDMP = b"PGDMP"
RDB_MAGIC = b"REDIS"

DESCRIPTIONS = {
    "empty": "an empty file (0 bytes)",
    "missing": "missing",
    "sqlite": "a SQLite database",
    "age": "an age-encrypted file",
    "gpg": "an OpenPGP-encrypted file",
    "pg_dump": "a pg_dump archive",
    "pg_dump_dir": "a pg_dump directory-format dump",
    "pg_sql": "a plain SQL dump",
    "gzip": "a gzip file",
    "tar": "a tar archive",
    "tar.gz": "a gzip-compressed tar archive",
    "tar.zst": "a zstd-compressed tar archive",
    "zstd": "a zstd file",
    "zip": "a zip archive",
    "rdb": "a Redis RDB snapshot",
    "aof": "a Redis append-only file",
    "json": "a JSON document",
    "directory": "a directory",
    "unknown": "a file of unknown format",
}

BELONGS: dict[str, frozenset[str]] = {
    Kind.PG_DUMP: frozenset({"pg_dump", "pg_dump_dir", "pg_sql", "gzip", "tar"}),
    Kind.SQLITE: frozenset({"sqlite"}),
    Kind.ARCHIVE: frozenset({"tar", "tar.gz", "tar.zst", "zip"}),
    Kind.JSON_STATE: frozenset({"tar", "tar.gz", "tar.zst", "zip", "json", "directory"}),
    Kind.REDIS: frozenset({"rdb", "aof"}),
}
"""Detected formats each file kind accepts (pg_dump's tar and gzip are refined by its own reader)."""

ENCRYPTED = frozenset({"age", "gpg"})


def sniff(path: Path) -> str:
    """The format of ``path`` (a key of ``DESCRIPTIONS``); never raises for an odd file."""
    try:
        if path.is_dir():
            return "pg_dump_dir" if (path / "toc.dat").exists() else "directory"
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unknown"
    return sniff_bytes(head, path)


def sniff_bytes(head: bytes, path: Path | None = None) -> str:
    """The format of a file starting with ``head`` (``path`` lets gzip be told tar.gz from SQL)."""
    if not head:
        return "empty"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(AGE_MAGIC) or head.startswith(AGE_ARMOR):
        return "age"
    if head.startswith(PGP_ARMOR) or _openpgp_message(head):
        return "gpg"
    if head.startswith(PGDMP):
        return "pg_dump"
    if head.startswith(RDB_MAGIC) and head[5:9].isdigit():
        return "rdb"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(ZSTD_MAGIC):
        return "tar.zst" if path is not None and _zstd_holds_tar(path) else "zstd"
    if head.startswith(GZIP_MAGIC):
        return "tar.gz" if path is not None and _gzip_holds_tar(path) else "gzip"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    stripped = head.lstrip()
    if stripped.startswith(b"*") and b"\r\n$" in head[:64]:
        return "aof"
    if stripped[:1] in (b"{", b"["):
        return "json"
    if b"PostgreSQL database dump" in head or head.startswith((b"--", b"SET ", b"CREATE ")):
        return "pg_sql"
    return "unknown"


def describe(fmt: str) -> str:
    return DESCRIPTIONS.get(fmt, fmt)


def _openpgp_message(head: bytes) -> bool:
    """An OpenPGP binary message starts with a session-key packet: PKESK (tag 1) or SKESK (tag 3)."""
    first = head[0]
    if not first & 0x80:
        return False
    tag = first & 0x3F if first & 0x40 else (first >> 2) & 0x0F
    return tag in (1, 3) and len(head) > 8


def _gzip_holds_tar(path: Path) -> bool:
    import gzip

    try:
        with gzip.open(path, "rb") as handle:
            inner = handle.read(512)
    except (OSError, EOFError):
        return path.name.endswith((".tar.gz", ".tgz"))
    return len(inner) > 262 and inner[257:262] == b"ustar"


def _zstd_holds_tar(path: Path) -> bool:
    import zstandard

    try:
        with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            inner = reader.read(512)
    except (OSError, zstandard.ZstdError):
        return path.name.endswith((".tar.zst", ".tzst"))
    return len(inner) > 262 and inner[257:262] == b"ustar"


def is_tar(path: Path) -> bool:
    """Whether ``path`` is an uncompressed tar (tarfile's own test)."""
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False
