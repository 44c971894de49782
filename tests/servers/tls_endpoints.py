"""Non-HTTP TLS endpoints for the tls_endpoints self-test: a real PostgreSQL with ``ssl=on``
(STARTTLS: the SSLRequest packet), a real redis-server with ``tls-port`` (TLS from the first
byte) and a real SMTP server (aiosmtpd, OpenSSL through the ``ssl`` module) offering STARTTLS,
all serving a certificate of the test PKI.

The sound variants follow Mozilla's intermediate configuration (TLS 1.2+, its cipher list); the
legacy ones also accept TLS 1.0 and 1.1 (``@SECLEVEL=0``, which OpenSSL 3 needs for them).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import ssl
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from tests.pki import TestPki
from tests.servers.base import free_port
from tests.servers.nginx_tls import MOZILLA_INTERMEDIATE_CIPHERS
from tests.servers.postgres import PgServer, running_postgres
from tests.servers.redis import RedisServer, TlsFiles, running_redis

OPENSSL_GROUPS = """\
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_section
[ssl_section]
system_default = system_default_section
[system_default_section]
Groups = X25519:P-256:P-384
"""
"""An OpenSSL configuration that limits TLS groups to Mozilla intermediate's (for redis-server)."""

SOUND_CERT = "no_responder"
"""A leaf without an OCSP responder: neither PostgreSQL nor Redis staples OCSP responses."""


@contextlib.contextmanager
def _postgres_files(pki: TestPki, kind: str) -> Iterator[tuple[Path, Path]]:
    """The leaf chain and key where the ``postgres`` user may read them (key 0600, its own)."""
    work = Path(tempfile.mkdtemp(prefix="golive-pgtls-"))
    try:
        cert, key = work / "server.crt", work / "server.key"
        shutil.copyfile(pki.cert(kind), cert)
        shutil.copyfile(pki.key(kind), key)
        key.chmod(0o600)
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            for path in (work, cert, key):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        work.chmod(0o700)
        yield cert, key
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def postgres_tls(root: Path, pki: TestPki, legacy: bool = False, ssl: bool = True) -> Iterator[PgServer]:
    """PostgreSQL 15 on loopback: ``ssl=on`` with TLS 1.2+ (or TLS 1.0+ when ``legacy``), or ``ssl=off``."""
    with _postgres_files(pki, SOUND_CERT) as (cert, key):
        settings = {"ssl": "off"}
        if ssl:
            settings = {
                "ssl": "on",
                "ssl_cert_file": str(cert),
                "ssl_key_file": str(key),
                "ssl_min_protocol_version": "TLSv1" if legacy else "TLSv1.2",
                "ssl_ciphers": "DEFAULT:@SECLEVEL=0" if legacy else MOZILLA_INTERMEDIATE_CIPHERS,
            }
        with running_postgres(root, settings=tuple(f"{k}={v}" for k, v in settings.items())) as server:
            yield server


@contextlib.contextmanager
def redis_tls(root: Path, pki: TestPki, legacy: bool = False) -> Iterator[RedisServer]:
    """redis-server with TLS only (``tls-port``): TLS 1.2+, or TLS 1.0+ when ``legacy``."""
    settings = {
        "tls-protocols": '"TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"' if legacy else '"TLSv1.2 TLSv1.3"',
        "tls-ciphers": "DEFAULT:@SECLEVEL=0" if legacy else MOZILLA_INTERMEDIATE_CIPHERS,
        "tls-prefer-server-ciphers": "no",
        "save": '""',
        "appendonly": "no",
    }
    files = TlsFiles(pki.cert(SOUND_CERT), pki.key(SOUND_CERT), pki.ca_bundle)
    # Redis has no curve setting: OpenSSL's own configuration limits the groups (as in production)
    root.mkdir(parents=True, exist_ok=True)
    openssl_conf = root / "openssl.cnf"
    openssl_conf.write_text(OPENSSL_GROUPS)
    env = None if legacy else {"OPENSSL_CONF": str(openssl_conf)}
    with running_redis(root, settings, tls=files, env=env) as server:
        yield server


class _Sink:
    """Accepts every message and keeps none (the endpoint is judged for TLS, not for mail)."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


@contextlib.contextmanager
def smtp_starttls(pki: TestPki, legacy: bool = False) -> Iterator[int]:
    """An SMTP server on a free loopback port offering STARTTLS (TLS 1.2+, or 1.0+ when ``legacy``);
    yields its port. aiosmtpd serves from its own thread and event loop, stopped on exit."""
    from aiosmtpd.controller import Controller

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert(SOUND_CERT), pki.key(SOUND_CERT))
    if legacy:
        with warnings.catch_warnings():  # TLS 1.0 is deprecated: that is the defect served here
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(MOZILLA_INTERMEDIATE_CIPHERS)
        context.set_ecdh_curve("prime256v1")
    controller = Controller(
        _Sink(),
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=False,
        server_hostname="www.golive.test",
        ready_timeout=10,
    )
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
