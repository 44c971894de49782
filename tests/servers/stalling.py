"""Servers that never finish an answer, for the deadline self-tests (loopback, daemon threads).

``start_dripping()`` answers ``HTTP/1.1 200`` and then one header line every ``interval`` seconds,
for ever: every single read succeeds, only a *total* deadline stops a client. ``start_silent()``
accepts connections and never sends a byte.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class StallingServer:
    sock: socket.socket
    stopping: threading.Event = field(default_factory=threading.Event)
    held: list[socket.socket] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def stop(self) -> None:
        self.stopping.set()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()
        self.sock.close()


def _serve(server: StallingServer, on_connect) -> None:  # type: ignore[no-untyped-def]
    server.sock.settimeout(0.2)
    while not server.stopping.is_set():
        try:
            conn, _ = server.sock.accept()
        except OSError:
            continue
        server.held.append(conn)
        threading.Thread(target=on_connect, args=(conn,), daemon=True).start()


def _listen() -> StallingServer:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(32)
    return StallingServer(sock)


def start_dripping(interval: float = 0.5) -> StallingServer:
    server = _listen()

    def drip(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            count = 0
            while not server.stopping.is_set():
                time.sleep(interval)
                conn.sendall(b"X-Drip-%d: 1\r\n" % count)
                count += 1

    threading.Thread(target=_serve, args=(server, drip), daemon=True).start()
    return server


def start_silent() -> StallingServer:
    server = _listen()
    threading.Thread(target=_serve, args=(server, lambda conn: None), daemon=True).start()
    return server
