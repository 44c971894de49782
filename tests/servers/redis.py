"""A real Redis (Debian's /usr/bin/redis-server) on a loopback port with a config the test writes.

``start_redis(root, settings)`` writes ``redis.conf`` (loopback, a free port, data in ``root``, no
daemonizing) plus the given directives, starts the server, waits until it answers PING (PONG or
NOAUTH both prove it is up) and returns a handle stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.base import ServerProcess, free_port, start_process

REDIS_SERVER = Path("/usr/bin/redis-server")

SOUND = {"appendonly": "yes", "maxmemory": "64mb", "maxmemory-policy": "allkeys-lru", "protected-mode": "yes"}
"""A production-like configuration (add ``requirepass``)."""
UNSOUND = {
    "appendonly": "no",
    "save": '""',
    "maxmemory": "0",
    "maxmemory-policy": "noeviction",
    "protected-mode": "no",
}
"""No AOF nor snapshots, no password, unbounded memory, protected mode off."""


def require_redis() -> None:
    if not REDIS_SERVER.exists() and shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (apt-get install redis-server)")


def _answers(port: int, tls: TlsFiles | None = None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw, contextlib.ExitStack() as stack:
            sock = raw
            if tls is not None:
                context = ssl.create_default_context(cafile=str(tls.ca))
                context.check_hostname = False
                sock = stack.enter_context(context.wrap_socket(raw))
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
            return reply.startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for a TLS listener: the server's certificate and key, and the CA that signed it."""

    cert: Path
    key: Path
    ca: Path


@dataclass
class RedisServer:
    port: int
    password: str | None
    process: ServerProcess
    tls: bool = False

    def url(self, with_password: bool = True, host: str = "127.0.0.1") -> str:
        auth = f":{self.password}@" if self.password and with_password else ""
        return f"{'rediss' if self.tls else 'redis'}://{auth}{host}:{self.port}/0"

    def stop(self) -> None:
        self.process.stop()


def start_redis(root: Path, settings: dict[str, str], password: str | None = None,
                tls: TlsFiles | None = None, env: dict[str, str] | None = None) -> RedisServer:
    """A Redis on a free loopback port; with ``tls``, TLS only (``port 0``, ``tls-port``); ``env``
    is added to the server's environment (e.g. ``OPENSSL_CONF``)."""
    require_redis()
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    listen = [f"port {port}"] if tls is None else [
        "port 0", f"tls-port {port}", f"tls-cert-file {tls.cert}", f"tls-key-file {tls.key}",
        f"tls-ca-cert-file {tls.ca}", "tls-auth-clients no"]
    lines = [
        *listen,
        "bind 127.0.0.1",
        f"dir {root}",
        "daemonize no",
        'logfile ""',
        f"pidfile {root / 'redis.pid'}",
    ]
    lines += [f"{key} {value}" for key, value in settings.items()]
    if password:
        lines.append(f"requirepass {password}")
    config = root / "redis.conf"
    config.write_text("\n".join(lines) + "\n")
    binary = str(REDIS_SERVER) if REDIS_SERVER.exists() else "redis-server"
    process = start_process("redis", [binary, str(config)], root / "redis.log", lambda: _answers(port, tls),
                            env={**os.environ, **env} if env else None)
    return RedisServer(port, password, process, tls is not None)


@contextlib.contextmanager
def running_redis(root: Path, settings: dict[str, str], password: str | None = None,
                  tls: TlsFiles | None = None, env: dict[str, str] | None = None) -> Iterator[RedisServer]:
    server = start_redis(root, settings, password, tls, env)
    try:
        yield server
    finally:
        server.stop()


def start_sentinel(root: Path, master_port: int, quorum: int = 1, password: str | None = None,
                   master: str = "mymaster") -> RedisServer:
    """A real Redis Sentinel (``redis-server --sentinel``) watching the master on ``master_port``
    with ``quorum``; down after 1 s without answers. Sentinel rewrites its config file: it lives in
    ``root``."""
    require_redis()
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = [f"port {port}", "bind 127.0.0.1", f"dir {root}", "daemonize no", 'logfile ""',
             f"sentinel monitor {master} 127.0.0.1 {master_port} {quorum}",
             f"sentinel down-after-milliseconds {master} 1000"]
    if password:
        lines.append(f"sentinel auth-pass {master} {password}")
    config = root / "sentinel.conf"
    config.write_text("\n".join(lines) + "\n")
    binary = str(REDIS_SERVER) if REDIS_SERVER.exists() else "redis-server"
    process = start_process("sentinel", [binary, str(config), "--sentinel"], root / "sentinel.log",
                            lambda: _answers(port))
    return RedisServer(port, None, process)
