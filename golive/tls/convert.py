"""sslyze result models → ``TlsObservation`` (the only module that reads sslyze's results).

Imported lazily by the scanner (sslyze is heavy to import); the rules never see sslyze objects.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from golive.tls.model import CertInfo, Suite, TlsObservation, Vulnerabilities
from golive.tls.trust import Fetch, chain_status, cn_of, evaluate_trust, is_self_signed

CIPHER_COMMANDS = (
    ("ssl_2_0_cipher_suites", "SSLv2"),
    ("ssl_3_0_cipher_suites", "SSLv3"),
    ("tls_1_0_cipher_suites", "TLS 1.0"),
    ("tls_1_1_cipher_suites", "TLS 1.1"),
    ("tls_1_2_cipher_suites", "TLS 1.2"),
    ("tls_1_3_cipher_suites", "TLS 1.3"),
)


def cert_info(cert: x509.Certificate) -> CertInfo:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_type, size = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_type, size = "EC", key.curve.key_size
    elif isinstance(key, dsa.DSAPublicKey):
        key_type, size = "DSA", key.key_size
    else:
        key_type, size = type(key).__name__.removeprefix("_").replace("PublicKey", ""), 256
    digest = cert.signature_hash_algorithm
    dns: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        dns = tuple(san.get_values_for_type(x509.DNSName))  # type: ignore[attr-defined]
        ips = tuple(str(a) for a in san.get_values_for_type(x509.IPAddress))  # type: ignore[attr-defined]
    except x509.ExtensionNotFound:
        pass
    is_ca = False
    with contextlib.suppress(x509.ExtensionNotFound):
        is_ca = bool(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)  # type: ignore
    ocsp_urls: tuple[str, ...] = ()
    try:
        aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
        ocsp_urls = tuple(
            d.access_location.value
            for d in aia  # type: ignore[attr-defined]
            if d.access_method == AuthorityInformationAccessOID.OCSP
        )
    except x509.ExtensionNotFound:
        pass
    return CertInfo(
        subject_cn=cn_of(cert.subject),
        issuer_cn=cn_of(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=size,
        signature_hash=digest.name if digest else None,
        dns_names=dns,
        ip_addresses=ips,
        self_signed=is_self_signed(cert),
        is_ca=is_ca,
        ocsp_urls=ocsp_urls,
    )


def connectivity_error(result: Any, timeout: float) -> str:
    """A short sentence for why sslyze could not connect ("connection refused", "no answer...")."""
    trace = result.connectivity_error_trace
    if trace is None:
        return "connectivity test failed"
    kind = trace.exc_type.__name__ if trace.exc_type else ""
    text = "".join(trace.format_exception_only()).strip()
    match = re.search(r'-> "(.*)"\.?$', text)
    detail = match.group(1) if match else text.split(": ", 1)[-1]
    if kind == "ServerRejectedConnection":
        return "connection refused"
    if "TimedOut" in kind:
        return f"no answer within {timeout:g}s ({detail})"
    if kind in ("ServerRejectedTlsHandshake", "ServerTlsConfigurationNotSupported"):
        return f"no TLS handshake ({detail}); is this port speaking TLS?"
    if kind == "ServerHostnameCouldNotBeResolved":
        return f"hostname could not be resolved ({detail})"
    return f"{detail[0].lower() + detail[1:] if detail else kind}"


def _attempt(scan_result: Any, name: str, errors: dict[str, str]) -> Any:
    attempt = getattr(scan_result, name)
    if attempt.status.name == "COMPLETED":
        return attempt.result
    if attempt.status.name == "ERROR":
        reason = attempt.error_reason.name if attempt.error_reason else "error"
        last = ""
        if attempt.error_trace is not None:
            last = "".join(attempt.error_trace.format_exception_only()).strip().splitlines()[-1][:300]
        errors[name] = f"{reason}: {last}" if last else reason
    return None


def _ocsp(deployment: Any) -> tuple[bool, str | None]:
    response = deployment.ocsp_response
    if response is None:
        return False, None
    try:
        if response.response_status.name != "SUCCESSFUL":
            return True, response.response_status.name
        return True, response.certificate_status.name
    except ValueError:
        return True, "unparseable"


def observation(
    result: Any,
    hostname: str,
    port: int,
    address: str | None,
    store: Path,
    store_label: str,
    fetch: Fetch,
    alpn: tuple[tuple[str, ...] | None, str | None],
    policy_name: str,
    mozilla: Callable[[Any], tuple[dict[str, str] | None, str | None]],
    scan_seconds: float,
    timeout: float,
) -> TlsObservation:
    """One ``ServerScanResult`` (connected or not) → ``TlsObservation``."""
    base: dict[str, Any] = {
        "hostname": hostname,
        "port": port,
        "address": address,
        "scan_seconds": scan_seconds,
    }
    if result.connectivity_status.name != "COMPLETED":
        return TlsObservation(**base, error=connectivity_error(result, timeout))
    scan = result.scan_result
    if scan is None:
        return TlsObservation(**base, error=f"scan did not complete ({result.scan_status.name.lower()})")
    errors: dict[str, str] = {}
    protocols: dict[str, bool] = {}
    suites: list[Suite] = []
    for command, label in CIPHER_COMMANDS:
        res = _attempt(scan, command, errors)
        if res is None:
            continue
        protocols[label] = bool(res.is_tls_version_supported)
        suites += [Suite(s.cipher_suite.name, label) for s in res.accepted_cipher_suites]
    cert_result = _attempt(scan, "certificate_info", errors)
    chain: tuple[CertInfo, ...] = ()
    trust = status = None
    stapled, ocsp_status, must_staple = False, None, False
    if cert_result is not None and cert_result.certificate_deployments:
        deployment = cert_result.certificate_deployments[0]
        served = list(deployment.received_certificate_chain)
        chain = tuple(cert_info(c) for c in served)
        status, fetched = chain_status(served, store, fetch, deployment.received_chain_has_valid_order)
        trust = evaluate_trust(served, fetched, hostname, store, store_label)
        stapled, ocsp_status = _ocsp(deployment)
        must_staple = bool(deployment.leaf_certificate_has_must_staple_extension)
    vulns = _vulnerabilities(scan, errors)
    issues, mozilla_error = mozilla(result)
    return TlsObservation(
        **base,
        protocols=protocols,
        suites=tuple(suites),
        chain=chain,
        trust=trust,
        chain_status=status,
        vulnerabilities=vulns,
        alpn=alpn[0],
        alpn_error=alpn[1],
        ocsp_stapled=stapled,
        ocsp_status=ocsp_status,
        must_staple=must_staple,
        mozilla_policy=policy_name,
        mozilla_issues=issues,
        mozilla_error=mozilla_error,
        command_errors=errors,
    )


def _vulnerabilities(scan: Any, errors: dict[str, str]) -> Vulnerabilities:
    heartbleed = _attempt(scan, "heartbleed", errors)
    robot = _attempt(scan, "robot", errors)
    ccs = _attempt(scan, "openssl_ccs_injection", errors)
    reneg = _attempt(scan, "session_renegotiation", errors)
    compression = _attempt(scan, "tls_compression", errors)
    fallback = _attempt(scan, "tls_fallback_scsv", errors)
    return Vulnerabilities(
        heartbleed=heartbleed.is_vulnerable_to_heartbleed if heartbleed else None,
        robot=robot.robot_result.name if robot else None,
        ccs_injection=ccs.is_vulnerable_to_ccs_injection if ccs else None,
        secure_renegotiation=reneg.supports_secure_renegotiation if reneg else None,
        client_renegotiation_dos=reneg.is_vulnerable_to_client_renegotiation_dos if reneg else None,
        compression=compression.supports_compression if compression else None,
        fallback_scsv=fallback.supports_fallback_scsv if fallback else None,
    )
