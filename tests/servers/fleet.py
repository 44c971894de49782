"""A fleet of HTTPS targets on loopback: ONE nginx with N server blocks, plus the ways targets die.

Each block combines one TLS variant of ``tests.servers.nginx_tls`` (certificate, protocols,
ciphers, ALPN, stapling) with one HTTPS header variant of ``tests.servers.nginx_headers`` (security
headers, exposed files, soft 404...), cycling through both lists, so a fleet of 40 or 160 targets
looks like a real estate: mostly sound, each flawed in its own way. Around them:

- ``slow`` targets: a sound block whose health endpoint is proxied to a Python upstream that
  answers after ``slow_delay`` seconds (a slow dependency behind a healthy web server);
- ``silent``: a port that accepts TCP connections and never says a word;
- ``closed``: a port where nothing listens.

Used by ``bench/fleet_bench.py`` and by the concurrency self-tests; stopped by PID.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.pki import HOSTNAME, TestPki, build_pki
from tests.servers import nginx_headers, nginx_tls
from tests.servers.base import ServerProcess, free_port, free_ports
from tests.servers.nginx import require_nginx, start_nginx

TLS_VARIANTS = [name for name in nginx_tls.VARIANTS]
HEADER_VARIANTS = [name for name, v in nginx_headers.VARIANTS.items() if v.https]

BLOCK = """\
    server {{  # {name}: tls {tls_name}, headers {headers_name}
        listen 127.0.0.1:{port} ssl{http2};
        server_name {hostname};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        ssl_ciphers {ciphers};
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_prefer_server_ciphers off;
        ssl_session_tickets off;
{stapling}        server_tokens {tokens};
        default_type text/html;
{headers}        location = / {{ {home} }}
        location = /app/ {{ return 200 "<html><title>App</title>welcome</html>\\n"; }}
{health}{locations}        location / {{ {fallback} }}
    }}
"""

SLOW_HEALTH = """\
        location = /api/health {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_read_timeout 60s;
        }}
"""


@dataclass(frozen=True)
class Member:
    """One server block of the fleet: its port and the variants it combines."""

    name: str
    port: int
    tls: str
    headers: str


@dataclass
class FleetLab:
    """The running fleet: ``members`` (nginx blocks, in order), the failure ports, the PKI."""

    pki: TestPki
    members: list[Member]
    slow: list[Member]
    silent_port: int
    closed_port: int
    slow_delay: float
    processes: list[ServerProcess] = field(default_factory=list)

    def _target(self, name: str, port: int) -> dict:
        return {"name": name, "url": f"https://{HOSTNAME}:{port}", "resolve": "127.0.0.1",
                "ca_bundle": str(self.pki.ca_bundle)}

    def targets(self, n: int, slow: bool = True, silent: bool = True, closed: bool = True) -> list[dict]:
        """Profile targets: the first ``n`` members, then the slow ones, the silent and the closed port."""
        if n > len(self.members):
            raise ValueError(f"the lab runs {len(self.members)} members, not {n}")
        found = [self._target(m.name, m.port) for m in self.members[:n]]
        if slow:
            found += [self._target(m.name, m.port) for m in self.slow]
        if silent:
            found.append(self._target("silent", self.silent_port))
        if closed:
            found.append(self._target("closed", self.closed_port))
        return found

    def sslyze_targets(self, n: int) -> str:
        """The first ``n`` members in sslyze's ``--targets_in`` format (``host:port{ip}``)."""
        return "".join(f"{HOSTNAME}:{m.port}{{127.0.0.1}}\n" for m in self.members[:n])


def _block(member: Member, pki: TestPki, site: Path, upstream: int | None) -> str:
    tls = nginx_tls.VARIANTS[member.tls]
    headers = nginx_headers.VARIANTS[member.headers]
    locations = headers.locations.format(site=site)
    if upstream is not None:
        health = SLOW_HEALTH.format(upstream=upstream)
    elif "location = /api/health" in locations:
        health = ""
    else:
        health = nginx_headers.HEALTH
    stapling = f"        ssl_stapling on;\n        ssl_stapling_file {pki.ocsp};\n" if tls.stapling else ""
    return BLOCK.format(
        name=member.name, tls_name=member.tls, headers_name=member.headers, port=member.port,
        http2=" http2" if tls.http2 else "", hostname=HOSTNAME, cert=pki.cert(tls.cert), key=pki.key(tls.cert),
        protocols=tls.protocols, ciphers=tls.ciphers, stapling=stapling,
        tokens="on" if headers.server_tokens else "off", headers=nginx_headers._headers(headers),
        home=headers.home, health=health, locations=locations, fallback=headers.fallback,
    )


@contextlib.contextmanager
def slow_upstream(delay: float) -> Iterator[int]:
    """A plain-HTTP upstream that answers every request with a healthy JSON after ``delay`` seconds."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(delay)
            body = b'{"status":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output clean."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@contextlib.contextmanager
def fleet_lab(root: Path, size: int, slow: int = 2, slow_delay: float = 0.8) -> Iterator[FleetLab]:
    """Start the fleet: one nginx with ``size`` + ``slow`` server blocks, the upstream, the dead ports."""
    require_nginx()
    with contextlib.ExitStack() as stack:
        (root / "pki").mkdir(parents=True, exist_ok=True)
        aia_port = stack.enter_context(nginx_tls.file_server(root / "pki"))
        pki = build_pki(root / "pki", f"http://127.0.0.1:{aia_port}")
        site = nginx_headers._site(Path(tempfile.mkdtemp(prefix="golive-fleet-site-")))
        stack.callback(shutil.rmtree, site, True)
        upstream = stack.enter_context(slow_upstream(slow_delay))
        names = [f"fleet-{i:03d}" for i in range(size)] + [f"slow-{i + 1}" for i in range(slow)]
        ports = free_ports(names)
        members = [Member(n, ports[n], TLS_VARIANTS[i % len(TLS_VARIANTS)],
                          HEADER_VARIANTS[i % len(HEADER_VARIANTS)]) for i, n in enumerate(names[:size])]
        slow_members = [Member(n, ports[n], "sound", "sound") for n in names[size:]]
        blocks = nginx_headers.CORS_MAP + "".join(_block(m, pki, site, None) for m in members)
        blocks += "".join(_block(m, pki, site, upstream) for m in slow_members)
        nginx = start_nginx(root / "nginx", blocks, list(ports.values()))
        stack.callback(nginx.stop)
        silent = stack.enter_context(nginx_tls.silent_listener())
        yield FleetLab(pki, members, slow_members, silent, free_port(), slow_delay, [nginx])
