"""Pre-deploy snapshots of the kinds other than pg_dump, taken the way each kind allows while the
source stays live and untouched, into the backup location:

- sqlite: SQLite's online backup API from the source opened read-only (``mode=ro``);
- archive, json_state: a tar.gz of the ``source`` directory (less ``exclude``), written with tarfile;
- redis: ``redis-cli --rdb`` (the server streams a fresh RDB; the password goes in ``REDISCLI_AUTH``,
  never argv).

Each is written under a temporary dot-name first and renamed when complete, so a failed snapshot
never looks like a backup. The same kind drill then reads, restores and compares it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from golive.backup.predeploy import DumpResult, destination
from golive.backup.tree import excluded
from golive.settings.backup import Kind

SUFFIX = {Kind.SQLITE: ".db", Kind.ARCHIVE: ".tar.gz", Kind.JSON_STATE: ".tar.gz", Kind.REDIS: ".rdb"}


def take(name: str, kind: Kind, backup: Any, timeout: float) -> DumpResult:
    """Snapshot ``backup.source`` into the backup location; never raises for an unreadable source."""
    directory = destination(backup.location)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"{name}-predeploy-{stamp}{SUFFIX[kind]}"
    partial = directory / f".{final.name}.partial"
    start = time.monotonic()
    try:
        if kind == Kind.SQLITE:
            _sqlite(Path(backup.source), partial, timeout)
        elif kind == Kind.REDIS:
            _redis(backup.source, partial, timeout)
        else:
            _tar(Path(backup.source), partial, f"{name}-predeploy-{stamp}", backup.exclude)
    except (OSError, sqlite3.Error, subprocess.SubprocessError, tarfile.TarError, RuntimeError) as exc:
        partial.unlink(missing_ok=True)
        return DumpResult(False, None, time.monotonic() - start, f"snapshot of the source failed: {exc}")
    partial.rename(final)
    return DumpResult(True, final, time.monotonic() - start)


def _sqlite(source: Path, target: Path, timeout: float) -> None:
    if not source.is_file():
        raise OSError(f"source {source} is not a file")
    from urllib.parse import quote

    live = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True, timeout=timeout)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


def _tar(source: Path, target: Path, top: str, exclude: list[str]) -> None:
    if not source.is_dir():
        raise OSError(f"source {source} is not a directory")

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        rel = info.name[len(top) + 1:] if info.name.startswith(top + "/") else ""
        return None if rel and excluded(rel, exclude) else info

    with tarfile.open(target, "w:gz") as archive:
        archive.add(source, arcname=top, filter=keep)


def _redis(url: str, target: Path, timeout: float) -> None:
    cli = shutil.which("redis-cli")
    if cli is None:
        raise RuntimeError("redis-cli not installed (apt-get install redis-tools)")
    parts = urlsplit(url)
    env = dict(os.environ)
    argv = [cli, "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379)]
    if parts.username and parts.username != "default" and parts.password:
        argv += ["--user", unquote(parts.username)]
    if parts.password or (parts.username and not parts.password):
        env["REDISCLI_AUTH"] = unquote(parts.password or parts.username or "")
    if parts.scheme == "rediss":
        argv.append("--tls")
    done = subprocess.run([*argv, "--rdb", str(target)], capture_output=True, text=True, env=env,
                          timeout=max(timeout * 6, 60.0), check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise RuntimeError(f"redis-cli --rdb: {lines[-1] if lines else f'exit {done.returncode}'}")
