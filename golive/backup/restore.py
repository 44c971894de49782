"""Restore a backup into a scratch database and time it.

Archives go through ``pg_restore --no-owner --no-privileges`` (``-j`` workers for custom and
directory archives, as a real recovery would use); plain SQL (also gzip) through ``psql`` fed as a
stream. Ownership/role errors of a plain dump on a server without the source's roles are noise and
ignored; any other ERROR fails the restore. The client tools get the password in ``PGPASSWORD``,
never on the command line.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import subprocess
import threading
import time
from pathlib import Path

from golive.backup import conn
from golive.backup.binaries import PgInstall
from golive.backup.model import DumpInfo, RestoreObservation

_IGNORABLE = re.compile(r'role "[^"]*" does not exist|must be owner of|permission denied to (set|change) ')


def restore(path: Path, info: DumpInfo, install: PgInstall, scratch_dsn: str, scratch_db: str,
            jobs: int = 2, timeout: float = 3600.0) -> RestoreObservation:
    """Restore ``path`` into ``scratch_dsn``; the duration is wall time of the client tool."""
    target, env = conn.tool_args(scratch_dsn)
    start = time.monotonic()
    try:
        if info.format in ("custom", "directory", "tar"):
            argv = [install.tool("pg_restore"), "--no-owner", "--no-privileges", "-d", target]
            if info.format != "tar" and jobs > 1:
                argv += ["-j", str(jobs)]
            done = subprocess.run([*argv, str(path)], capture_output=True, text=True, env=env,
                                  timeout=timeout, check=False, stdin=subprocess.DEVNULL)
            seconds = time.monotonic() - start
            log = done.stderr
            ok = done.returncode == 0
            error = "" if ok else _first_error(log) or f"pg_restore exited with {done.returncode}"
        elif info.format in ("plain", "plain-gzip"):
            ok, log, error = _psql(path, info.format == "plain-gzip", install, target, env, timeout)
            seconds = time.monotonic() - start
        else:
            return RestoreObservation(False, 0.0, scratch_db, error=f"cannot restore a {info.format} file")
    except subprocess.TimeoutExpired:
        return RestoreObservation(False, time.monotonic() - start, scratch_db,
                                  error=f"restore still running after {timeout:g}s; stopped")
    return RestoreObservation(ok, seconds, scratch_db, log=log, error=error, local_path=path)


def _psql(path: Path, gzipped: bool, install: PgInstall, target: str, env: dict[str, str],
          timeout: float) -> tuple[bool, str, str]:
    argv = [install.tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", target, "-f", "-"]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read() if process.stderr else b""),
                              daemon=True)
    reader.start()
    feed_error = ""
    try:
        with (gzip.open(path, "rb") if gzipped else path.open("rb")) as source:
            assert process.stdin is not None
            while chunk := source.read(1 << 20):
                process.stdin.write(chunk)
    except BrokenPipeError:
        feed_error = "psql stopped reading"
    except (OSError, EOFError) as exc:
        feed_error = f"backup unreadable during restore: {exc}"
    finally:
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    reader.join(timeout=10)
    log = b"".join(errors).decode(errors="replace")
    real = [line for line in log.splitlines() if "ERROR:" in line and not _IGNORABLE.search(line)]
    if feed_error:
        return False, log, feed_error
    if process.returncode != 0 or real:
        return False, log, real[0].strip() if real else f"psql exited with {process.returncode}"
    return True, log, ""


def _first_error(log: str) -> str:
    for line in log.splitlines():
        if "error:" in line.lower():
            return line.strip()
    return ""
