"""The elliptic curves a server accepts, found by elimination: one handshake per accepted curve,
plus one, instead of one per curve sslyze's client knows.

sslyze's ``ELLIPTIC_CURVES`` command offers each of some 30 curves on its own, at the server's
highest TLS version, with ECDHE suites only. Here, once sslyze's scan of the server has found
that version is TLS 1.3 and whether the server speaks ECDHE at all (its connectivity result), the same
connection sslyze's test uses (``ServerConnectivityInfo.get_preconfigured_tls_connection``, the
modern OpenSSL client, ECDHE suites) offers every curve not found yet: the server completes the
handshake with one of them, whose ephemeral key names the curve; it is taken off the list, and the
rest is offered again. When the server *rejects* the handshake, none of the curves still offered is
accepted. The result is built with sslyze's own model classes, as sslyze reports it.

Only a completed handshake whose key is on an offered curve and an explicit rejection are used.
Anything else (a timeout, a reset, an OpenSSL error) is inconclusive: the scan then runs sslyze's
own command for the curves, as before. So does a server whose highest version is TLS 1.2: there
the curves a client offers also limit the certificates the server may use (RFC 8422), and a curve
offered alone can be rejected (an ECDSA P-256 server offered only X25519 has no certificate to
sign with) that is accepted in a list; sslyze reports such a curve rejected, elimination would not.
TLS 1.3 keeps the two apart (signature algorithms choose the certificate).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any


class _Inconclusive(Exception):
    """A handshake ended neither with a key on an offered curve nor rejected."""


def eliminated_curves(location: Any, network: Any, probing: Any) -> Any | None:
    """sslyze's ``SupportedEllipticCurvesScanResult`` for the server whose connectivity result is
    ``probing``; None when elimination does not apply (highest version below TLS 1.3) or could not
    settle every curve: then sslyze's own command must run."""
    from nassl.ephemeral_key_info import OpenSslEcNidEnum
    from sslyze import TlsVersionEnum
    from sslyze.plugins.elliptic_curves_plugin import SupportedEllipticCurvesScanResult
    from sslyze.server_connectivity import ServerConnectivityInfo

    if not probing.supports_ecdh_key_exchange:  # what sslyze reports without a handshake
        return SupportedEllipticCurvesScanResult(supports_ecdh_key_exchange=False, supported_curves=None,
                                                 rejected_curves=None)
    if probing.highest_tls_version_supported != TlsVersionEnum.TLS_1_3:
        return None
    server = ServerConnectivityInfo(server_location=location, network_configuration=network,
                                    tls_probing_result=probing)
    left = list(OpenSslEcNidEnum.get_supported_by_ssl_client())
    accepted: list[Any] = []
    while left:
        try:
            chosen = _handshake(server, left)
        except _Inconclusive:
            return None
        if chosen is None:
            break
        left.remove(chosen)
        accepted.append(chosen)
    return SupportedEllipticCurvesScanResult(supports_ecdh_key_exchange=True,
                                             supported_curves=[_curve(nid) for nid in accepted],
                                             rejected_curves=[_curve(nid) for nid in left])


def _handshake(server: Any, offered: list[Any]) -> Any:
    """One handshake offering the curves ``offered``: the curve of the key the server sent, or None
    when the server rejected the handshake."""
    from nassl.ephemeral_key_info import EcDhEphemeralKeyInfo, OpenSslEcNidEnum
    from nassl.ssl_client import ClientCertificateRequested
    from sslyze.errors import ServerRejectedTlsHandshake
    from sslyze.server_connectivity import enable_ecdh_cipher_suites

    version = server.tls_probing_result.highest_tls_version_supported
    connection = server.get_preconfigured_tls_connection(override_tls_version=version,
                                                         should_use_legacy_openssl=False)
    try:
        enable_ecdh_cipher_suites(version, connection.ssl_client)
        connection.ssl_client.set_groups(offered)
        with contextlib.suppress(ClientCertificateRequested):  # as sslyze's test: the key exchange came first
            connection.connect()
        key = connection.ssl_client.get_ephemeral_key()
    except ServerRejectedTlsHandshake:
        return None
    except Exception as exc:  # timeout, reset, OpenSSL error...
        raise _Inconclusive(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if not isinstance(key, EcDhEphemeralKeyInfo) or key.curve not in offered:
        raise _Inconclusive(f"the server's key ({key!r}) is not on an offered curve")
    return OpenSslEcNidEnum(key.curve)


def _curve(nid: Any) -> Any:
    """sslyze's ``EllipticCurve`` for an OpenSSL curve id, named as sslyze names it."""
    from nassl.ephemeral_key_info import _OPENSSL_NID_TO_SECG_ANSI_X9_62
    from sslyze.plugins.elliptic_curves_plugin import EllipticCurve

    name = _OPENSSL_NID_TO_SECG_ANSI_X9_62.get(nid, f"unknown-curve-with-openssl-id-{nid.value}")
    return EllipticCurve(name=name, openssl_nid=nid.value)


def with_curves(result: Any, curves: Any) -> Any:
    """sslyze's ``ServerScanResult`` with the elliptic curves' result filled in, completed."""
    from sslyze.scanner.models import SupportedEllipticCurvesScanAttempt
    from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum

    attempt = SupportedEllipticCurvesScanAttempt(status=ScanCommandAttemptStatusEnum.COMPLETED, error_reason=None,
                                                 error_trace=None, result=curves)
    return dataclasses.replace(result, scan_result=dataclasses.replace(result.scan_result, elliptic_curves=attempt))


def with_curves_of(result: Any, by_sslyze: Any) -> Any:
    """``result`` with the elliptic curves' attempt of ``by_sslyze`` (sslyze's own scan of the
    curves alone); when that scan found the server gone, an error attempt that says so, as sslyze
    reports a command it could not run (the checks then name it)."""
    from sslyze.scanner.models import SupportedEllipticCurvesScanAttempt
    from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum, ScanCommandErrorReasonEnum

    if by_sslyze.scan_result is not None:
        attempt = by_sslyze.scan_result.elliptic_curves
    else:
        attempt = SupportedEllipticCurvesScanAttempt(
            status=ScanCommandAttemptStatusEnum.ERROR, error_reason=ScanCommandErrorReasonEnum.CONNECTIVITY_ISSUE,
            error_trace=by_sslyze.connectivity_error_trace, result=None)
    return dataclasses.replace(result, scan_result=dataclasses.replace(result.scan_result, elliptic_curves=attempt))
