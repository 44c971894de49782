"""nginx variants for the behaviour probes (issue 17): ONE nginx, one TLS port per variant.

The sound variant does what a hardened deployment does: ``limit_req`` on /login answering 429 with
Retry-After, gzip for text types, hashed assets cached a year and immutable, HTML ``no-cache``, no
source maps, ``server_tokens off`` (generic error pages), and /ws proxied with Upgrade/Connection to
a real ``websockets`` echo upstream. Every other variant differs from it by exactly one defect.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.pki import HOSTNAME, _ca, _ec, key_pem, leaf, pem
from tests.servers.base import ServerProcess, free_ports
from tests.servers.nginx import start_nginx
from tests.servers.ws_echo import start_ws_echo

JS = "/static/app.3f9c2b1e.js"
CSS = "/static/app.5d2a7c4e.css"
INDEX = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>probe lab</title><link rel="stylesheet" href="{CSS}"></head>
<body><h1>probe lab</h1><p>{"A page of the lab that is long enough to be worth compressing. " * 30}</p>
<script src="{JS}"></script></body></html>
"""
APP_JS = "(function(){" + "".join(f"var v{i}=document.getElementById('x{i}');" for i in range(120)) + "}());\n" \
    "//# sourceMappingURL=app.3f9c2b1e.js.map\n"
APP_CSS = "".join(f".c{i}{{margin:{i}px;padding:{i}px;color:#{i:06x}}}\n" for i in range(80))
SOURCE_MAP = '{"version":3,"file":"app.3f9c2b1e.js","sources":["src/app.ts"],"names":[],"mappings":"AAAA"}'

LIMITED = "default_type application/json; return 429 '{{\"error\":\"slow down\"}}';"
SOUND = {
    "tokens": "off",
    "gzip": "gzip on; gzip_min_length 256; gzip_types text/css application/javascript application/json;",
    "static_cache": 'add_header Cache-Control "public, max-age=31536000, immutable" always;',
    "html_cache": 'add_header Cache-Control "no-cache" always;',
    "maps": "location ~ \\.map$ { return 404; }",
    "limit": "limit_req zone={zone} burst=5 nodelay; limit_req_status 429;",
    "limited": "add_header Retry-After 1 always; " + LIMITED,
    "ws": ("proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
           'proxy_set_header Connection "upgrade"; proxy_read_timeout 60s;'),
}
VARIANTS: dict[str, dict[str, str]] = {
    "sound": {},
    "gzip_off": {"gzip": "gzip off;"},
    "cache_wrong": {"static_cache": 'add_header Cache-Control "public, max-age=60" always;',
                    "html_cache": 'add_header Cache-Control "public, max-age=3600" always;'},
    "maps_served": {"maps": ""},
    "errors_verbose": {"tokens": "on"},
    "rate_none": {"limit": ""},
    "rate_no_headers": {"limited": LIMITED},
    "ws_no_upgrade": {"ws": "proxy_read_timeout 60s;"},
    "ws_idle_cut": {"ws": SOUND["ws"].replace("proxy_read_timeout 60s;", "proxy_read_timeout 400ms;")},
}


def _block(name: str, port: int, ws_port: int, tls: tuple[Path, Path], site: Path) -> str:
    v = {**SOUND, **VARIANTS[name]}
    limit = v["limit"].format(zone=f"lim_{name}")
    return f"""
    limit_req_zone $binary_remote_addr zone=lim_{name}:1m rate=5r/s;
    server {{  # {name}
        listen 127.0.0.1:{port} ssl;
        server_name {HOSTNAME};
        ssl_certificate {tls[0]};
        ssl_certificate_key {tls[1]};
        server_tokens {v["tokens"]};
        root {site};
        types {{ text/html html; application/javascript js; text/css css; application/json json map; }}
        {v["gzip"]}
        {v["maps"]}
        location /static/ {{ {v["static_cache"]} }}
        location = / {{ {v["html_cache"]} try_files /index.html =404; }}
        location = /api/health {{ default_type application/json; return 200 '{{"status":"ok"}}'; }}
        location = /login {{ {limit} default_type application/json; try_files /login.json =404; }}
        error_page 429 = @limited;
        location @limited {{ {v["limited"].format()} }}
        location /ws {{ proxy_pass http://127.0.0.1:{ws_port}; {v["ws"]} }}
    }}
"""


def _site(site: Path) -> Path:
    """World-readable files (nginx workers run as nobody): the page, the assets and the map."""
    site.chmod(0o755)
    (site / "static").mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(INDEX)
    (site / "login.json").write_text('{"ok": true}\n')  # a file: ``return`` would answer before limit_req
    (site / JS.lstrip("/")).write_text(APP_JS)
    (site / CSS.lstrip("/")).write_text(APP_CSS)
    (site / (JS.lstrip("/") + ".map")).write_text(SOURCE_MAP)
    for path in site.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return site


@dataclass
class ProbesLab:
    """The running nginx and upstream; ``target(name)`` is a profile target for a variant."""

    ports: dict[str, int]
    ca_bundle: Path
    process: ServerProcess

    def target(self, name: str, variant: str | None = None) -> dict:
        return {"name": name, "url": f"https://{HOSTNAME}:{self.ports[variant or name]}", "resolve": "127.0.0.1",
                "ca_bundle": str(self.ca_bundle)}


@contextlib.contextmanager
def probes_lab(root: Path) -> Iterator[ProbesLab]:
    """nginx with every variant plus the WebSocket echo upstream; both stopped by PID on exit."""
    root.mkdir(parents=True, exist_ok=True)
    ca = _ca("golive probes test CA", _ec(), None)
    server = leaf(ca)
    (root / "ca.pem").write_bytes(pem(ca.cert))
    (root / "server.crt").write_bytes(pem(server.cert))
    (root / "server.key").write_bytes(key_pem(server.key))
    site = _site(Path(tempfile.mkdtemp(prefix="golive-probes-site-")))
    ports = free_ports(VARIANTS)
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, site, True)
        echo, ws_port = start_ws_echo(root)
        stack.callback(echo.stop)
        blocks = "".join(_block(n, ports[n], ws_port, (root / "server.crt", root / "server.key"), site)
                         for n in VARIANTS)
        process = start_nginx(root / "nginx", blocks, list(ports.values()))
        stack.callback(process.stop)
        yield ProbesLab(ports, root / "ca.pem", process)
