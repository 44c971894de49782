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
from golive.tls.model import CertInfo, ChainStatus, OcspStaple, Suite, TlsObservation, Trust, Vulnerabilities
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
            Suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS 1.2", "ECDH", "secp256r1", 256),
            Suite("TLS_AES_128_GCM_SHA256", "TLS 1.3", "ECDH", "X25519", 256),
        ),
        curves={"X25519": 256, "secp256r1": 256, "secp384r1": 384},
        early_data=False,
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
    lambda o: rules.key_exchange(o),
    lambda o: rules.early_data(o),
]


@pytest.mark.parametrize("rule", SOUND_RULES)
def test_sound_observation_passes_every_rule(rule) -> None:
    verdict = rule(obs())
    assert verdict.passed, verdict.message


def test_expiry_window_message_and_boundary() -> None:
    soon = obs(chain=(cert(not_after=NOW + timedelta(days=5, hours=2)),))
    verdict = rules.cert_expiry_window(soon, 30, NOW)
    assert not verdict.passed
    assert verdict.about("web").message.startswith("web: certificate expires in 5 days (2026-11-27), policy wants ≥ 30")
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
    assert "names no AIA caIssuers URL" in verdict.message
    with_aia = ChainStatus(False, ("R3",), aia_urls=("http://r3.i.lencr.org/",))
    aia = rules.cert_chain_complete(obs(chain_status=with_aia))
    assert "fetch it from its AIA caIssuers URL http://r3.i.lencr.org/" in aia.message
    assert "curl, Python, Go and Java" in aia.message
    unknown = rules.cert_chain_complete(obs(chain_status=ChainStatus(None, note="no certificate received")))
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
        ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS 1.2", "uses RC4, a broken stream cipher (RFC 7465"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS 1.0", "uses 3DES, a 64-bit block cipher (SWEET32)"),
        ("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS 1.2", "3DES, a 64-bit block cipher (SWEET32)"),
        ("TLS_RSA_WITH_IDEA_CBC_SHA", "TLS 1.1", "uses IDEA, a 64-bit block cipher (SWEET32)"),
        ("TLS_RSA_WITH_DES_CBC_SHA", "TLS 1.0", "uses DES"),
        ("TLS_ECDHE_RSA_WITH_NULL_SHA", "TLS 1.2", "uses no encryption (NULL)"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "SSLv3", "uses EXPORT-grade keys (FREAK, Logjam)"),
        ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS 1.0", "EXPORT-grade keys"),
        ("SSL_CK_RC4_128_EXPORT40_WITH_MD5", "SSLv2", "EXPORT-grade keys"),
        ("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "TLS 1.2", "uses no authentication (anonymous"),
        ("TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "TLS 1.2", "uses no authentication"),
    ],
)
def test_weak_suites(suite: str, protocol: str, fragment: str) -> None:
    verdict = rules.ciphers(obs(suites=(Suite(suite, protocol),)))
    assert not verdict.passed and f"suite {suite}" in verdict.message and fragment in verdict.message


def test_cbc_with_forward_secrecy_is_an_advisory_lucky13_finding() -> None:
    cbc = obs(suites=(*obs().suites, Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS 1.2")))
    verdict = rules.ciphers(cbc)
    assert verdict.passed and verdict.kind == "advisory", verdict.message
    assert "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (TLS 1.2)" in verdict.message and "LUCKY13" in verdict.message
    assert "checks.tls.allow_cbc" in verdict.message
    quiet = rules.ciphers(cbc, allow_cbc=True)
    assert quiet.kind == "pass" and "CBC allowed by checks.tls.allow_cbc" in quiet.message


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
        ("robot", "VULNERABLE_WEAK_ORACLE", "ROBOT (weak oracle)"),
        ("fallback_scsv", False, "no TLS_FALLBACK_SCSV"),
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
    verdict = rules.mozilla_compliance(obs(mozilla_issues={"tls_versions": "TLS versions {'TLSv1'} are supported"}))
    assert not verdict.passed and "not compliant with Mozilla intermediate: tls_versions" in verdict.message
    assert rules.is_undecidable(rules.mozilla_compliance(obs(mozilla_issues=None, mozilla_error="robot missing")))


RESPONDER = ("http://ocsp.example.com",)
GOOD = OcspStaple("GOOD", NOW - timedelta(hours=1), NOW + timedelta(days=3), True, "valid", "Example CA")


@pytest.mark.parametrize(
    ("staple", "fragment"),
    [
        (replace(GOOD, status="REVOKED"), "says the certificate is REVOKED"),
        (replace(GOOD, status="TRY_LATER"), "not usable (TRY_LATER)"),
        (replace(GOOD, next_update=NOW - timedelta(hours=2)), "expired on 2026-11-22 10:00 UTC"),
        (replace(GOOD, this_update=NOW + timedelta(hours=2)), "not valid before"),
        (replace(GOOD, about_leaf=False), "about another certificate"),
        (replace(GOOD, signature="not signed by 'Example CA' nor by a responder it delegated"), "nor by a responder"),
    ],
)
def test_stapled_response_is_verified(staple: OcspStaple, fragment: str) -> None:
    verdict = rules.ocsp_stapling(obs(chain=(cert(ocsp_urls=RESPONDER),), ocsp=staple), now=NOW)
    assert not verdict.passed and fragment in verdict.message, verdict.message


def test_ocsp_stapling_never_reads_passed_when_nothing_is_stapled() -> None:
    with_url = obs(chain=(cert(ocsp_urls=RESPONDER),))
    good = rules.ocsp_stapling(replace(with_url, ocsp=GOOD), now=NOW)
    assert good.kind == "pass" and "good, signed by 'Example CA', valid until 2026-11-25" in good.message
    missing = rules.ocsp_stapling(with_url)
    assert missing.kind == "advisory" and "responder http://ocsp.example.com" in missing.message
    required = rules.ocsp_stapling(with_url, required=True)
    assert required.kind == "fail" and "checks.tls.require_ocsp_stapling" in required.message
    none = rules.ocsp_stapling(obs())
    assert none.kind == "not_applicable" and "names no OCSP responder" in none.message
    must = rules.ocsp_stapling(obs(must_staple=True))
    assert must.kind == "fail" and "must-staple" in must.message


def test_key_exchange_groups_and_curves() -> None:
    dh1024 = obs(suites=(Suite("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS 1.2", "DH", None, 1024),))
    verdict = rules.key_exchange(dh1024)
    assert not verdict.passed and "DHE group of 1024 bits" in verdict.message and "Logjam" in verdict.message
    assert "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" in verdict.message and "≥ 2048" in verdict.message
    assert rules.key_exchange(dh1024, min_dh_bits=1024).passed
    dh512 = obs(suites=(Suite("TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS 1.0", "DH", None, 512),))
    assert "breakable by anyone" in rules.key_exchange(dh512).message
    p192 = obs(curves={"prime192v1": 192, "secp256r1": 256})
    curve = rules.key_exchange(p192)
    assert not curve.passed and "prime192v1 (192 bits)" in curve.message and "≥ 224" in curve.message
    handshake = obs(suites=(Suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS 1.2", "ECDH", "sect163k1", 163),))
    assert "sect163k1 (163 bits)" in rules.key_exchange(handshake).message
    sound = rules.key_exchange(obs())
    assert sound.passed and "X25519" in sound.message
    assert rules.is_undecidable(rules.key_exchange(obs(suites=(), curves=None)))


def test_early_data_modes() -> None:
    zero_rtt = obs(early_data=True)
    assert rules.early_data(zero_rtt).kind == "advisory"
    assert "replayed" in rules.early_data(zero_rtt).message
    assert rules.early_data(zero_rtt, "fail").kind == "fail"
    assert rules.early_data(zero_rtt, "accept").kind == "pass"
    assert rules.early_data(obs()).kind == "pass"
    no13 = obs(early_data=None, protocols=dict(obs().protocols, **{"TLS 1.3": False}))
    assert rules.early_data(no13).kind == "not_applicable"
    assert rules.early_data(obs(application="postgres")).kind == "not_applicable"


def test_certificate_transparency() -> None:
    public = obs(anchor_public=True, chain=(cert(sct_count=0),))
    verdict = rules.certificate_transparency(public)
    assert verdict.kind == "advisory" and "no embedded SCT" in verdict.message
    assert rules.certificate_transparency(replace(public, chain=(cert(sct_count=3),))).kind == "pass"
    private = rules.certificate_transparency(replace(public, anchor_public=False))
    assert private.kind == "not_applicable" and "private root" in private.message
    assert rules.is_undecidable(rules.certificate_transparency(replace(public, chain=(cert(sct_count=None),))))


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
    trust = evaluate_trust([leaf], fetched, "www.golive.test", store, "store")
    assert trust.trusted is True


def test_chain_without_fetchable_intermediate_is_incomplete_not_unknown(pki: TestPki, tmp_path: Path) -> None:
    """The verdict needs no fetch: an issuer neither served nor in the store is missing (issue 16)."""
    store = combined_store([pki.ca_bundle], tmp_path)
    leaf = pki.leaves["sound"].cert
    nowhere, fetched = chain_status([leaf], store, lambda url: None)
    assert nowhere.complete is False and nowhere.missing == ("golive Test Intermediate CA",)
    assert nowhere.aia_urls == ("http://aia.invalid/intermediate.der",) and not nowhere.fetched and fetched == []
    assert "neither served nor in the trust store" in nowhere.note
    no_aia, _ = chain_status([pki.leaves["intermediate_nowhere_no_aia"].cert], store, lambda url: None)
    assert no_aia.complete is False and no_aia.aia_urls == ()
    verdict = rules.cert_chain_complete(obs(chain_status=nowhere))
    assert (
        "'golive Test Intermediate CA'" in verdict.message and "http://aia.invalid/intermediate.der" in verdict.message
    )


def test_trust_judged_apart_from_expiry_and_name(pki: TestPki, tmp_path: Path) -> None:
    store = combined_store([pki.ca_bundle], tmp_path)
    for kind in ("expired", "not_yet_valid", "wrong_host"):
        issued = pki.leaves[kind]
        assert evaluate_trust([issued.cert, pki.intermediate.cert], [], "www.golive.test", store, "s").trusted, kind
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
    assert (settings.min_dh_bits, settings.min_ecdh_bits, settings.early_data) == (2048, 224, "advisory")
    assert settings.require_ocsp_stapling is False
    with pytest.raises(ValidationError, match="early_data"):
        TlsSettings(early_data="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="min_dh_bits"):
        TlsSettings(min_dh_bits=256)


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
    assert scan.waiting() == []  # nothing runs until the observation phase or a check asks


def test_tls_endpoints_join_the_plan_and_the_tls_subjects() -> None:
    from golive.fixtures.tls import key_of  # registers the tls_targets kind
    from golive.profile import Profile
    from golive.subjects import subjects_for
    from golive.tls.scan import plan_for

    profile = Profile(
        name="p",
        targets=[{"name": "web", "url": "https://app.example.com"}, {"name": "plain", "url": "http://x.example"}],
        tls_endpoints=[
            {"name": "db", "host": "db.example.com", "port": 5432, "protocol": "postgres", "resolve": "127.0.0.9"},
            {"name": "cache", "host": "cache.example.com", "port": 6380, "protocol": "redis"},
        ],
    )
    db, cache = profile.tls_endpoints
    assert (key_of(db).starttls, key_of(db).application, key_of(db).address) == ("POSTGRES", "postgres", "127.0.0.9")
    assert (key_of(cache).starttls, key_of(cache).application) == (None, "redis")
    assert set(plan_for(profile).bundles) == {key_of(profile.targets[0]), key_of(db), key_of(cache)}
    assert [s.name for s in subjects_for("tls_targets", profile)] == ["web", "db", "cache"]
    assert [s.name for s in subjects_for("tls_endpoints", profile)] == ["db", "cache"]
    assert db.where == "postgres STARTTLS db.example.com:5432 via 127.0.0.9"


def test_importing_the_fixture_does_not_import_sslyze() -> None:
    import subprocess
    import sys

    code = "import sys, golive.fixtures.tls, golive.rules.tls; assert 'sslyze' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_bad_tls_setting_names_file_and_key_path(tmp_path: Path) -> None:
    from golive.profile import ProfileError
    from golive.profile_load import load_profile

    path = tmp_path / "p.yaml"
    path.write_text("name: p\nchecks:\n  tls:\n    early_data: sometimes\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == "checks.tls.early_data" and str(path) in str(caught.value)
