"""TLS beyond HTTPS: ``tls_endpoints`` get the tls.* checks, proven both ways against a real
PostgreSQL 15 (``ssl=on``, STARTTLS via sslyze), a real redis-server (``tls-port``) and a real SMTP
server offering STARTTLS (aiosmtpd).

ONE golive run scans them all: a sound PostgreSQL (TLS 1.2+, Mozilla intermediate suites), one that
also accepts TLS 1.0/1.1, one with ``ssl=off``; the same two variants of Redis over TLS and of SMTP. Seed 003
asks for "TLS 1.2+ for all connections": the legacy endpoints must fail tls.protocols naming the
versions, the sound ones pass every check that applies (tls.http2 is about HTTP and does not run;
0-RTT, OCSP stapling and CT do not apply and say why).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import GoliveRun, run_golive
from tests.pki import HOSTNAME, TestPki, build_pki
from tests.servers.postgres import require_postgres
from tests.servers.redis import require_redis
from tests.servers.tls_endpoints import postgres_tls, redis_tls, smtp_starttls

pytestmark = pytest.mark.xdist_group("tls_endpoints_selftest")  # its module fixtures start once, on one worker

PASSING = (
    "tls.cert_trusted",
    "tls.cert_validity",
    "tls.cert_expiry_window",
    "tls.cert_hostname",
    "tls.cert_chain_complete",
    "tls.cert_key_strength",
    "tls.protocols",
    "tls.ciphers",
    "tls.vulnerabilities",
    "tls.mozilla_compliance",
    "tls.key_exchange",
)
NOT_APPLICABLE = {
    "tls.early_data": "the 0-RTT probe speaks HTTP",
    "tls.ocsp_stapling": "names no OCSP responder",
    "tls.certificate_transparency": "private root",
}


def _endpoint(name: str, port: int, protocol: str, pki: TestPki) -> dict:
    return {
        "name": name,
        "host": HOSTNAME,
        "port": port,
        "protocol": protocol,
        "resolve": "127.0.0.1",
        "ca_bundle": str(pki.ca_bundle),
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoliveRun]:
    require_postgres()
    require_redis()
    root = tmp_path_factory.mktemp("tls-endpoints")
    pki = build_pki(root / "pki", "http://127.0.0.1:9/aia")
    with (
        postgres_tls(root / "pg-sound", pki) as pg_sound,
        postgres_tls(root / "pg-legacy", pki, legacy=True) as pg_legacy,
        postgres_tls(root / "pg-nossl", pki, ssl=False) as pg_nossl,
        redis_tls(root / "redis-sound", pki) as redis_sound,
        redis_tls(root / "redis-legacy", pki, legacy=True) as redis_legacy,
        smtp_starttls(pki) as smtp_sound,
        smtp_starttls(pki, legacy=True) as smtp_legacy,
    ):
        profile = {
            "name": "tls-endpoints",
            "environment": "staging",
            "timeout": "10s",  # generous: the SMTP server shares this process, and CI machines are busy
            "tls_endpoints": [
                _endpoint("pg-sound", pg_sound.port, "postgres", pki),
                _endpoint("pg-legacy", pg_legacy.port, "postgres", pki),
                _endpoint("pg-nossl", pg_nossl.port, "postgres", pki),
                _endpoint("redis-sound", redis_sound.port, "redis", pki),
                _endpoint("redis-legacy", redis_legacy.port, "redis", pki),
                _endpoint("smtp-sound", smtp_sound, "smtp", pki),
                _endpoint("smtp-legacy", smtp_legacy, "smtp", pki),
            ],
        }
        yield run_golive(profile, "-m", "tls", tmp_path=root / "run")


@pytest.mark.parametrize("subject", ["pg-sound", "redis-sound", "smtp-sound"])
def test_sound_endpoint_passes_every_applicable_tls_check(run: GoliveRun, subject: str) -> None:
    for check_id in PASSING:
        assert run.status(check_id, subject) == "passed", (check_id, run.message(check_id, subject))
    for check_id, why in NOT_APPLICABLE.items():
        assert run.status(check_id, subject) == "not_applicable", (check_id, run.message(check_id, subject))
        assert why in run.message(check_id, subject)
    http2 = run.item("tls.http2")["results"]  # about HTTP: not a check of endpoints
    assert subject not in {r["subject"] for r in http2}


@pytest.mark.parametrize("subject", ["pg-legacy", "redis-legacy", "smtp-legacy"])
def test_endpoint_accepting_tls10_fails_protocols(run: GoliveRun, subject: str) -> None:
    assert run.status("tls.protocols", subject) == "failed"
    message = run.message("tls.protocols", subject)
    assert message.startswith(f"{subject}: TLS 1.0 and TLS 1.1 accepted"), message
    assert "expected: only TLS 1.2/1.3" in message
    assert run.status("tls.cert_trusted", subject) == "passed", run.message("tls.cert_trusted", subject)


def test_postgres_without_ssl_fails_every_tls_check_clearly(run: GoliveRun) -> None:
    for check_id in PASSING:
        assert run.status(check_id, "pg-nossl") == "failed", (check_id, run.message(check_id, "pg-nossl"))
        message = run.message(check_id, "pg-nossl")
        assert message.startswith("pg-nossl: TLS connection to www.golive.test:"), message
        assert "refused to start TLS" in message, message


def test_scan_summary_says_what_runs_over_tls(run: GoliveRun) -> None:
    import json

    summaries = []
    for path in (run.report_dir / "allure-results").glob("*-attachment.json"):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and data.get("application"):
            summaries.append((data["application"], data.get("starttls")))
    assert ("postgres", "POSTGRES") in summaries and ("redis", None) in summaries
    assert ("smtp", "SMTP") in summaries


def test_tls_endpoint_profile_errors_name_the_key(tmp_path: Path) -> None:
    bad = {
        "name": "bad",
        "targets": [{"name": "db", "url": "https://127.0.0.1:1"}],
        "tls_endpoints": [{"name": "db2", "host": "db.example", "port": 5432, "protocol": "mysql"}],
    }
    result = run_golive(bad, "-m", "tls", tmp_path=tmp_path / "proto")
    assert result.returncode == 4 and "tls_endpoints[0].protocol" in result.output, result.output[-1500:]
    clash = {**bad, "tls_endpoints": [{"name": "db", "host": "db.example", "port": 5432, "protocol": "postgres"}]}
    result = run_golive(clash, "-m", "tls", tmp_path=tmp_path / "clash")
    assert result.returncode == 4 and "tls_endpoints[0].name" in result.output and "duplicate" in result.output
