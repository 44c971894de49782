"""A real nginx on loopback with a config the test writes.

``start_nginx(tmp, server_blocks)`` writes a minimal main config around the given ``server { }``
blocks (which use ``{port}``-style placeholders filled by the caller), runs nginx in the foreground
(``daemon off``) as its own process, waits until every listed port accepts connections, and
returns a handle that stops it by PID.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.servers.base import ServerProcess, port_open, start_process

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

MAIN_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    default_type application/octet-stream;
    types {{ text/html html; application/json json; text/plain txt; }}
{servers}
}}
"""


def nginx_available() -> bool:
    return Path(NGINX).exists()


def require_nginx() -> None:
    """Skip (locally) when nginx is missing; CI installs it, so there it always runs."""
    if not nginx_available():
        pytest.skip("nginx is not installed (apt-get install nginx-light); .ci/run installs it")


def start_nginx(root: Path, servers: str, ports: Sequence[int], host: str = "127.0.0.1") -> ServerProcess:
    """Run nginx with ``servers`` (the text of one or more server blocks) until the ports answer."""
    require_nginx()
    root.mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(MAIN_CONF.format(root=root, servers=servers))
    return start_process(
        "nginx", [NGINX, "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")],
        log=root / "nginx.out", ready=lambda: all(port_open(host, p) for p in ports),
    )
