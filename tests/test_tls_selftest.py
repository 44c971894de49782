"""Every tls.* check proven both ways against real TLS servers on loopback.

One nginx process serves every variant (one port each, certificates from the test PKI), an
a threaded Python TLS server accepts client-initiated renegotiation, and three ports fail in known ways
(refused, silent, not TLS). ONE golive run scans them all at once (scans are the slow part); a
second, small run checks the stricter policy keys (require_tls13, policy modern, custom policy).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import GoliveRun, run_golive
from tests.servers.nginx_tls import TlsLab, tls_lab

pytestmark = pytest.mark.xdist_group("tls_selftest")  # its module fixtures start once, on one worker

TLS_IDS = (
    "tls.cert_trusted",
    "tls.cert_validity",
    "tls.cert_expiry_window",
    "tls.cert_hostname",
    "tls.cert_chain_complete",
    "tls.cert_key_strength",
    "tls.protocols",
    "tls.ciphers",
    "tls.vulnerabilities",
    "tls.http2",
    "tls.mozilla_compliance",
    "tls.ocsp_stapling",
    "tls.key_exchange",
    "tls.early_data",
    "tls.certificate_transparency",
)
NOT_APPLICABLE_FOR_SOUND = {"tls.certificate_transparency": "private root"}
"""The test PKI's root is no public root: CT does not apply (proven both ways in the public-root run)."""

# (checklist id, subject/variant, fragments the failure message must contain)
DEFECTS = [
    ("tls.cert_trusted", "self_signed", ["self_signed:", "self-signed certificate 'www.golive.test'"]),
    ("tls.cert_trusted", "untrusted_root", ["untrusted root", "'Untrusted Root CA'"]),
    ("tls.cert_validity", "expired", ["expired:", "expired on", "days ago"]),
    ("tls.cert_validity", "not_yet_valid", ["not valid before", "days from now"]),
    (
        "tls.cert_expiry_window",
        "expiring",
        ["expiring:", "certificate expires in 5 days (", "policy wants ≥ 30"],
    ),
    ("tls.cert_hostname", "wrong_host", ["covers other.golive.test, not www.golive.test"]),
    (
        "tls.cert_chain_complete",
        "missing_intermediate",
        ["served chain lacks the intermediate 'golive Test Intermediate CA'"],
    ),
    ("tls.cert_key_strength", "rsa1024", ["RSA 1024-bit key", "≥ 2048"]),
    ("tls.cert_key_strength", "sha1", ["signed with SHA1"]),
    ("tls.protocols", "legacy_protocols", ["TLS 1.0 and TLS 1.1 accepted"]),
    ("tls.ciphers", "weak_ciphers", ["suite TLS_RSA_WITH_AES_128_CBC_SHA has no forward secrecy"]),
    ("tls.vulnerabilities", "client_renegotiation", ["client-initiated renegotiation accepted"]),
    ("tls.http2", "no_http2", ["ALPN does not offer h2", "http/1.1"]),
    (
        "tls.mozilla_compliance",
        "legacy_protocols",
        ["not compliant with Mozilla intermediate", "tls_versions"],
    ),
    ("tls.mozilla_compliance", "weak_ciphers", ["TLS_RSA_WITH_AES_128_CBC_SHA"]),
    (
        "tls.cert_chain_complete",
        "intermediate_nowhere",
        [
            "served chain lacks the intermediate 'golive Test Intermediate CA'",
            "neither served nor in the trust store",
            "/gone/intermediate.der",
            "curl, Python, Go and Java",
        ],
    ),
    (
        "tls.cert_chain_complete",
        "intermediate_nowhere_no_aia",
        ["lacks the intermediate 'golive Test Intermediate CA'", "names no AIA caIssuers URL"],
    ),
    ("tls.ciphers", "null_cipher", ["TLS_ECDHE_ECDSA_WITH_NULL_SHA", "no encryption (NULL)"]),
    ("tls.ciphers", "anon_cipher", ["TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "no authentication"]),
    ("tls.key_exchange", "weak_dh", ["DHE group of 1024 bits", "Logjam", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]),
    ("tls.key_exchange", "weak_curve", ["secp192r1 (192 bits)", "≥ 224"]),
    ("tls.ocsp_stapling", "ocsp_expired", ["stapled response expired on", "nextUpdate"]),
    ("tls.ocsp_stapling", "ocsp_revoked", ["says the certificate is REVOKED"]),
    ("tls.ocsp_stapling", "ocsp_other_cert", ["about another certificate"]),
    (
        "tls.ocsp_stapling",
        "ocsp_wrong_signer",
        ["stapled OCSP response cannot be verified", "signer certificate not found", "no client accepts it"],
    ),
    ("tls.ocsp_stapling", "must_staple", ["no OCSP response stapled", "must-staple"]),
]

# (checklist id, subject/variant, status, fragments): findings that are not failures
FINDINGS = [
    ("tls.ciphers", "cbc_cipher", "advisory", ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (TLS 1.2)", "LUCKY13"]),
    ("tls.early_data", "early_data", "advisory", ["0-RTT) accepted", "replayed"]),
    ("tls.ocsp_stapling", "no_stapling", "advisory", ["no OCSP response stapled", "names responder http://"]),
    ("tls.ocsp_stapling", "no_responder", "not_applicable", ["names no OCSP responder"]),
    ("tls.certificate_transparency", "sct", "passed", ["carries 2 embedded SCT(s)"]),
    (
        "tls.cert_trusted",
        "intermediate_nowhere",
        "skipped",
        ["'golive Test Intermediate CA'", "tls.cert_chain_complete"],
    ),
]

UNREACHABLE = {
    "refused": "connection refused",
    "silent": "no answer within 2s",
    "not_tls": "not with TLS",
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsLab]:
    with tls_lab(tmp_path_factory.mktemp("tls-lab")) as running:
        yield running


def _profile(lab: TlsLab, name: str, variants: list[str], unreachable: bool = False, **tls: Any) -> dict:
    targets = [lab.target(v) for v in variants]
    if unreachable:
        for subject, port in (
            ("refused", lab.closed_port),
            ("silent", lab.silent_port),
            ("not_tls", lab.aia_port),
        ):
            targets.append(
                {
                    "name": subject,
                    "url": f"https://www.golive.test:{port}",
                    "resolve": "127.0.0.1",
                    "timeout": "2s",
                }
            )
    return {
        "name": name,
        "environment": "staging",
        "timeout": "5s",
        "targets": targets,
        "checks": {"tls": tls},
    }


@pytest.fixture(scope="module")
def run(lab: TlsLab, tmp_path_factory: pytest.TempPathFactory) -> GoliveRun:
    """All variants in one golive run (one concurrent scan)."""
    profile = _profile(lab, "tls-selftest", list(lab.ports), unreachable=True)
    return run_golive(profile, "-m", "tls", tmp_path=tmp_path_factory.mktemp("tls-run"))


@pytest.mark.parametrize("check_id", TLS_IDS)
def test_sound_target_passes(run: GoliveRun, check_id: str) -> None:
    if check_id in NOT_APPLICABLE_FOR_SOUND:
        assert run.status(check_id, "sound") == "not_applicable", run.message(check_id, "sound")
        assert NOT_APPLICABLE_FOR_SOUND[check_id] in run.message(check_id, "sound")
        return
    assert run.status(check_id, "sound") == "passed", run.message(check_id, "sound")


@pytest.mark.parametrize(
    ("check_id", "subject", "status", "fragments"), FINDINGS, ids=[f"{f[0]}-{f[1]}" for f in FINDINGS]
)
def test_finding_has_its_status_and_says_why(
    run: GoliveRun, check_id: str, subject: str, status: str, fragments: list[str]
) -> None:
    assert run.status(check_id, subject) == status, run.message(check_id, subject)
    message = run.message(check_id, subject)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("subject", ["null_cipher", "weak_dh", "early_data", "ocsp_revoked", "intermediate_nowhere"])
def test_each_weak_server_is_caught_by_its_own_check_only(run: GoliveRun, subject: str) -> None:
    """A server with one weakness passes the checks that are not about it (no double reporting)."""
    own = {d[0] for d in DEFECTS if d[1] == subject} | {f[0] for f in FINDINGS if f[1] == subject}
    unrelated = {
        "tls.cert_validity",
        "tls.cert_hostname",
        "tls.cert_key_strength",
        "tls.protocols",
        "tls.vulnerabilities",
    }
    for check_id in sorted(unrelated - own):
        assert run.status(check_id, subject) == "passed", (check_id, run.message(check_id, subject))


@pytest.mark.parametrize(("check_id", "subject", "fragments"), DEFECTS, ids=[f"{d[0]}-{d[1]}" for d in DEFECTS])
def test_defect_fails_with_clear_message(run: GoliveRun, check_id: str, subject: str, fragments: list[str]) -> None:
    assert run.status(check_id, subject) == "failed", run.message(check_id, subject)
    message = run.message(check_id, subject)
    assert message.startswith(f"{subject}: "), message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("subject", ["expired", "not_yet_valid", "wrong_host", "missing_intermediate", "expiring"])
def test_certificate_defects_stay_separate(run: GoliveRun, subject: str) -> None:
    """An expired, misnamed or incomplete chain is not ALSO reported as untrusted."""
    assert run.status("tls.cert_trusted", subject) == "passed", run.message("tls.cert_trusted", subject)


def test_sha1_chain_trust_is_skipped_not_failed(run: GoliveRun) -> None:
    """The verifier refuses SHA-1 outright: trust cannot be judged, so the check skips with why."""
    assert run.status("tls.cert_trusted", "sha1") == "skipped"
    assert "SHA1" in run.message("tls.cert_trusted", "sha1")


@pytest.mark.parametrize("subject", sorted(UNREACHABLE))
def test_unreachable_fails_every_check_clearly(run: GoliveRun, subject: str) -> None:
    port = {"refused": "closed_port", "silent": "silent_port", "not_tls": "aia_port"}[subject]
    for check_id in TLS_IDS:
        assert run.status(check_id, subject) == "error"
        assert run.result(check_id, subject)["category"] == "target unreachable"
        message = run.message(check_id, subject)
        assert message.startswith(f"{subject}: TLS connection to www.golive.test:"), message
        assert "(127.0.0.1) failed: " in message and UNREACHABLE[subject] in message, message
    assert port


def test_signoff_lists_expiry_and_attaches_scan(run: GoliveRun) -> None:
    text = json.dumps(run.signoff)
    assert "certificate www.golive.test of expiring" in text
    attachments = list((run.report_dir / "allure-results").glob("*-attachment.json"))
    summaries = [json.loads(p.read_text()) for p in attachments]
    assert any(s.get("hostname") == "www.golive.test" and "suites" in s for s in summaries if isinstance(s, dict))


def test_tls13_required_by_policy(lab: TlsLab, tmp_path: Path) -> None:
    """no_tls13 passes the default policy (in the big run) and fails when TLS 1.3 is required;
    policy modern also runs sslyze's Mozilla modern checker."""
    result = run_golive(
        _profile(lab, "tls-strict", ["sound", "no_tls13"], require_tls13=True, policy="modern"),
        "-m",
        "tls",
        tmp_path=tmp_path,
    )
    assert "TLS 1.3 not offered" in result.message("tls.protocols", "no_tls13")
    assert result.status("tls.protocols", "sound") == "passed", result.message("tls.protocols", "sound")
    assert "not compliant with Mozilla modern" in result.message("tls.mozilla_compliance", "no_tls13")


def test_no_tls13_passes_default_policy(run: GoliveRun) -> None:
    assert run.status("tls.protocols", "no_tls13") == "passed", run.message("tls.protocols", "no_tls13")


def test_custom_policy_file(lab: TlsLab, tmp_path: Path) -> None:
    """A custom policy JSON (Mozilla format) relative to the profile: here one that allows CBC.
    Run under xdist (-n 2): each worker scans on its own, the outcomes are the same."""
    from sslyze.mozilla_tls_profile.tls_config_checker import MozillaTlsConfiguration, TlsConfigurationEnum

    policy = MozillaTlsConfiguration.get(TlsConfigurationEnum.MOZILLA_INTERMEDIATE).model_dump(mode="json")
    policy["ciphers"]["iana"].append("TLS_RSA_WITH_AES_128_CBC_SHA")
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "house-policy.json").write_text(json.dumps(policy))
    result = run_golive(
        _profile(lab, "tls-custom", ["weak_ciphers"], policy_file="house-policy.json"),
        "-m",
        "tls",
        "-n",
        "2",
        tmp_path=tmp_path,
    )
    assert result.status("tls.mozilla_compliance", "weak_ciphers") == "passed", result.message(
        "tls.mozilla_compliance", "weak_ciphers"
    )


def _demo_available() -> bool:
    try:
        from golive.demo import start_demo  # noqa: F401
    except ImportError:
        return False
    return True


# Defined only once golive.demo exists (being written in parallel). Not a skip: the plugin currently
# turns a skip report's longrepr into a string, which crashes pytest's terminal summary.
if _demo_available():

    def test_demo_target_passes_every_tls_check(demo_target, tmp_path: Path) -> None:
        """The embedded demo target (sound, no flaws) passes every tls.* check."""
        from tests.conftest import demo_profile

        demo = demo_target()
        result = run_golive(demo_profile(demo, name="tls-demo"), "-m", "tls", tmp_path=tmp_path)
        # the demo PKI names no OCSP responder and is a private root: OCSP stapling and CT do not apply
        not_applicable = {"tls.ocsp_stapling", "tls.certificate_transparency"}
        failing = {
            i: result.message(i, "web")
            for i in TLS_IDS
            if result.status(i, "web") != ("not_applicable" if i in not_applicable else "passed")
        }
        assert not failing, failing


def test_certificate_transparency_for_a_public_root(lab: TlsLab, tmp_path: Path) -> None:
    """With the test root as the machine's trust store (SSL_CERT_FILE, as a public root is), a leaf
    without SCTs is an advisory finding and one with embedded SCTs passes; no ca_bundle involved."""
    targets = [{k: v for k, v in lab.target(v).items() if k != "ca_bundle"} for v in ("sound", "sct")]
    profile = {"name": "tls-ct", "environment": "staging", "timeout": "5s", "targets": targets}
    result = run_golive(
        profile, "-m", "tls", tmp_path=tmp_path, env={"SSL_CERT_FILE": str(lab.pki.ca_bundle)}
    )
    assert result.status("tls.cert_trusted", "sound") == "passed", result.message("tls.cert_trusted", "sound")
    assert result.status("tls.certificate_transparency", "sound") == "advisory"
    assert "carries no embedded SCT" in result.message("tls.certificate_transparency", "sound")
    assert result.status("tls.certificate_transparency", "sct") == "passed"


def test_weakness_policies_are_settings(lab: TlsLab, tmp_path: Path) -> None:
    """checks.tls settings move the same real servers across the line: 0-RTT as a failure, CBC
    accepted, stapling required, a 1024-bit DH group tolerated."""
    profile = _profile(
        lab,
        "tls-policy",
        ["early_data", "cbc_cipher", "no_stapling", "weak_dh"],
        early_data="fail",
        allow_cbc=True,
        require_ocsp_stapling=True,
        min_dh_bits=1024,
    )
    result = run_golive(profile, "-m", "tls", tmp_path=tmp_path)
    assert result.status("tls.early_data", "early_data") == "failed"
    assert "checks.tls.early_data: fail" in result.message("tls.early_data", "early_data")
    assert result.status("tls.ciphers", "cbc_cipher") == "passed", result.message("tls.ciphers", "cbc_cipher")
    assert result.status("tls.ocsp_stapling", "no_stapling") == "failed"
    assert "checks.tls.require_ocsp_stapling" in result.message("tls.ocsp_stapling", "no_stapling")
    assert result.status("tls.key_exchange", "weak_dh") == "passed", result.message("tls.key_exchange", "weak_dh")
