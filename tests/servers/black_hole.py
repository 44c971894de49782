"""A TCP listener on loopback that accepts connections and never answers (in-process thread).

For lifecycle self-tests: a check against it blocks until the profile's timeout, which gives a
signal test a run that is certainly mid-check. ``accepted`` counts connections, so a test can wait
for the run to get there (a readiness poll, not a sleep).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class BlackHole:
    sock: socket.socket
    accepted: int = 0
    held: list[socket.socket] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)  # held open, never read from or written to
            self.accepted += 1

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()


def start_black_hole() -> BlackHole:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    hole = BlackHole(sock)
    threading.Thread(target=hole.serve, name="golive-black-hole", daemon=True).start()
    return hole
