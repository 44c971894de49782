"""A loopback stand-in for Grafana's HTTP API (Grafana is not packaged by Debian).

It speaks the documented contracts only:
- ``GET /api/health`` → ``200 {"commit": ..., "database": "ok", "version": ...}`` when healthy,
  ``503 {"database": "failing", ...}`` when Grafana cannot reach its database (what Grafana itself
  answers then);
- ``GET /api/search?type=dash-db`` with ``Authorization: Bearer <token>`` → the dashboards as
  ``[{"id", "uid", "title", "uri", "url", "type": "dash-db", "tags", "isStarred"}]``; without the
  right token ``401 {"message": "Unauthorized"}``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.stub_http import Stub

TOKEN = "glsa_golive_test_token_0000"
"""The service account token the stand-in accepts (a profile passes it as ${GRAFANA_TOKEN})."""


def start_grafana_stub(database_ok: bool = True, version: str = "11.3.2",
                       dashboards: Sequence[tuple[str, str]] = ()) -> Stub:
    """A Grafana stand-in, healthy or with a failing database, listing ``dashboards`` (uid, title)."""

    class _Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, doc: object) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/api/health":
                doc = {"commit": "0123abc", "database": "ok" if database_ok else "failing", "version": version}
                self._send(200 if database_ok else 503, doc)
            elif path == "/api/search":
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(401, {"message": "Unauthorized"})
                    return
                self._send(200, [{"id": i + 1, "uid": uid, "title": title, "uri": f"db/{uid}",
                                  "url": f"/d/{uid}/{uid}", "type": "dash-db", "tags": [], "isStarred": False}
                                 for i, (uid, title) in enumerate(dashboards)])
            else:
                self._send(404, {"message": "Not found"})

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="golive-grafana-stub", daemon=True)
    thread.start()
    return Stub(server, thread)
