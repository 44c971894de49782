"""TLS weaknesses no Debian OpenSSL can serve any more, proven on recorded sslyze results.

Heartbleed, CCS injection, SSL 2.0/3.0, EXPORT and RC4 suites, 3DES (SWEET32), TLS compression,
insecure renegotiation, a missing TLS_FALLBACK_SCSV and ROBOT cannot be configured into OpenSSL 3
(Debian builds it without weak ciphers, zlib or SSLv2/3, and the bugs are long fixed). Each case is a
``ServerScanResult`` built from sslyze's own model classes (tests/sslyze_results.py) around the test
PKI's sound chain; golive's converter turns it into an observation exactly as it does a live scan,
and the rule must fail it naming the weakness. The sound result passes every rule, so each failure
is the injected defect's. The weaknesses a Debian OpenSSL still serves are proven against real
servers in test_tls_selftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sslyze import (
    CompressionScanResult,
    FallbackScsvScanResult,
    HeartbleedScanResult,
    OpenSslCcsInjectionScanResult,
    RobotScanResult,
    RobotScanResultEnum,
    SessionRenegotiationScanResult,
)

from golive.rules import tls as rules
from golive.settings.tls import TlsSettings
from golive.tls.convert import observation
from golive.tls.model import TlsObservation
from golive.tls.scan import mozilla_checker
from golive.tls.trust import combined_store, store_label
from tests.pki import HOSTNAME, TestPki, build_pki
from tests.sslyze_results import scan_result


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return build_pki(tmp_path_factory.mktemp("pki"), "http://aia.invalid")


def observe(pki: TestPki, tmp_path: Path, **parts: Any) -> TlsObservation:
    chain = [pki.leaves["sound"].cert, pki.intermediate.cert]
    result = scan_result(HOSTNAME, 443, chain, **parts)
    store = combined_store([pki.ca_bundle], tmp_path)
    policy, mozilla = mozilla_checker(TlsSettings())
    return observation(
        result,
        HOSTNAME,
        443,
        "127.0.0.1",
        store,
        store_label([pki.ca_bundle]),
        lambda url: None,
        (("h2",), None),
        policy,
        mozilla,
        0.1,
        5.0,
    )


def test_sound_recorded_result_passes(pki: TestPki, tmp_path: Path) -> None:
    obs = observe(pki, tmp_path)
    for verdict in (
        rules.cert_trusted(obs),
        rules.cert_chain_complete(obs),
        rules.protocols(obs),
        rules.ciphers(obs),
        rules.vulnerabilities(obs),
        rules.key_exchange(obs),
        rules.early_data(obs),
    ):
        assert verdict.kind == "pass", verdict.message


VULNERABLE = {
    "heartbleed": ({"heartbleed": HeartbleedScanResult(is_vulnerable_to_heartbleed=True)}, "Heartbleed"),
    "ccs_injection": (
        {"openssl_ccs_injection": OpenSslCcsInjectionScanResult(is_vulnerable_to_ccs_injection=True)},
        "OpenSSL CCS injection (CVE-2014-0224)",
    ),
    "compression": ({"tls_compression": CompressionScanResult(supports_compression=True)}, "CRIME"),
    "insecure_renegotiation": (
        {
            "session_renegotiation": SessionRenegotiationScanResult(
                supports_secure_renegotiation=False,
                is_vulnerable_to_client_renegotiation_dos=False,
                client_renegotiations_success_count=0,
            )
        },
        "insecure renegotiation (no RFC 5746",
    ),
    "no_fallback_scsv": (
        {"tls_fallback_scsv": FallbackScsvScanResult(supports_fallback_scsv=False)},
        "no TLS_FALLBACK_SCSV",
    ),
    "robot": (
        {"robot": RobotScanResult(robot_result=RobotScanResultEnum.VULNERABLE_STRONG_ORACLE)},
        "ROBOT (strong oracle)",
    ),
}


@pytest.mark.parametrize("case", sorted(VULNERABLE))
def test_vulnerability_from_recorded_result_fails(pki: TestPki, tmp_path: Path, case: str) -> None:
    parts, fragment = VULNERABLE[case]
    verdict = rules.vulnerabilities(observe(pki, tmp_path, **parts))
    assert verdict.kind == "fail" and fragment in verdict.message, verdict.message


LEGACY = {
    "ssl2": ({"ssl_2_0_cipher_suites": ("SSL_CK_RC4_128_WITH_MD5",)}, "SSLv2 accepted"),
    "ssl3": ({"ssl_3_0_cipher_suites": ("TLS_RSA_WITH_AES_128_CBC_SHA",)}, "SSLv3 accepted"),
}


@pytest.mark.parametrize("case", sorted(LEGACY))
def test_ssl2_and_ssl3_from_recorded_result_fail_protocols(pki: TestPki, tmp_path: Path, case: str) -> None:
    suites, fragment = LEGACY[case]
    verdict = rules.protocols(observe(pki, tmp_path, suites=suites))
    assert verdict.kind == "fail" and fragment in verdict.message, verdict.message


WEAK_SUITES = {
    "export": (
        {"tls_1_0_cipher_suites": ("TLS_RSA_EXPORT_WITH_RC4_40_MD5",)},
        ["TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXPORT-grade keys (FREAK, Logjam)"],
    ),
    "export_ssl2": (
        {"ssl_2_0_cipher_suites": ("SSL_CK_RC4_128_EXPORT40_WITH_MD5",)},
        ["SSL_CK_RC4_128_EXPORT40_WITH_MD5", "EXPORT-grade keys"],
    ),
    "rc4": (
        {"tls_1_2_cipher_suites": ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")},
        ["TLS_ECDHE_RSA_WITH_RC4_128_SHA", "RC4, a broken stream cipher"],
    ),
    "sweet32": (
        {"tls_1_2_cipher_suites": ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")},
        ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3DES, a 64-bit block cipher (SWEET32)"],
    ),
}


@pytest.mark.parametrize("case", sorted(WEAK_SUITES))
def test_weak_suites_from_recorded_result_fail_ciphers(pki: TestPki, tmp_path: Path, case: str) -> None:
    suites, fragments = WEAK_SUITES[case]
    verdict = rules.ciphers(observe(pki, tmp_path, suites=suites))
    assert verdict.kind == "fail", verdict.message
    for fragment in fragments:
        assert fragment in verdict.message, verdict.message


def test_stapled_response_checks_with_the_test_pki(pki: TestPki) -> None:
    """check_staple on real OCSP responses (cryptography's model): the one whose signer is no
    delegate of the issuer, which sslyze itself cannot handle (it drops the whole certificate)."""
    from cryptography.x509 import ocsp

    from golive.tls.ocsp import check_staple

    leaf, issuer = pki.leaves["sound"].cert, pki.intermediate.cert
    staples = {
        k: check_staple(ocsp.load_der_ocsp_response(pki.ocsp_file(k).read_bytes()), leaf, issuer)
        for k in ("good", "revoked", "other_cert", "bad_signature")
    }
    assert staples["good"].signature == "valid" and staples["good"].about_leaf
    assert staples["good"].responder == "golive Test Intermediate CA"
    assert staples["revoked"].status == "REVOKED"
    assert staples["other_cert"].about_leaf is False
    assert "nor by a responder it delegated" in staples["bad_signature"].signature
