"""Recorded sslyze scan results, built from sslyze's own model classes (no network, no scanner).

For the weaknesses no Debian OpenSSL can serve any more (Heartbleed, CCS injection, SSL 2.0/3.0,
EXPORT and RC4 suites, 3DES/SWEET32, TLS compression, insecure renegotiation, a missing
TLS_FALLBACK_SCSV, ROBOT): ``scan_result(...)`` returns the ``ServerScanResult`` a scan of such a
server produces, assembled from sslyze's result dataclasses and its cipher-suite repository, with
the test PKI's certificates. golive's converter and rules then judge it exactly as they judge a
live scan (``golive.tls.convert.observation``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from sslyze import (
    CertificateInfoScanResult,
    CipherSuitesScanResult,
    CompressionScanResult,
    EarlyDataScanResult,
    EmsExtensionScanResult,
    FallbackScsvScanResult,
    HeartbleedScanResult,
    OpenSslCcsInjectionScanResult,
    RobotScanResult,
    RobotScanResultEnum,
    ScanCommandAttemptStatusEnum,
    ServerConnectivityStatusEnum,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanResult,
    ServerScanStatusEnum,
    SessionRenegotiationScanResult,
    SupportedEllipticCurvesScanResult,
    TlsVersionEnum,
)
from sslyze.plugins.certificate_info._cert_chain_analyzer import CertificateDeploymentAnalysisResult
from sslyze.plugins.elliptic_curves_plugin import EllipticCurve
from sslyze.plugins.openssl_cipher_suites._test_cipher_suite import CipherSuiteAcceptedByServer
from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository
from sslyze.scanner import models
from sslyze.server_connectivity import ClientAuthRequirementEnum, ServerTlsProbingResult

VERSIONS = {
    "ssl_2_0_cipher_suites": TlsVersionEnum.SSL_2_0,
    "ssl_3_0_cipher_suites": TlsVersionEnum.SSL_3_0,
    "tls_1_0_cipher_suites": TlsVersionEnum.TLS_1_0,
    "tls_1_1_cipher_suites": TlsVersionEnum.TLS_1_1,
    "tls_1_2_cipher_suites": TlsVersionEnum.TLS_1_2,
    "tls_1_3_cipher_suites": TlsVersionEnum.TLS_1_3,
}
SOUND_SUITES: dict[str, tuple[str, ...]] = {
    "tls_1_2_cipher_suites": ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    "tls_1_3_cipher_suites": ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"),
}


def suite(version: TlsVersionEnum, name: str) -> Any:
    """sslyze's own ``CipherSuite`` for an IANA (or SSLv2) name, from its repository."""
    for candidate in CipherSuitesRepository.get_all_cipher_suites(version):
        if candidate.name == name:
            return candidate
    raise KeyError(f"sslyze knows no {version.name} suite {name}")


def _attempt(command: str, result: Any) -> Any:
    cls = models.get_scan_command_attempt_cls(models.ScanCommand(command))
    if result is None:
        return cls(status=ScanCommandAttemptStatusEnum.NOT_SCHEDULED, error_reason=None, error_trace=None, result=None)
    return cls(status=ScanCommandAttemptStatusEnum.COMPLETED, error_reason=None, error_trace=None, result=result)


def _ciphers(command: str, names: Iterable[str]) -> Any:
    version = VERSIONS[command]
    accepted = [CipherSuiteAcceptedByServer(cipher_suite=suite(version, n), ephemeral_key=None) for n in names]
    return CipherSuitesScanResult(tls_version_used=version, accepted_cipher_suites=accepted, rejected_cipher_suites=[])


def certificate_info(hostname: str, chain: list[x509.Certificate]) -> Any:
    deployment = CertificateDeploymentAnalysisResult(
        received_certificate_chain=chain,
        leaf_certificate_has_must_staple_extension=False,
        leaf_certificate_is_ev=False,
        leaf_certificate_signed_certificate_timestamps_count=0,
        received_chain_contains_anchor_certificate=False,
        received_chain_has_valid_order=True,
        path_validation_results=[],
        verified_chain_has_sha1_signature=None,
        verified_chain_has_legacy_symantec_anchor=None,
        ocsp_response=None,
        ocsp_response_is_trusted=None,
    )
    return CertificateInfoScanResult(
        hostname_used_for_server_name_indication=hostname,
        certificate_deployments=[deployment],
        certificate_deployment_with_sni_disabled=None,
    )


def scan_result(
    hostname: str,
    port: int,
    chain: list[x509.Certificate],
    suites: dict[str, tuple[str, ...]] | None = None,
    **results: Any,
) -> Any:
    """A completed ``ServerScanResult`` of a sound TLS 1.2/1.3 server, with ``suites`` (command →
    accepted IANA names) and ``results`` (command → sslyze result object) replacing its parts."""
    accepted = {**SOUND_SUITES, **(suites or {})}
    attempts: dict[str, Any] = {
        command: _attempt(command, _ciphers(command, accepted.get(command, ()))) for command in VERSIONS
    }
    sound: dict[str, Any] = {
        "certificate_info": certificate_info(hostname, chain),
        "tls_compression": CompressionScanResult(supports_compression=False),
        "tls_1_3_early_data": EarlyDataScanResult(supports_early_data=False),
        "openssl_ccs_injection": OpenSslCcsInjectionScanResult(is_vulnerable_to_ccs_injection=False),
        "tls_fallback_scsv": FallbackScsvScanResult(supports_fallback_scsv=True),
        "heartbleed": HeartbleedScanResult(is_vulnerable_to_heartbleed=False),
        "robot": RobotScanResult(robot_result=RobotScanResultEnum.NOT_VULNERABLE_NO_ORACLE),
        "session_renegotiation": SessionRenegotiationScanResult(
            supports_secure_renegotiation=True,
            is_vulnerable_to_client_renegotiation_dos=False,
            client_renegotiations_success_count=0,
        ),
        "elliptic_curves": SupportedEllipticCurvesScanResult(
            supports_ecdh_key_exchange=True,
            supported_curves=[EllipticCurve("X25519", 1034), EllipticCurve("secp256r1", 415)],
            rejected_curves=[],
        ),
        "tls_extended_master_secret": EmsExtensionScanResult(supports_ems_extension=True),
        "session_resumption": None,
        "http_headers": None,
    }
    sound.update(results)
    attempts.update({command: _attempt(command, result) for command, result in sound.items()})
    highest = TlsVersionEnum.TLS_1_3 if accepted.get("tls_1_3_cipher_suites") else TlsVersionEnum.TLS_1_2
    return ServerScanResult(
        uuid=uuid.uuid4(),
        server_location=ServerNetworkLocation(hostname, port, ip_address="127.0.0.1"),
        network_configuration=ServerNetworkConfiguration(tls_server_name_indication=hostname),
        connectivity_status=ServerConnectivityStatusEnum.COMPLETED,
        connectivity_error_trace=None,
        connectivity_result=ServerTlsProbingResult(
            highest_tls_version_supported=highest,
            cipher_suite_supported="ECDHE-ECDSA-AES128-GCM-SHA256",
            client_auth_requirement=ClientAuthRequirementEnum.DISABLED,
            supports_ecdh_key_exchange=True,
        ),
        scan_status=ServerScanStatusEnum.COMPLETED,
        scan_result=models.AllScanCommandsAttempts(**attempts),
    )
