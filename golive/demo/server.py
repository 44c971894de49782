"""Serve the demo app with hypercorn: HTTPS (TLS from the demo PKI) and a plain-HTTP listener.

Both listeners are sockets bound here before hypercorn starts (``fd://`` binds), so that port 0
gives a free port whose number is known, and the ready file can be written once hypercorn
listens on both (from the shutdown trigger, which hypercorn awaits only after it has started
every listener). TLS follows Mozilla's "intermediate" profile: TLS 1.2 and 1.3, ECDHE with
AES-GCM or ChaCha20 only, no compression, no client-initiated renegotiation, ALPN h2 + http/1.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config

from golive.demo.app import create_app
from golive.demo.pki import HOSTNAME, ensure_pki

CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
])
"""TLS 1.2 suites of Mozilla's intermediate profile that fit an ECDSA key (TLS 1.3 suites are
OpenSSL's defaults: AES-GCM and ChaCha20)."""


class DemoConfig(Config):
    """hypercorn's config with a TLS context of our own (hypercorn's resets every option but one)."""

    def create_ssl_context(self) -> ssl.SSLContext | None:
        if not self.ssl_enabled:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(CIPHERS)
        # One named curve from Mozilla's list: OpenSSL's defaults also offer curves it does not name.
        context.set_ecdh_curve("prime256v1")
        context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
        context.set_alpn_protocols(self.alpn_protocols)
        context.load_cert_chain(certfile=str(self.certfile), keyfile=str(self.keyfile))
        return context


@dataclass(frozen=True)
class ServeOptions:
    """What ``python -m golive.demo serve`` was asked for."""

    state_dir: Path
    host: str = "127.0.0.1"
    https_port: int = 0
    http_port: int = 0
    flaws: tuple[str, ...] = ()
    version: str = "1.4.2"
    ready_file: Path | None = None
    exit_with_parent: bool = False


PARENT_POLL = 1.0
"""Seconds between looks at whether the process that started the server is still there."""


async def _parent_gone(stop: asyncio.Event) -> None:
    """Stop the server once its parent is gone (re-parented: ``getppid()`` changed).

    The server runs in its own session so that Ctrl-C reaches only golive, which then stops it;
    a golive (or a test run) killed with SIGKILL cannot, and the server would serve on for ever.
    """
    parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != parent:
            stop.set()
            return
        await asyncio.sleep(PARENT_POLL)


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (port 0: a free port chosen by the kernel)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def _url(scheme: str, host: str, port: int) -> str:
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def run(options: ServeOptions) -> int:
    """Serve until SIGTERM/SIGINT; return the exit code."""
    from golive.demo.flaws import check_flaws

    flaws = check_flaws(options.flaws)
    pki = ensure_pki(options.state_dir)
    secure = listen(options.host, options.https_port)
    try:
        plain = listen(options.host, options.http_port)
    except OSError:
        secure.close()
        raise
    https_port, http_port = secure.getsockname()[1], plain.getsockname()[1]
    app = create_app(tuple(flaws), options.version, https_port=https_port)

    config = DemoConfig()
    config.bind = [f"fd://{secure.detach()}"]
    config.insecure_bind = [f"fd://{plain.detach()}"]
    config.certfile = str(pki.chain)
    config.keyfile = str(pki.key)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.include_server_header = False  # the app sets Server (or the server_version flaw does)
    config.graceful_timeout = 1.0
    config.keep_alive_timeout = 5.0
    config.accesslog = None

    info = {
        "pid": os.getpid(), "host": options.host, "https_port": https_port, "http_port": http_port,
        "https_url": _url("https", HOSTNAME, https_port), "http_url": _url("http", HOSTNAME, http_port),
        "ca_bundle": str(pki.ca_bundle), "version": app.behaviour.version, "flaws": sorted(flaws),
    }

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        watch = asyncio.create_task(_parent_gone(stop)) if options.exit_with_parent else None

        async def started_then_wait() -> None:
            # hypercorn awaits this only once every listener is up: the moment to say "ready".
            if options.ready_file is not None:
                _write_json(options.ready_file, info)
            _announce(info, options.host)
            await stop.wait()

        await hypercorn_serve(app, config, shutdown_trigger=started_then_wait)  # type: ignore[arg-type]
        if watch is not None:
            watch.cancel()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def _announce(info: dict[str, Any], host: str) -> None:
    flaws = ", ".join(info["flaws"]) or "none (sound)"
    print(
        f"golive demo target {info['version']} (flaws: {flaws})\n"
        f"  HTTPS: {info['https_url']}  (listening on {host}:{info['https_port']})\n"
        f"  HTTP:  {info['http_url']}  (listening on {host}:{info['http_port']})\n"
        f"  CA:    {info['ca_bundle']}\n"
        f"  try:   curl --cacert {info['ca_bundle']} --resolve {HOSTNAME}:{info['https_port']}:{host} "
        f"{info['https_url']}/api/health\n"
        "Ctrl-C to stop",
        file=sys.stdout, flush=True,
    )
