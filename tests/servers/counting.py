"""Plain-HTTP targets that count what golive does to them, and a target that can be killed.

``counting_fleet(n, delay)`` serves ``n`` targets (one port each, threads of this process) that
answer every request after ``delay`` seconds with a healthy JSON and record, for the whole fleet
and per target, how many requests were in flight at once, and for each request how many of its
target's were in flight beside it: proof of concurrency across subjects and within one (and of
its absence around the latency samples) that does not depend on the machine's speed.

``mortal_server()`` is a real separate process answering HTTP until the test kills it by its PID
(``kill_after(n)``: after its ``n``-th answer), for "a target dies mid-run" tests.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

BODY = b'{"status":"ok"}'


@dataclass
class Seen:
    """One request a target answered: its path, and the most requests of that target (itself
    included) in flight at any moment of its life."""

    path: str
    beside: int = 1


@dataclass
class Tally:
    """In-flight counts: now and at most, for the fleet and per target; every request, in order."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: int = 0
    most: int = 0
    per_target_now: Counter[str] = field(default_factory=Counter)
    per_target_most: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    seen: dict[str, list[Seen]] = field(default_factory=dict)
    _open: dict[str, list[Seen]] = field(default_factory=dict)

    def enter(self, name: str, path: str = "") -> Seen:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.per_target_now[name] += 1
            self.per_target_most[name] = max(self.per_target_most[name], self.per_target_now[name])
            self.requests[name] += 1
            request = Seen(path)
            self.seen.setdefault(name, []).append(request)
            in_flight = self._open.setdefault(name, [])
            in_flight.append(request)
            for other in in_flight:
                other.beside = max(other.beside, len(in_flight))
            return request

    def leave(self, name: str, request: Seen | None = None) -> None:
        with self.lock:
            self.now -= 1
            self.per_target_now[name] -= 1
            if request is not None:
                self._open[name].remove(request)


@contextlib.contextmanager
def counting_fleet(n: int, delay: float) -> Iterator[tuple[dict[str, int], Tally]]:
    """``n`` targets ``t0``..``t{n-1}``: name → port, and the shared tally."""
    tally = Tally()
    servers = []
    ports: dict[str, int] = {}
    for index in range(n):
        name = f"t{index}"

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            target = name

            def _answer(self) -> None:
                request = tally.enter(self.target, self.path)
                try:
                    time.sleep(delay)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(BODY)))
                    self.end_headers()
                    self.wfile.write(BODY)
                finally:
                    tally.leave(self.target, request)

            do_GET = do_OPTIONS = do_HEAD = _answer

            def log_message(self, format: str, *args: object) -> None:
                """quiet"""

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        ports[name] = server.server_address[1]
    try:
        yield ports, tally
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


MORTAL = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        print("answered", flush=True)
    do_OPTIONS = do_GET
    def log_message(self, *a):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@dataclass
class Mortal:
    """A server process; ``kill_after(n)`` kills it (SIGKILL, by PID) right after its n-th answer."""

    process: subprocess.Popen[str]
    port: int
    answered: int = 0
    killed_at: int | None = None

    def kill_after(self, n: int) -> None:
        def watch() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                if line.startswith("answered"):
                    self.answered += 1
                    if self.answered >= n and self.killed_at is None:
                        self.killed_at = self.answered
                        os.kill(self.process.pid, signal.SIGKILL)
                        return

        threading.Thread(target=watch, daemon=True).start()


@contextlib.contextmanager
def mortal_server() -> Iterator[Mortal]:
    process = subprocess.Popen([sys.executable, "-c", MORTAL], stdout=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield Mortal(process, port)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(5)
