"""A fresh pg_dump of the source before a deploy, as the seeds' runbooks take before migrations.

pg_dump reads in its own snapshot; ``PGOPTIONS=-c default_transaction_read_only=on`` makes its
session read-only as well. The dump (custom format) goes into the backup location, named
``<db>-predeploy-<UTC time>.dump``, written to a temporary name first so that a failed dump never
looks like a backup.
"""

from __future__ import annotations

import glob
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from golive.backup import conn
from golive.backup.binaries import PgInstall
from golive.backup.locate import is_glob


@dataclass(frozen=True)
class DumpResult:
    ok: bool
    path: Path | None
    seconds: float
    error: str = ""


def destination(location: str) -> Path:
    """The directory a new dump goes to: the location itself, or the directory of its glob."""
    if is_glob(location):
        head = location.split("*")[0].split("?")[0].split("[")[0]
        return Path(os.path.dirname(head) or ".")
    path = Path(location)
    return path if path.is_dir() or not path.suffix else path.parent


def server_major(dsn: str, timeout: float) -> int:
    with conn.connect(dsn, read_only=True, timeout=timeout) as db:
        row = db.execute("SHOW server_version_num").fetchone()
        db.rollback()
    return int(row[0]) // 10000 if row else 0


def dump(name: str, dsn: str, location: str, install: PgInstall, timeout: float = 3600.0,
         connect_timeout: float = 10.0) -> DumpResult:
    """pg_dump -Fc the source into the backup location."""
    directory = destination(location)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"{name}-predeploy-{stamp}.dump"
    partial = directory / f".{final.name}.partial"
    source, env = conn.tool_args(dsn, connect_timeout)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {conn.READ_ONLY_OPTIONS}".strip()
    start = time.monotonic()
    try:
        done = subprocess.run([install.tool("pg_dump"), "-Fc", "-f", str(partial), "-d", source],
                              capture_output=True, text=True, env=env, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        partial.unlink(missing_ok=True)
        return DumpResult(False, None, time.monotonic() - start, f"pg_dump still running after {timeout:g}s")
    seconds = time.monotonic() - start
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return DumpResult(False, None, seconds, lines[-1] if lines else f"pg_dump exited {done.returncode}")
    partial.rename(final)
    return DumpResult(True, final, seconds)


def matches_location(path: Path, location: str) -> bool:
    """Whether the new dump is visible at the location (a glob may not match the name)."""
    return not is_glob(location) or str(path) in glob.glob(location)
