"""Redis persistence files (RDB snapshots, append-only files; seed 003 "Configure Redis persistence").

- integrity: ``redis-check-rdb`` / ``redis-check-aof`` (Redis's own checkers) on the newest file,
  judged by their exit status (the AOF checker never runs with ``--fix``).
- restore: a copy loaded by a scratch ``redis-server`` on a free loopback port, data in the scratch
  place, persistence off; done when it answers and ``INFO persistence`` says loading finished.
- verify: key count per logical database, ``INFO keyspace`` on the copy and on the live ``source``
  (an INFO is read-only), through redis-py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from golive.backup import scratch as scratch_mod
from golive.backup.drills import SourceUnreadable
from golive.backup.model import Comparison, DumpInfo, IntegrityObservation, RestoreObservation
from golive.backup.sniff import describe, sniff

SERVER = "redis-server"
CHECKERS = {"rdb": "redis-check-rdb", "aof": "redis-check-aof"}


def _binary(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def where(url: str) -> str:
    """host:port/db of a Redis URL, for messages (never the password)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"


def keyspace(client: Any) -> dict[str, int]:
    """``INFO keyspace`` as db → key count."""
    return {db: int(stats["keys"]) for db, stats in client.info("keyspace").items()
            if isinstance(stats, dict) and "keys" in stats}


@dataclass(eq=False)
class ScratchRedis:
    """A redis-server we started; stopped by its PID."""

    process: subprocess.Popen[bytes]
    port: int

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        scratch_mod.untrack(self)


class Drill:
    def __init__(self, backup: Any, scratch: Path, timeout: float) -> None:
        self.backup = backup
        self.scratch = scratch
        self.timeout = timeout
        self.server: ScratchRedis | None = None

    def integrity(self, path: Path) -> IntegrityObservation:
        start = time.monotonic()
        size = path.stat().st_size
        fmt = sniff(path)
        info = DumpInfo(fmt)
        if fmt not in CHECKERS:
            return IntegrityObservation(str(path), size, info, False,
                                        f"{describe(fmt)}, not a Redis RDB or AOF file", kind="redis")
        checker = _binary(CHECKERS[fmt])
        if checker is None:
            return IntegrityObservation(str(path), size, info, False,
                                        f"{CHECKERS[fmt]} not installed (apt-get install redis-tools)", kind="redis")
        try:
            done = subprocess.run([checker, str(path)], capture_output=True, text=True, timeout=self.timeout * 10,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return IntegrityObservation(str(path), size, info, False, f"{CHECKERS[fmt]} did not finish", kind="redis")
        out = (done.stdout + done.stderr).splitlines()
        if done.returncode != 0:
            why = next((line.strip() for line in out if "ERROR" in line and "DETECTED" not in line), "") or \
                next((line.strip() for line in reversed(out) if "not valid" in line or "error" in line.lower()),
                     f"exit status {done.returncode}")
            return IntegrityObservation(str(path), size, info, False, f"{CHECKERS[fmt]}: {why}", kind="redis",
                                        seconds=time.monotonic() - start)
        keys = next((line.split("]", 1)[1].strip() for line in out if "keys read" in line), "")
        detail = f"{CHECKERS[fmt]} ok" + (f" ({keys})" if keys else "")
        return IntegrityObservation(str(path), size, info, True, detail, bytes_read=size, kind="redis",
                                    seconds=time.monotonic() - start)

    def restore(self, path: Path) -> RestoreObservation:
        binary = _binary(SERVER)
        if binary is None:
            return RestoreObservation(False, 0.0, "", error="redis-server not installed (apt-get install redis-server)")
        fmt = sniff(path)
        data = self.scratch / "redis"
        data.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        port = _free_port()
        argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--daemonize", "no",
                "--save", "", "--protected-mode", "yes", "--logfile", str(data / "redis.log")]
        if fmt == "aof":
            shutil.copyfile(path, data / "restored.aof")
            argv += ["--appendonly", "yes", "--appendfilename", "restored.aof", "--aof-use-rdb-preamble", "yes"]
        else:
            shutil.copyfile(path, data / "restored.rdb")
            argv += ["--appendonly", "no", "--dbfilename", "restored.rdb"]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.server = scratch_mod.track(ScratchRedis(process, port))
        error = self._wait_loaded(process, port, data / "redis.log", max(60.0, self.backup.rto))
        seconds = time.monotonic() - start
        if error:
            self.server.close()
            self.server = None
            return RestoreObservation(False, seconds, str(data), error=error)
        return RestoreObservation(True, seconds, f"scratch redis-server 127.0.0.1:{port}",
                                  log=f"{fmt} loaded by a scratch redis-server on 127.0.0.1:{port}")

    def _wait_loaded(self, process: subprocess.Popen[bytes], port: int, log: Path, limit: float) -> str:
        import redis

        deadline = time.monotonic() + limit
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=1)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace").splitlines()[-3:] if log.exists() else []
                reason = next((line.split("#", 1)[-1].strip() for line in reversed(tail) if "#" in line), "")
                return f"redis-server refused the file and exited ({reason or process.returncode})"
            with contextlib.suppress(redis.RedisError):
                if client.info("persistence").get("loading") == 0:
                    client.close()
                    return ""
            time.sleep(0.05)
        client.close()
        return f"redis-server did not finish loading within {limit:g}s"

    def compare(self) -> Comparison:
        import redis

        if self.server is None:
            raise SourceUnreadable("no restored copy")
        try:
            live = redis.Redis.from_url(self.backup.source, socket_timeout=self.timeout,
                                        socket_connect_timeout=self.timeout)
            with contextlib.closing(live):
                want = keyspace(live)
        except redis.RedisError as exc:
            raise SourceUnreadable(f"source {where(self.backup.source)} unreachable: {exc}") from None
        copy = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=self.timeout)
        with contextlib.closing(copy):
            got = keyspace(copy)
        diffs = [f"{db}: {n} keys in source, {got.get(db, 0)} restored" for db, n in sorted(want.items())
                 if got.get(db, 0) != n]
        diffs += [f"{db}: {n} keys restored, none in source" for db, n in sorted(got.items()) if db not in want]
        summary = f"{len(want)} databases, {sum(want.values())} keys"
        return Comparison(tuple(diffs), summary, {"source": want, "restored": got})

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
