"""Servers that hold a client as long as they can: the hostile ends of the deadline self-tests.

Each is a real TCP server on loopback (one thread per connection) with one behaviour:

- ``drip_headers``: an HTTP status line, then one header line every ``interval`` seconds, forever;
- ``trickle_body``: complete headers announcing a large body, then one byte a second;
- ``stall_handshake``: reads the TLS ClientHello and never answers it;
- ``die_mid_response``: a status line and half a body, then a reset (the process "died");
- ``trickle_proxy(port)``: relays to a real server, but its answers one byte a second (a TLS
  handshake that crawls, a response that crawls);
- ``silent``: accepts and never says a word (``tests.servers.nginx_tls.silent_listener`` is the
  same for TLS labs).

``serve(behaviour)`` runs one; on exit every connection is closed and every thread joined.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

Behaviour = Callable[[socket.socket, threading.Event], None]


def _read_request(conn: socket.socket, stop: threading.Event) -> bytes:
    conn.settimeout(0.2)
    data = b""
    while b"\r\n\r\n" not in data and not stop.is_set():
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
    return data


def _send_slowly(conn: socket.socket, stop: threading.Event, parts: Iterator[bytes], interval: float) -> None:
    for part in parts:
        if stop.wait(interval):
            return
        try:
            conn.sendall(part)
        except OSError:
            return


def drip_headers(interval: float = 2.0) -> Behaviour:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        _read_request(conn, stop)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        _send_slowly(conn, stop, (f"X-Drip-{i}: still here\r\n".encode() for i in range(100_000)), interval)

    return behave


def trickle_body(interval: float = 1.0) -> Behaviour:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        _read_request(conn, stop)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
        _send_slowly(conn, stop, (b"x" for _ in range(100_000)), interval)

    return behave


def stall_handshake(conn: socket.socket, stop: threading.Event) -> None:
    conn.settimeout(0.2)
    with contextlib.suppress(OSError):
        conn.recv(16384)  # the ClientHello, never answered
    stop.wait()


def silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def die_mid_response(conn: socket.socket, stop: threading.Event) -> None:
    _read_request(conn, stop)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nhalf a bo")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset


def trickle_proxy(upstream: int, interval: float = 1.0) -> Behaviour:
    """Relay to ``127.0.0.1:upstream``; the client's bytes go at once, the server's one per ``interval``."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        with socket.create_connection(("127.0.0.1", upstream), timeout=5) as server:
            pending = b""
            server_open = True
            next_byte = time.monotonic()
            while not stop.is_set():
                wait = max(0.0, next_byte - time.monotonic()) if pending else 0.2
                readable, _, _ = select.select([conn, server] if server_open else [conn], [], [], wait)
                if conn in readable:
                    data = conn.recv(65536)
                    if not data:
                        return
                    server.sendall(data)
                if server in readable:
                    answer = server.recv(65536)
                    server_open = bool(answer)
                    pending += answer
                if not pending:
                    if not server_open:
                        return
                    continue
                if interval <= 0:
                    conn.sendall(pending)
                    pending = b""
                elif time.monotonic() >= next_byte:
                    conn.sendall(pending[:1])
                    pending = pending[1:]
                    next_byte = time.monotonic() + interval

    return behave


@contextlib.contextmanager
def serve(behaviour: Behaviour) -> Iterator[int]:
    """Run ``behaviour`` for every connection to a fresh loopback port; yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            behaviour(conn, stop)
        with contextlib.suppress(OSError):
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conns.append(conn)
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(2)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
        for thread in threads:
            thread.join(2)
        listener.close()
