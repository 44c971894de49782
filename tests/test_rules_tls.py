"""Unit tests of the pure TLS rules (no network, no sslyze objects), of the trust/chain helpers
(certificates from the test PKI, an in-memory AIA fetcher) and of the ``checks.tls`` settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.rules import tls as rules
from golive.settings.tls import TlsSettings
from golive.tls.model import CertInfo, ChainStatus, Suite, TlsObservation, Trust, Vulnerabilities
from golive.tls.trust import chain_status, combined_store, evaluate_trust, validation_time
from tests.pki import TestPki, build_pki

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def cert(**overrides: object) -> CertInfo:
    base = CertInfo(
        subject_cn="www.example.com",
        issuer_cn="Example CA",
        not_before=NOW - timedelta(days=10),
        not_after=NOW + timedelta(days=80),
        key_type="EC",
        key_size=256,
        signature_hash="sha256",
        dns_names=("www.example.com",),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def obs(**overrides: object) -> TlsObservation:
    base = TlsObservation(
        hostname="www.example.com",
        port=443,
        address="127.0.0.7",
        protocols={
            "SSLv2": False,
            "SSLv3": False,
            "TLS 1.0": False,
            "TLS 1.1": False,
            "TLS 1.2": True,
            "TLS 1.3": True,
        },
        suites=(
            Suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS 1.2"),
            Suite("TLS_AES_128_GCM_SHA256", "TLS 1.3"),
        ),
        chain=(cert(), cert(subject_cn="Example CA", issuer_cn="Example Root", is_ca=True)),
        trust=Trust(True, store="the system trust store"),
        chain_status=ChainStatus(True),
        vulnerabilities=Vulnerabilities(),
        alpn=("h2",),
        ocsp_stapled=False,
        mozilla_policy="intermediate",
        mozilla_issues={},
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


SOUND_RULES = [
    lambda o: rules.cert_trusted(o),
    lambda o: rules.cert_validity(o, NOW),
    lambda o: rules.cert_expiry_window(o, 30, NOW),
    lambda o: rules.cert_hostname(o, "www.example.com"),
    lambda o: rules.cert_chain_complete(o),
    lambda o: rules.cert_key_strength(o),
    lambda o: rules.protocols(o),
    lambda o: rules.ciphers(o),
    lambda o: rules.vulnerabilities(o),
    lambda o: rules.http2(o),
    lambda o: rules.mozilla_compliance(o),
    lambda o: rules.ocsp_stapling(o),
]


@pytest.mark.parametrize("rule", SOUND_RULES)
def test_sound_observation_passes_every_rule(rule) -> None:
    verdict = rule(obs())
    assert verdict.passed, verdict.message


def test_expiry_window_message_and_boundary() -> None:
    soon = obs(chain=(cert(not_after=NOW + timedelta(days=5, hours=2)),))
    verdict = rules.cert_expiry_window(soon, 30, NOW)
    assert not verdict.passed
    assert verdict.about("web").message.startswith(
        "web: certificate expires in 5 days (2026-11-27), policy wants ≥ 30"
    )
    exactly = obs(chain=(cert(not_after=NOW + timedelta(days=30, minutes=1)),))
    assert rules.cert_expiry_window(exactly, 30, NOW).passed
    expired = rules.cert_expiry_window(obs(chain=(cert(not_after=NOW - timedelta(days=3)),)), 30, NOW)
    assert "expired 3 days ago" in expired.message


def test_validity_expired_and_not_yet_valid() -> None:
    expired = rules.cert_validity(obs(chain=(cert(not_after=NOW - timedelta(days=2)),)), NOW)
    assert not expired.passed and "expired on 2026-11-20 (2 days ago)" in expired.message
    early = rules.cert_validity(obs(chain=(cert(not_before=NOW + timedelta(days=4)),)), NOW)
    assert not early.passed and "not valid before 2026-11-26" in early.message


@pytest.mark.parametrize(
    ("pattern", "hostname", "expected"),
    [
        ("www.example.com", "WWW.example.com", True),
        ("*.example.com", "www.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("*.com", "example.com", False),
        ("www.example.com", "www.example.org", False),
    ],
)
def test_hostname_matching(pattern: str, hostname: str, expected: bool) -> None:
    assert rules.hostname_matches(pattern, hostname) is expected


def test_hostname_mismatch_names_both() -> None:
    verdict = rules.cert_hostname(obs(chain=(cert(dns_names=("other.example.com",)),)), "www.example.com")
    assert not verdict.passed
    assert verdict.message == "certificate covers other.example.com, not www.example.com"
    ip = rules.cert_hostname(obs(chain=(cert(dns_names=(), ip_addresses=("127.0.0.7",)),)), "127.0.0.7")
    assert ip.passed


def test_chain_missing_intermediate_and_order() -> None:
    verdict = rules.cert_chain_complete(obs(chain_status=ChainStatus(False, ("R3",), valid_order=False)))
    assert not verdict.passed
    assert "served chain lacks the intermediate 'R3'" in verdict.message and "not in order" in verdict.message
    unknown = rules.cert_chain_complete(obs(chain_status=ChainStatus(None, note="issuer unknown")))
    assert rules.is_undecidable(unknown)


def test_trust_failure_and_undecidable() -> None:
    bad = rules.cert_trusted(obs(trust=Trust(False, "self-signed certificate 'x'", store="the store")))
    assert not bad.passed and "self-signed certificate 'x'" in bad.message
    refused = rules.cert_trusted(obs(trust=Trust(None, "x", undecidable="verifier refuses SHA1")))
    assert rules.is_undecidable(refused) and "SHA1" in refused.message


def test_key_strength() -> None:
    weak = rules.cert_key_strength(obs(chain=(cert(key_type="RSA", key_size=1024),)))
    assert not weak.passed and "RSA 1024-bit key" in weak.message
    small_ec = rules.cert_key_strength(obs(chain=(cert(key_size=224),)))
    assert "EC 224-bit key" in small_ec.message
    sha1 = rules.cert_key_strength(obs(chain=(cert(signature_hash="sha1"),)))
    assert "signed with SHA1" in sha1.message
    root_sha1 = obs(chain=(cert(), cert(subject_cn="Root", signature_hash="sha1", self_signed=True)))
    assert rules.cert_key_strength(root_sha1).passed  # a served root's self-signature is not checked


def test_protocols() -> None:
    legacy = dict(obs().protocols, **{"TLS 1.0": True, "TLS 1.1": True})
    verdict = rules.protocols(obs(protocols=legacy))
    assert not verdict.passed and verdict.reason == "TLS 1.0 and TLS 1.1 accepted"
    no13 = dict(obs().protocols, **{"TLS 1.3": False})
    assert rules.protocols(obs(protocols=no13)).passed
    assert "TLS 1.3 not offered" in rules.protocols(obs(protocols=no13), require_tls13=True).message
    no12 = dict(obs().protocols, **{"TLS 1.2": False})
    assert "TLS 1.2 not offered" in rules.protocols(obs(protocols=no12)).message
    assert rules.protocols(obs(protocols=no12), require_tls13=True, require_tls12=False).passed
    unknown = dict(obs().protocols, **{"SSLv3": None})
    assert rules.is_undecidable(rules.protocols(obs(protocols=unknown)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("suite", "protocol", "fragment"),
    [
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "TLS 1.2", "has no forward secrecy"),
        ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS 1.2", "uses RC4"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS 1.0", "uses 3DES"),
        ("TLS_ECDHE_RSA_WITH_NULL_SHA", "TLS 1.2", "uses no encryption"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "SSLv3", "uses EXPORT strength"),
        ("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "TLS 1.2", "uses no authentication"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS 1.2", "uses CBC mode"),
    ],
)
def test_weak_suites(suite: str, protocol: str, fragment: str) -> None:
    verdict = rules.ciphers(obs(suites=(Suite(suite, protocol),)))
    assert not verdict.passed and f"suite {suite}" in verdict.message and fragment in verdict.message


def test_cbc_allowed_by_policy_and_tls13_never_flagged() -> None:
    cbc = obs(suites=(Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS 1.2"),))
    assert rules.ciphers(cbc, allow_cbc=True).passed
    assert rules.suite_problems("TLS_AES_128_GCM_SHA256", "TLS 1.3") == []
    spec = rules.ciphers(obs(suites=(Suite("TLS_RSA_WITH_AES_128_CBC_SHA", "TLS 1.2"),)))
    assert spec.reason.startswith("suite TLS_RSA_WITH_AES_128_CBC_SHA has no forward secrecy")


def test_many_weak_suites_are_summarised() -> None:
    suites = tuple(Suite(f"TLS_RSA_WITH_AES_{i}_CBC_SHA", "TLS 1.2") for i in range(10))
    verdict = rules.ciphers(obs(suites=suites))
    assert "4 more" in verdict.message and verdict.details["weak"]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("heartbleed", True, "Heartbleed"),
        ("ccs_injection", True, "CCS injection"),
        ("secure_renegotiation", False, "insecure renegotiation"),
        ("client_renegotiation_dos", True, "client-initiated renegotiation accepted"),
        ("compression", True, "TLS compression"),
        ("robot", "VULNERABLE_STRONG_ORACLE", "ROBOT (strong oracle)"),
    ],
)
def test_vulnerabilities(field: str, value: object, fragment: str) -> None:
    verdict = rules.vulnerabilities(obs(vulnerabilities=replace(Vulnerabilities(), **{field: value})))
    assert not verdict.passed and fragment in verdict.message


def test_vulnerability_probe_incomplete_is_undecidable() -> None:
    assert rules.is_undecidable(rules.vulnerabilities(obs(vulnerabilities=Vulnerabilities(robot=None))))


def test_http2() -> None:
    assert "server chose http/1.1" in rules.http2(obs(alpn=("http/1.1",))).message
    assert "no ALPN protocol" in rules.http2(obs(alpn=())).message
    assert "ALPN probe failed: reset" in rules.http2(obs(alpn=None, alpn_error="reset")).message


def test_mozilla_compliance() -> None:
    verdict = rules.mozilla_compliance(
        obs(mozilla_issues={"tls_versions": "TLS versions {'TLSv1'} are supported"})
    )
    assert not verdict.passed and "not compliant with Mozilla intermediate: tls_versions" in verdict.message
    assert rules.is_undecidable(
        rules.mozilla_compliance(obs(mozilla_issues=None, mozilla_error="robot missing"))
    )


def test_ocsp_stapling() -> None:
    with_url = obs(chain=(cert(ocsp_urls=("http://ocsp.example.com",)),))
    assert "no OCSP response stapled" in rules.ocsp_stapling(with_url).message
    assert rules.ocsp_stapling(replace(with_url, ocsp_stapled=True, ocsp_status="GOOD")).passed
    assert (
        "REVOKED" in rules.ocsp_stapling(replace(with_url, ocsp_stapled=True, ocsp_status="REVOKED")).message
    )
    assert rules.ocsp_stapling(obs()).passed  # no responder named: nothing to staple
    assert not rules.ocsp_stapling(obs(must_staple=True)).passed


def test_unreachable_observation_has_where() -> None:
    assert obs(address="127.0.0.1", port=8443).where == "www.example.com:8443 (127.0.0.1)"


def test_summary_is_json_friendly() -> None:
    import json

    assert json.dumps(obs().summary(), default=str)


# --------------------------------------------------------------------------- trust helpers


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return build_pki(tmp_path_factory.mktemp("pki"), "http://aia.invalid")


def _fetcher(pki: TestPki):
    files = {f"http://aia.invalid/{p.name}": p.read_bytes() for p in pki.root.glob("*.der")}
    return lambda url: files.get(url)


def test_chain_status_finds_missing_intermediate_via_aia(pki: TestPki, tmp_path: Path) -> None:
    store = combined_store([pki.ca_bundle], tmp_path)
    leaf = pki.leaves["sound"].cert
    status, fetched = chain_status([leaf], store, _fetcher(pki))
    assert status.complete is False and status.missing == ("golive Test Intermediate CA",)
    full, none = chain_status([leaf, pki.intermediate.cert], store, _fetcher(pki))
    assert full.complete is True and none == []
    unknown, _ = chain_status([leaf], store, lambda url: None)
    assert unknown.complete is None and "neither served" in unknown.note
    trust = evaluate_trust([leaf], fetched, "www.golive.test", store, "store")
    assert trust.trusted is True


def test_trust_judged_apart_from_expiry_and_name(pki: TestPki, tmp_path: Path) -> None:
    store = combined_store([pki.ca_bundle], tmp_path)
    for kind in ("expired", "not_yet_valid", "wrong_host"):
        issued = pki.leaves[kind]
        assert evaluate_trust(
            [issued.cert, pki.intermediate.cert], [], "www.golive.test", store, "s"
        ).trusted, kind
    untrusted = evaluate_trust(
        [pki.leaves["sound"].cert, pki.intermediate.cert],
        [],
        "www.golive.test",
        combined_store([], tmp_path),
        "the system trust store",
    )
    assert untrusted.trusted is False and "'golive Test Root CA'" in (untrusted.error or "")


def test_validation_time_inside_common_window(pki: TestPki) -> None:
    leaf = pki.leaves["expired"].cert
    moment = validation_time([leaf, pki.intermediate.cert])
    assert leaf.not_valid_before_utc <= moment <= leaf.not_valid_after_utc


# --------------------------------------------------------------------------- settings


def test_settings_defaults_and_policy_values(tmp_path: Path) -> None:
    settings = TlsSettings()
    assert (settings.policy, settings.min_days_remaining, settings.require_tls13) == (
        "intermediate",
        30,
        False,
    )
    assert TlsSettings(policy="modern").wants_tls13 and not TlsSettings(policy="modern").wants_tls12
    with pytest.raises(ValidationError, match="intermediate, modern, old"):
        TlsSettings(policy="strict")
    with pytest.raises(ValidationError, match="not found"):
        TlsSettings(policy_file=tmp_path / "missing.json")
    custom = tmp_path / "p.json"
    custom.write_text("{}")
    assert TlsSettings(policy=str(custom)).custom_policy_path == custom


# --------------------------------------------------------------------------- scan plan


def test_plan_scans_each_endpoint_once_and_stays_lazy(tmp_path: Path) -> None:
    from golive.profile import Profile
    from golive.tls.scan import TlsScan, key_of, plan_for

    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    profile = Profile(
        name="p",
        targets=[
            {"name": "web", "url": "https://app.example.com:8443", "resolve": "127.0.0.7", "ca_bundle": str(bundle)},
            {"name": "api", "url": "https://app.example.com:8443/api", "resolve": "127.0.0.7"},
            {"name": "green", "url": "https://app.example.com:8443", "resolve": "127.0.0.8"},
            {"name": "plain", "url": "http://app.example.com"},
        ],
    )
    plan = plan_for(profile)
    assert [k.where for k in plan.bundles] == [
        "app.example.com:8443 (127.0.0.7)",
        "app.example.com:8443 (127.0.0.8)",
    ]
    assert plan.bundles[key_of(profile.targets[1])] == [bundle]
    scan = TlsScan(plan, TlsSettings())
    assert scan._thread is None  # nothing runs until the first check asks


def test_importing_the_fixture_does_not_import_sslyze() -> None:
    import subprocess
    import sys

    code = "import sys, golive.fixtures.tls, golive.rules.tls; assert 'sslyze' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
