"""What a backup is: pg_dump's custom, directory, tar or plain format (plain also gzip-compressed),
and which pg_dump/server versions wrote it (read from the archive header, not from the file name).

The versions decide which PostgreSQL installation can restore it: a pg_restore older than the
pg_dump that wrote an archive refuses it ("unsupported version (1.15) in file header").
"""

from __future__ import annotations

import gzip
import re
import tarfile
from pathlib import Path

from golive.backup.model import DumpInfo

MAGIC = b"PGDMP"
GZIP_MAGIC = b"\x1f\x8b"
_PLAIN_VERSIONS = re.compile(rb"-- Dumped from database version (\S+)|-- Dumped by pg_dump version (\S+)")


def detect(path: Path) -> DumpInfo:
    """Format and versions of the dump at ``path`` (never raises for an odd file: "unknown")."""
    if path.is_dir():
        toc = path / "toc.dat"
        if not toc.exists():
            return DumpInfo("unknown")
        info = _archive_header(toc.read_bytes()[:4096], "directory")
        return info or DumpInfo("unknown")
    size = path.stat().st_size
    if size == 0:
        return DumpInfo("empty")
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(MAGIC):
        return _archive_header(head, "custom") or DumpInfo("custom")
    if head.startswith(GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as handle:
                inner = handle.read(8192)
        except (OSError, EOFError):
            return DumpInfo("plain-gzip", compressed=True)
        return _plain(inner, "plain-gzip", compressed=True)
    if len(head) > 262 and head[257:262] == b"ustar":
        try:
            with tarfile.open(path, "r:") as archive:
                member = archive.next()
                if member is not None and member.name == "toc.dat":
                    extracted = archive.extractfile(member)
                    data = extracted.read(4096) if extracted else b""
                    return _archive_header(data, "tar") or DumpInfo("tar")
        except (tarfile.TarError, OSError):
            return DumpInfo("tar")
        return DumpInfo("unknown")
    return _plain(head, "plain")


def _plain(head: bytes, fmt: str, compressed: bool = False) -> DumpInfo:
    if b"PostgreSQL database dump" not in head and b"CREATE " not in head and b"SET " not in head:
        return DumpInfo("unknown", compressed=compressed)
    server = tool = None
    for match in _PLAIN_VERSIONS.finditer(head):
        server = server or (match.group(1).decode() if match.group(1) else None)
        tool = tool or (match.group(2).decode() if match.group(2) else None)
    return DumpInfo(fmt, compressed=compressed, dumped_by=tool, server_version=server)


class _Reader:
    """pg_dump's archive header primitives (ReadInt/ReadStr of pg_backup_archiver.c)."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data, self.pos, self.int_size = data, pos, 4

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def int(self) -> int:
        sign = self.byte()
        value = 0
        for shift in range(self.int_size):
            value |= self.byte() << (8 * shift)
        return -value if sign else value

    def str(self) -> str | None:
        length = self.int()
        if length < 0:
            return None
        raw = self.data[self.pos:self.pos + length]
        self.pos += length
        return raw.decode("utf-8", errors="replace")


def _archive_header(data: bytes, fmt: str) -> DumpInfo | None:
    """Parse "PGDMP" vmaj vmin vrev intSize offSize format compression created dbname versions."""
    if not data.startswith(MAGIC):
        return None
    try:
        reader = _Reader(data, len(MAGIC))
        vmaj, vmin, vrev = reader.byte(), reader.byte(), reader.byte()
        reader.int_size = reader.byte()
        reader.byte()  # offSize
        reader.byte()  # format: the container we already recognised decides (directory dumps say "tar")
        compressed = (reader.byte() if (vmaj, vmin) >= (1, 15) else reader.int()) != 0
        for _ in range(7):  # created: sec, min, hour, mday, mon, year, isdst
            reader.int()
        dbname = reader.str()
        server = reader.str()
        tool = reader.str()
    except (IndexError, ValueError):
        return DumpInfo(fmt)
    return DumpInfo(fmt, compressed=compressed,
                    archive_version=f"{vmaj}.{vmin}.{vrev}", dumped_by=tool, server_version=server,
                    dbname=dbname)
