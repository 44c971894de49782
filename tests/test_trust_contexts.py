"""TLS trust contexts shared by every fetcher of a run, and loaded beside the collection.

Loading the system store costs about 20 ms of OpenSSL parsing; each fetcher (the session's, the
error probes' fresh one, a cutover's waits) used to pay it on its first request.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive import http
from golive.profile import Target


def _ca_certificates(count: int) -> str:
    """``count`` self-signed CA certificates (EC keys: made in milliseconds), as one PEM bundle."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pems = []
    for index in range(count):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"golive test CA {index}")])
        now = datetime.now(UTC)
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                       .serial_number(x509.random_serial_number()).not_valid_before(now)
                       .not_valid_after(now + timedelta(days=1))
                       .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                       .sign(key, hashes.SHA256()))
        pems.append(certificate.public_bytes(serialization.Encoding.PEM).decode())
    return "".join(pems)


def test_one_context_per_bundle_read_again_when_the_bundle_changes(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(_ca_certificates(1))
    first = http.shared_ssl_context(str(bundle))
    assert http.shared_ssl_context(str(bundle)) is first
    assert http.shared_ssl_context(None) is http.shared_ssl_context(None)
    assert http.shared_ssl_context(None) is not first

    bundle.write_text(_ca_certificates(2))  # rewritten in place: another size, one more CA
    again = http.shared_ssl_context(str(bundle))
    assert again is not first
    assert again.cert_store_stats()["x509_ca"] == first.cert_store_stats()["x509_ca"] + 1
    assert first.cert_store_stats()["x509_ca"] == http.shared_ssl_context(None).cert_store_stats()["x509_ca"] + 1


def test_a_missing_bundle_raises_as_before_and_is_not_remembered(tmp_path: Path) -> None:
    bundle = tmp_path / "later.pem"
    with pytest.raises(FileNotFoundError):
        http.shared_ssl_context(str(bundle))
    bundle.write_text(_ca_certificates(1))
    assert isinstance(http.shared_ssl_context(str(bundle)), ssl.SSLContext)


def test_warmed_in_a_thread_and_then_shared_by_every_fetcher(tmp_path: Path) -> None:
    bundle = tmp_path / "warm.pem"
    bundle.write_text(_ca_certificates(1))
    http.warm_ssl_contexts([str(bundle), str(bundle), str(tmp_path / "missing.pem")]).join(timeout=30)
    stat = bundle.stat()
    warmed = http._SHARED_CONTEXTS.peek((str(bundle), True, stat.st_size, stat.st_mtime_ns))
    assert warmed is not None and warmed.done()  # built by the thread, before any request

    target = Target(name="web", url="https://127.0.0.1:9", ca_bundle=bundle)
    session, probes = http.HttpFetcher(), http.HttpFetcher()
    try:
        contexts = {id(fetcher._client(target, True)._transport._pool._ssl_context)  # type: ignore[attr-defined]
                    for fetcher in (session, probes)}
    finally:
        session.close()
        probes.close()
    assert contexts == {id(warmed.result())}


PROBE_PLUGIN = '''
import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    from golive import http

    warming = http._SHARED_CONTEXTS.peek((None, True))  # asked for by the warm-up only, before any check
    with open(os.environ["TRUST_PROBE_OUT"], "w") as out:
        out.write("warming" if warming is not None else "cold")
'''


@pytest.mark.parametrize(("url", "expected"), [("https://127.0.0.1:9", "warming"), ("http://127.0.0.1:9", "cold")])
def test_a_run_loads_https_trust_stores_while_it_collects(tmp_path: Path, url: str, expected: str) -> None:
    from tests.harness import run_golive

    (tmp_path / "probe_trust.py").write_text(PROBE_PLUGIN)
    out = tmp_path / "probe.txt"
    profile = {"name": "trust", "environment": "staging", "timeout": "2s", "targets": [{"name": "web", "url": url}]}
    run = run_golive(profile, "-p", "probe_trust", "-m", "headers", tmp_path=tmp_path,
                     env={"PYTHONPATH": str(tmp_path), "TRUST_PROBE_OUT": str(out)})
    assert run.report_dir.joinpath("signoff.json").is_file(), run.output[-2000:]
    assert out.read_text() == expected
