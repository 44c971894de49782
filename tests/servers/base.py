"""Start and stop a server process for a test: free ports, readiness polls, stop by PID.

Servers are started by the tests themselves and stopped by their PID (never by name), after a
readiness poll (never a sleep).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on ``host``."""
    return free_ports(["port"], host)["port"]


def free_ports(names: Iterable[str], host: str = "127.0.0.1") -> dict[str, int]:
    """Distinct free ports, one per name. Every socket stays bound until all are chosen: separate
    ``free_port()`` calls may get the same port back, and two nginx ``server`` blocks on one port
    silently serve the first block's variant for both."""
    with contextlib.ExitStack() as stack:
        ports: dict[str, int] = {}
        for name in names:
            sock = stack.enter_context(socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET))
            sock.bind((host, 0))
            ports[name] = sock.getsockname()[1]
        return ports


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05,
               process: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    """Poll ``predicate`` until true; fail with the server's log when it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready{_tail(log)}")
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready within {timeout:g}s{_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return ":\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])


@dataclass
class ServerProcess:
    """A started server; ``stop()`` ends it (and its process group) by PID."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


def start_process(name: str, argv: Sequence[str], log: Path, ready: Callable[[], bool],
                  timeout: float = 15.0, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> ServerProcess:
    """Start ``argv`` in its own process group, logging to ``log``, and wait until ``ready()``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("ab")
    process = subprocess.Popen(list(argv), stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, env=env, cwd=cwd)
    handle.close()
    server = ServerProcess(name, process, log)
    try:
        wait_until(ready, timeout, name, process=process, log=log)
    except BaseException:
        server.stop()
        raise
    return server
