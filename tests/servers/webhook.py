"""A real webhook receiver on loopback: Alertmanager's webhook notifier posts to it.

``start_webhook()`` serves ``POST /<anything>`` (200, the JSON body recorded) in a daemon thread on
a free port; ``received`` is what arrived, ``wait_for(predicate)`` polls it (no sleep).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers.base import wait_until


@dataclass
class WebhookReceiver:
    server: ThreadingHTTPServer
    thread: threading.Thread
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def alertnames(self) -> set[str]:
        return {a.get("labels", {}).get("alertname", "") for body in self.received for a in body.get("alerts", [])}

    def wait_for_alert(self, name: str, timeout: float = 30) -> None:
        wait_until(lambda: name in self.alertnames(), timeout, f"webhook receives {name}")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_webhook() -> WebhookReceiver:
    received: list[dict[str, Any]] = []

    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            try:
                received.append(json.loads(body or b"{}"))
            except ValueError:
                received.append({"raw": body.decode(errors="replace")})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="golive-webhook", daemon=True)
    thread.start()
    return WebhookReceiver(server, thread, received)
