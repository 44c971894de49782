"""A loopback stand-in for Grafana's ``/api/health`` (Grafana is not packaged by Debian).

It speaks the documented contract only: ``GET /api/health`` → ``200 {"commit": ..., "database":
"ok", "version": ...}`` when healthy, ``503 {"database": "failing", ...}`` when Grafana cannot
reach its database (what Grafana itself answers then).
"""

from __future__ import annotations

import json

from tests.servers.stub_http import Stub, start_stub


def start_grafana_stub(database_ok: bool = True, version: str = "11.3.2") -> Stub:
    """A Grafana health stub, healthy or with a failing database."""

    def handle(path: str) -> tuple[int, str, bytes]:
        if path.split("?", 1)[0] != "/api/health":
            return 404, "application/json", b'{"message":"Not found"}'
        doc = {"commit": "0123abc", "database": "ok" if database_ok else "failing", "version": version}
        return (200 if database_ok else 503), "application/json", json.dumps(doc).encode()

    return start_stub(handle)
