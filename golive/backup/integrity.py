"""Read a backup to its end: every data block, not only the table of contents.

- custom / directory / tar: ``pg_restore -f /dev/null`` writes the whole archive out as a script,
  which decompresses and reads every TABLE DATA block; a truncated or corrupted archive makes it
  exit non-zero ("could not read input file: end of file", "could not uncompress data").
- plain SQL: read to the end and require pg_dump's closing "-- PostgreSQL database dump complete"
  line (a file cut anywhere lacks it).
- gzip: decompressed completely (the gzip trailer's CRC-32 and length catch corruption), then the
  plain rule applies to the decompressed text.
"""

from __future__ import annotations

import gzip
import subprocess
import time
import zlib
from pathlib import Path

from golive.backup.binaries import PgInstall
from golive.backup.formats import detect
from golive.backup.model import IntegrityObservation

COMPLETE_MARKER = b"-- PostgreSQL database dump complete"
_CHUNK = 1 << 20


def read_backup(path: Path, install: PgInstall | None, timeout: float = 3600.0) -> IntegrityObservation:
    """Detect the format of ``path`` and read all of it; never raises for a bad file."""
    start = time.monotonic()
    size = _size(path)
    info = detect(path)
    if info.format == "empty":
        return IntegrityObservation(str(path), 0, info, False, "file is empty (0 bytes)")
    if info.format == "unknown":
        return IntegrityObservation(str(path), size, info, False,
                                    "not a pg_dump archive (custom, directory, tar) nor a plain SQL dump")
    if info.format in ("plain", "plain-gzip"):
        readable, detail, read = _read_plain(path, info.format == "plain-gzip")
        return IntegrityObservation(str(path), size, info, readable, detail, bytes_read=read,
                                    seconds=time.monotonic() - start)
    if install is None:
        return IntegrityObservation(str(path), size, info, False,
                                    f"no pg_restore installed that reads a pg_dump {info.dumped_by} archive")
    readable, detail, entries = _read_archive(path, info.format, install, timeout)
    return IntegrityObservation(str(path), size, info, readable, detail, data_entries=entries,
                                bytes_read=size, seconds=time.monotonic() - start)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _read_plain(path: Path, gzipped: bool) -> tuple[bool, str, int]:
    """(readable, detail, bytes of SQL read): the tail must hold pg_dump's completion marker."""
    read, tail = 0, b""
    try:
        with (gzip.open(path, "rb") if gzipped else path.open("rb")) as handle:
            while chunk := handle.read(_CHUNK):
                read += len(chunk)
                tail = (tail + chunk)[-4096:]
    except (OSError, EOFError, zlib.error) as exc:
        return False, f"gzip stream unreadable after {read} bytes of SQL: {exc}", read
    if COMPLETE_MARKER not in tail:
        return False, ("SQL dump ends without pg_dump's \"-- PostgreSQL database dump complete\" line "
                       f"(truncated after {read} bytes)"), read
    return True, f"{read} bytes of SQL, ends with pg_dump's completion line", read


def read_by_restore(path: Path, install: PgInstall, timeout: float = 600.0) -> IntegrityObservation:
    """The integrity observation of an archive that a successful ``pg_restore -d`` just consumed.

    pg_restore exits 0 only after reading and decompressing every data block, so a second full
    read would only repeat that work; the table of contents is still listed for the evidence.
    """
    start = time.monotonic()
    info = detect(path)
    ok, detail, entries = list_toc(path, info.format, install, timeout)
    if ok:
        detail = f"{info.format} archive, {entries} table data blocks read to the end by the restore"
    return IntegrityObservation(str(path), _size(path), info, ok, detail, data_entries=entries,
                                bytes_read=_size(path), seconds=time.monotonic() - start)


def list_toc(path: Path, fmt: str, install: PgInstall, timeout: float) -> tuple[bool, str, int]:
    """(readable, detail, TABLE DATA entries) from ``pg_restore -l`` (the table of contents only)."""
    flag = {"custom": "c", "directory": "d", "tar": "t"}[fmt]
    listing = subprocess.run([install.tool("pg_restore"), "-F", flag, "-l", str(path)], capture_output=True,
                             text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    if listing.returncode != 0:
        return False, f"table of contents unreadable: {_last_line(listing.stderr)}", 0
    return True, "", sum(1 for line in listing.stdout.splitlines() if " TABLE DATA " in line)


def _read_archive(path: Path, fmt: str, install: PgInstall, timeout: float) -> tuple[bool, str, int]:
    """(readable, detail, TABLE DATA entries): list the TOC, then write every block to /dev/null."""
    ok, detail, entries = list_toc(path, fmt, install, timeout)
    if not ok:
        return ok, detail, entries
    flag = {"custom": "c", "directory": "d", "tar": "t"}[fmt]
    full = subprocess.run([install.tool("pg_restore"), "-F", flag, "-f", "/dev/null", str(path)],
                          capture_output=True, text=True, timeout=timeout, check=False,
                          stdin=subprocess.DEVNULL)
    if full.returncode != 0:
        return False, f"data unreadable: {_last_line(full.stderr)}", entries
    return True, f"{fmt} archive, {entries} table data blocks read to the end", entries


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no error text"
