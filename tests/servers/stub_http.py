"""A tiny in-process HTTP server on loopback for contract stubs (Grafana health, app metrics).

Runs ``http.server`` in a daemon thread on a free port; ``stop()`` shuts it down. No process to
kill, no sleep: the socket is bound and listening before ``start_stub`` returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[str], tuple[int, str, bytes]]
"""path → (status, content type, body)."""


@dataclass
class Stub:
    """A running stub: ``url`` is ``http://127.0.0.1:<port>``."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_stub(handle: Handler) -> Stub:
    """Serve ``handle`` on 127.0.0.1 (free port) until ``stop()``."""

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = handle(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="golive-stub", daemon=True)
    thread.start()
    return Stub(server, thread)
