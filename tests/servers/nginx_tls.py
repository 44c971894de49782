"""TLS server variants for the tls.* self-tests: many nginx server blocks (one port per variant) in
ONE nginx process, plus a threaded Python TLS server for the one defect nginx cannot be configured
into (client-initiated renegotiation).

The sound variant is Mozilla's "intermediate" nginx configuration; every other variant differs from
it by exactly one defect (a certificate from ``tests.pki`` or a protocol/cipher/ALPN setting), so
that one golive run over all of them proves each check both ways. Scans are the slow part: one
process and one run keep the whole TLS self-test to a single concurrent sslyze scan.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.pki import HOSTNAME, TestPki, build_pki
from tests.servers.base import ServerProcess, free_port, free_ports
from tests.servers.nginx import require_nginx, start_nginx

MOZILLA_INTERMEDIATE_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
)


@dataclass(frozen=True)
class Variant:
    """One server block: the certificate kind served and how it differs from Mozilla intermediate."""

    cert: str = "sound"
    protocols: str = "TLSv1.2 TLSv1.3"
    ciphers: str = MOZILLA_INTERMEDIATE_CIPHERS
    http2: bool = True
    stapling: bool = False
    ocsp: str | None = None
    """OCSP response file stapled (a ``TestPki.ocsp_file`` kind); ``stapling`` staples the good one."""
    curves: str = "X25519:prime256v1:secp384r1"
    tickets: bool = False
    extra: str = ""
    """Extra server directives (``ssl_early_data on;``, ``ssl_dhparam …;``), one per line."""


VARIANTS: dict[str, Variant] = {
    "sound": Variant(stapling=True),
    "legacy_protocols": Variant(
        protocols="TLSv1 TLSv1.1 TLSv1.2 TLSv1.3",
        ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0",
    ),
    "weak_ciphers": Variant(cert="sound_rsa", ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":AES128-SHA"),
    "no_tls13": Variant(protocols="TLSv1.2"),
    "no_http2": Variant(http2=False),
    "no_stapling": Variant(),
    "expired": Variant(cert="expired"),
    "not_yet_valid": Variant(cert="not_yet_valid"),
    "wrong_host": Variant(cert="wrong_host"),
    "self_signed": Variant(cert="self_signed"),
    "untrusted_root": Variant(cert="untrusted_root"),
    "missing_intermediate": Variant(cert="missing_intermediate"),
    "expiring": Variant(cert="expiring"),
    "rsa1024": Variant(cert="rsa1024", ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":@SECLEVEL=0"),
    "sha1": Variant(cert="sha1", ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":@SECLEVEL=0"),
    # issue 16: the leaf alone, its intermediate nowhere (not served, not in the trust file, AIA gone)
    "intermediate_nowhere": Variant(cert="intermediate_nowhere"),
    "intermediate_nowhere_no_aia": Variant(cert="intermediate_nowhere_no_aia"),
    # weaknesses a Debian OpenSSL still serves (at @SECLEVEL=0 where needed)
    "null_cipher": Variant(ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0"),
    "anon_cipher": Variant(ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":AECDH-AES128-SHA:@SECLEVEL=0"),
    "cbc_cipher": Variant(ciphers=MOZILLA_INTERMEDIATE_CIPHERS + ":ECDHE-ECDSA-AES128-SHA256"),
    "weak_dh": Variant(
        cert="sound_rsa",
        protocols="TLSv1.2",
        ciphers="ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        extra="ssl_dhparam {pki}/dh1024.pem;",
    ),
    # an RSA certificate: with ECDSA, TLS 1.2 ties the curve offered to the certificate's (P-256)
    "weak_curve": Variant(
        cert="sound_rsa",
        protocols="TLSv1.2",
        ciphers="ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0",
        curves="prime192v1:prime256v1",
    ),
    "early_data": Variant(tickets=True, extra="ssl_early_data on;"),
    # OCSP: stapled responses a client must refuse, a must-staple certificate without one, no responder
    "ocsp_expired": Variant(ocsp="expired"),
    "ocsp_revoked": Variant(ocsp="revoked"),
    "ocsp_other_cert": Variant(ocsp="other_cert"),
    "ocsp_wrong_signer": Variant(ocsp="bad_signature"),
    "must_staple": Variant(cert="must_staple"),
    "no_responder": Variant(cert="no_responder"),
    "sct": Variant(cert="sct"),
}

SERVER_BLOCK = """\
    server {{
        listen 127.0.0.1:{port} ssl{http2};
        server_name {hostname};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        ssl_ciphers {ciphers};
        ssl_ecdh_curve {curves};
        ssl_prefer_server_ciphers off;
        ssl_session_tickets {tickets};
{stapling}{extra}        location / {{ return 200 "ok\\n"; }}
    }}
"""


@dataclass
class TlsLab:
    """The running servers: ``ports[variant]``, the PKI, and ports that fail in known ways."""

    pki: TestPki
    ports: dict[str, int]
    aia_port: int
    processes: list[ServerProcess] = field(default_factory=list)
    closed_port: int = 0
    silent_port: int = 0

    def target(
        self, name: str, variant: str | None = None, hostname: str = HOSTNAME, **extra: object
    ) -> dict:
        """A profile target for ``variant`` (default: the variant named ``name``)."""
        port = self.ports[variant or name]
        return {
            "name": name,
            "url": f"https://{hostname}:{port}",
            "resolve": "127.0.0.1",
            "ca_bundle": str(self.pki.ca_bundle),
            **extra,
        }


def _block(variant: Variant, port: int, pki: TestPki) -> str:
    stapling = ""
    if variant.stapling or variant.ocsp:
        staple = pki.ocsp_file(variant.ocsp) if variant.ocsp else pki.ocsp
        stapling = f"        ssl_stapling on;\n        ssl_stapling_file {staple};\n"
    extra = "".join(f"        {line.strip()}\n" for line in variant.extra.splitlines() if line.strip())
    return SERVER_BLOCK.format(
        port=port,
        http2=" http2" if variant.http2 else "",
        hostname=HOSTNAME,
        cert=pki.cert(variant.cert),
        key=pki.key(variant.cert),
        protocols=variant.protocols,
        ciphers=variant.ciphers,
        stapling=stapling,
        curves=variant.curves,
        tickets="on" if variant.tickets else "off",
        extra=extra.replace("{pki}", str(pki.root)),
    )


ALLOW_CLIENT_RENEGOTIATION = 0x100  # SSL_OP_ALLOW_CLIENT_RENEGOTIATION (OpenSSL 3), not exported by ssl


@contextlib.contextmanager
def renegotiating_server(pki: TestPki) -> Iterator[int]:
    """A real TLS server (OpenSSL 3 through the ssl module, one thread per connection) that honours
    client-initiated renegotiation, a defect nginx cannot be configured into. Threaded, unlike
    ``openssl s_server``, so that sslyze's concurrent probes do not time out."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert("sound"), pki.key("sound"))
    context.options |= ALLOW_CLIENT_RENEGOTIATION
    context.options &= ~ssl.OP_NO_RENEGOTIATION

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(5)
            with contextlib.suppress(OSError), context.wrap_socket(self.request, server_side=True) as tls:
                while tls.recv(4096):
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung TLS terminator)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(sock.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        sock.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""


@contextlib.contextmanager
def file_server(directory: Path) -> Iterator[int]:
    """A plain-HTTP server for the AIA caIssuers files (nginx workers run as nobody and cannot read
    the test's private temp dirs); also a port that answers, but not with TLS."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@contextlib.contextmanager
def tls_lab(
    root: Path, variants: dict[str, Variant] | None = None, renegotiation_server: bool = True
) -> Iterator[TlsLab]:
    """Start one nginx with every variant (and an AIA file server), plus the renegotiating
    server; nginx is stopped by PID."""
    require_nginx()
    variants = VARIANTS if variants is None else variants
    with contextlib.ExitStack() as stack:
        (root / "pki").mkdir(parents=True, exist_ok=True)
        aia_port = stack.enter_context(file_server(root / "pki"))
        pki = build_pki(root / "pki", f"http://127.0.0.1:{aia_port}")
        ports = free_ports(variants)
        blocks = "".join(_block(v, ports[n], pki) for n, v in variants.items())
        nginx = start_nginx(root / "nginx", blocks, list(ports.values()))
        stack.callback(nginx.stop)
        lab = TlsLab(pki, ports, aia_port, [nginx])
        if renegotiation_server:
            lab.ports["client_renegotiation"] = stack.enter_context(renegotiating_server(pki))
        lab.closed_port = free_port()
        lab.silent_port = stack.enter_context(silent_listener())
        yield lab
