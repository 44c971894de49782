"""Real nginx over TLS as a load target: sound, failing under concurrency, slow under load.

``LoadLab(root, listen=...)`` serves ``https://demo.golive.test:<port>`` per variant, reached with
``resolve`` (SNI, Host and the certificate check keep the name) and the lab's CA as ``ca_bundle``:

- ``sound``: 200 on ``/api/health``; ``/api/private`` answers 200 only with the lab's bearer token
  (:data:`TOKEN_HEADER`), 401 otherwise — proof that a scenario's headers reached the generator;
- ``errors``: ``limit_req`` answering 503 above 20 r/s (burst 5);
- ``slow``: ``limit_req`` queueing above 20 r/s (no ``nodelay``): slow under load, never failing.

``listen`` is the address nginx binds (the host side of a network-namespace lab, or loopback).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from tests.servers.base import ServerProcess, free_port
from tests.servers.nginx import start_nginx

HOSTNAME = "demo.golive.test"
TOKEN = "lab-bearer-5b2d8e1f9c"
"""The bearer token ``/api/private`` wants (a test's planted secret: it must not leak anywhere)."""

PRIVATE = """
    location = /api/private {{
        if ($http_authorization != "Bearer {token}") {{ return 401; }}
        default_type application/json; return 200 '{{"private":true}}';
    }}
"""
SOUND = """
server {{
    listen {listen}:{port} ssl;
    server_name {host};
    ssl_certificate {cert}; ssl_certificate_key {cert};
    keepalive_requests 100000;
    location = /api/health {{ default_type application/json; return 200 '{{"status":"ok"}}'; }}
""" + PRIVATE + """
}}
"""
ERRORS = """
limit_req_zone $server_name zone=perserver:1m rate=20r/s;
server {{
    listen {listen}:{port} ssl;
    server_name {host};
    ssl_certificate {cert}; ssl_certificate_key {cert};
    limit_req zone=perserver burst=5 nodelay;
    limit_req_status 503;
    location = /api/health {{ alias {www}/health.json; default_type application/json; }}
}}
"""
SLOW = """
limit_req_zone $server_name zone=queue:1m rate=20r/s;
server {{
    listen {listen}:{port} ssl;
    server_name {host};
    ssl_certificate {cert}; ssl_certificate_key {cert};
    limit_req zone=queue burst=1000;
    location = /api/health {{ alias {www}/health.json; default_type application/json; }}
}}
"""
VARIANTS = {"sound": SOUND, "errors": ERRORS, "slow": SLOW}


class LoadLab:
    """nginx variants started on first use; ``target(variant)`` → a profile target dict."""

    def __init__(self, root: Path, listen: str = "127.0.0.1") -> None:
        from tests import pki

        self.root, self.listen = root, listen
        ca = pki._ca("golive load test CA", pki._ec(), None)
        server = pki.leaf(ca, HOSTNAME)
        root.mkdir(parents=True, exist_ok=True)
        (root / "ca.pem").write_bytes(pki.pem(ca.cert))
        (root / "server.pem").write_bytes(pki.pem(server.cert) + pki.key_pem(server.key))
        self.www = Path(tempfile.mkdtemp(prefix="golive-load-www-"))  # nginx's workers run as nobody
        self.www.chmod(0o755)
        (self.www / "health.json").write_text('{"status":"ok"}')
        (self.www / "health.json").chmod(0o644)
        self.running: dict[str, tuple[ServerProcess, int]] = {}

    def target(self, variant: str, name: str = "web") -> dict[str, Any]:
        if variant not in self.running:
            port = free_port(self.listen)
            servers = VARIANTS[variant].format(listen=self.listen, port=port, host=HOSTNAME, token=TOKEN,
                                               cert=self.root / "server.pem", www=self.www)
            self.running[variant] = (start_nginx(self.root / variant, servers, [port], host=self.listen), port)
        port = self.running[variant][1]
        return {"name": name, "url": f"https://{HOSTNAME}:{port}", "resolve": self.listen,
                "ca_bundle": str(self.root / "ca.pem")}

    def stop(self) -> None:
        for server, _ in self.running.values():
            server.stop()
        shutil.rmtree(self.www, ignore_errors=True)
