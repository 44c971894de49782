"""Servers that hold a client as long as they can: the hostile ends of the deadline self-tests.

Each is a real TCP server on loopback (one thread per connection) with one behaviour:

- ``drip_headers``: an HTTP status line, then one header line every ``interval`` seconds, forever;
- ``trickle_body``: complete headers announcing a large body, then one byte a second;
- ``stall_handshake``: reads the TLS ClientHello and never answers it;
- ``die_mid_response``: a status line and half a body, then a reset (the process "died");
- ``trickle_proxy(port)``: relays to a real server, but its answers one byte a second (a TLS
  handshake that crawls, a response that crawls);
- ``silent``: accepts and never says a word (``tests.servers.nginx_tls.silent_listener`` is the
  same for TLS labs);
- ``tls_server(root)``: a well-behaved TLS server, the upstream a ``trickle_proxy`` slows down.

``start_dripping()`` / ``start_silent()`` are the same dripping and silent servers as objects with
a ``url`` and ``stop()`` (for tests that hold a server across calls).

``serve(behaviour)`` runs one; on exit every connection is closed and every thread joined.
"""

from __future__ import annotations

import contextlib
import http.server
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

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


def relay_then_stall(upstream: int, relayed: int) -> Behaviour:
    """Relay the first ``relayed`` connections to ``127.0.0.1:upstream`` at full speed, then stall
    every later one mid-handshake: a server that passes the pre-flight and the scanner's first
    probes, then hangs (a TLS terminator whose worker pool is exhausted)."""
    seen = [0]
    lock = threading.Lock()
    relay = trickle_proxy(upstream, 0.0)

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        with lock:
            seen[0] += 1
            mine = seen[0]
        if mine <= relayed:
            relay(conn, stop)
        else:
            stall_handshake(conn, stop)

    return behave


@contextlib.contextmanager
def tls_server(root: Path) -> Iterator[tuple[int, Path]]:
    """A well-behaved TLS server (OpenSSL through the ssl module, the test PKI's sound certificate)
    answering 200 to every GET: the upstream of ``trickle_proxy``. Yields (port, CA bundle)."""
    from tests.pki import build_pki

    pki = build_pki(root / "pki", "http://127.0.0.1:9")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert("sound"), pki.key("sound"))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, format: str, *args: object) -> None:
            """quiet"""

    class Quiet(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def finish_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
            """The handshake in the connection's own thread: a client that crawls through it (the
            ``trickle_proxy`` in front) holds that thread only, not the accept loop every other
            client of this server waits on."""
            request.settimeout(30)
            with context.wrap_socket(request, server_side=True) as tls:
                self.RequestHandlerClass(tls, client_address, self)

        def handle_error(self, request: object, client_address: object) -> None:
            """Scanners' failed handshakes are expected here."""

    server = Quiet(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], pki.ca_bundle
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@contextlib.contextmanager
def serve(behaviour: Behaviour, accepted: list[float] | None = None) -> Iterator[int]:
    """Run ``behaviour`` for every connection to a fresh loopback port; yields the port. ``accepted``
    gets the time (monotonic) of every connection accepted (how often a client dialled it)."""
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
            if accepted is not None:
                accepted.append(time.monotonic())
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
