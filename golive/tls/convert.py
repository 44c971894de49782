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

from golive.tls.model import CertInfo, OcspStaple, Suite, TlsObservation, Trust, Vulnerabilities
from golive.tls.ocsp import check_staple
from golive.tls.trust import (
    Fetch,
    aia_issuer_urls,
    anchor_in,
    anchors_named,
    chain_status,
    cn_of,
    evaluate_trust,
    is_self_signed,
    system_bundle,
)

CIPHER_COMMANDS = (
    ("ssl_2_0_cipher_suites", "SSLv2"),
    ("ssl_3_0_cipher_suites", "SSLv3"),
    ("tls_1_0_cipher_suites", "TLS 1.0"),
    ("tls_1_1_cipher_suites", "TLS 1.1"),
    ("tls_1_2_cipher_suites", "TLS 1.2"),
    ("tls_1_3_cipher_suites", "TLS 1.3"),
)


def cert_info(cert: x509.Certificate, sct_count: int | None = None) -> CertInfo:
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
        ca_issuer_urls=tuple(aia_issuer_urls(cert)),
        sct_count=sct_count,
    )


REFUSED_TLS = {"ServerRejectedTlsHandshake", "ServerTlsConfigurationNotSupported",
               "ServerRejectedOpportunisticTlsNegotiation"}
"""sslyze's connectivity errors of a server that answered but would not speak TLS."""


def _error_kind(result: Any) -> str:
    trace = result.connectivity_error_trace
    return trace.exc_type.__name__ if trace is not None and trace.exc_type else ""


def connectivity_error(result: Any, timeout: float) -> str:
    """A short sentence for why sslyze could not connect ("connection refused", "no answer...")."""
    trace = result.connectivity_error_trace
    if trace is None:
        return "connectivity test failed"
    kind = _error_kind(result)
    text = "".join(trace.format_exception_only()).strip()
    match = re.search(r'-> "(.*)"\.?$', text)
    detail = match.group(1) if match else text.split(": ", 1)[-1]
    if kind == "ServerRejectedConnection":
        return "connection refused"
    if "TimedOut" in kind:
        return f"no answer within {timeout:g}s ({detail})"
    if kind in ("ServerRejectedTlsHandshake", "ServerTlsConfigurationNotSupported"):
        return f"no TLS handshake ({detail}); is this port speaking TLS?"
    if kind == "ServerRejectedOpportunisticTlsNegotiation":
        return f"the server refused to start TLS (STARTTLS: {detail})"
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


def _ocsp(
    deployment: Any, served: list[x509.Certificate], fetched: list[x509.Certificate], store: Path
) -> OcspStaple | None:
    """The stapled response checked against the leaf and its issuer (served, fetched or an anchor)."""
    response = deployment.ocsp_response
    if response is None:
        return None
    leaf = served[0]
    issuer = next((c for c in (*served[1:], *fetched) if c.subject == leaf.issuer), None)
    if issuer is None:
        issuer = next(iter(anchors_named(store, leaf.issuer)), None)
    return check_staple(response, leaf, issuer)


CURVE_BITS = {"X25519": 256, "X448": 448}
"""Curves whose name carries no size (X25519's 253-bit field gives 128-bit security, as P-256)."""


def curve_bits(name: str) -> int:
    """The size of a named curve in bits (secp192r1 → 192, brainpoolP256r1 → 256, X25519 → 256)."""
    if name in CURVE_BITS:
        return CURVE_BITS[name]
    match = re.search(r"(\d{3})", name)
    return int(match.group(1)) if match else 0


def _suite(accepted: Any, label: str) -> Suite:
    key = accepted.ephemeral_key
    if key is None:
        return Suite(accepted.cipher_suite.name, label)
    kind = getattr(key, "type_name", "") or ""
    curve = getattr(key, "curve_name", None)
    if curve:
        return Suite(accepted.cipher_suite.name, label, "ECDH", curve, curve_bits(curve))
    if kind == "DH":
        return Suite(accepted.cipher_suite.name, label, "DH", None, key.size)
    return Suite(accepted.cipher_suite.name, label, kind or None, None, key.size)


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
    starttls: str | None = None,
    application: str = "https",
) -> TlsObservation:
    """One ``ServerScanResult`` (connected or not) → ``TlsObservation``."""
    base: dict[str, Any] = {
        "hostname": hostname,
        "port": port,
        "address": address,
        "scan_seconds": scan_seconds,
        "starttls": starttls,
        "application": application,
    }
    if result.connectivity_status.name != "COMPLETED":
        return TlsObservation(**base, error=connectivity_error(result, timeout),
                              refused_tls=_error_kind(result) in REFUSED_TLS)
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
        suites += [_suite(s, label) for s in res.accepted_cipher_suites]
    cert_result = _attempt(scan, "certificate_info", errors)
    chain: tuple[CertInfo, ...] = ()
    trust = status = staple = anchor_public = None
    must_staple = False
    if cert_result is not None and cert_result.certificate_deployments:
        deployment = cert_result.certificate_deployments[0]
        served = list(deployment.received_certificate_chain)
        scts = deployment.leaf_certificate_signed_certificate_timestamps_count
        chain = tuple(cert_info(c, scts if i == 0 else None) for i, c in enumerate(served))
        status, fetched = chain_status(served, store, fetch, deployment.received_chain_has_valid_order)
        if status.complete is False and not status.fetched:
            trust = Trust(
                None,
                undecidable=f"the issuer '{status.missing[0]}' was neither served nor found behind an AIA URL, so "
                "no path to a root can be built (see tls.cert_chain_complete)",
                store=store_label,
            )
        else:
            trust = evaluate_trust(served, fetched, hostname, store, store_label)
        staple = _ocsp(deployment, served, fetched, store)
        must_staple = bool(deployment.leaf_certificate_has_must_staple_extension)
        anchor_public = anchor_in(system_bundle(), served, fetched)
    curves = _curves(scan, errors)
    early = _attempt(scan, "tls_1_3_early_data", errors) if _scheduled(scan, "tls_1_3_early_data") else None
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
        ocsp_stapled=staple is not None,
        ocsp_status=staple.status if staple is not None else None,
        ocsp=staple,
        must_staple=must_staple,
        curves=curves,
        early_data=early.supports_early_data if early is not None else None,
        anchor_public=anchor_public,
        mozilla_policy=policy_name,
        mozilla_issues=issues,
        mozilla_error=mozilla_error,
        command_errors=errors,
    )


def _scheduled(scan: Any, name: str) -> bool:
    return getattr(scan, name).status.name != "NOT_SCHEDULED"


def _curves(scan: Any, errors: dict[str, str]) -> dict[str, int] | None:
    """The ECDH groups the server accepts, with their size (None when the probe did not run)."""
    result = _attempt(scan, "elliptic_curves", errors)
    if result is None:
        return None
    return {c.name: curve_bits(c.name) for c in result.supported_curves or ()}


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
