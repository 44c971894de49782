"""The stapled OCSP response as a client checks it (RFC 6960 §3.2), with cryptography's OCSP model.

sslyze hands over the parsed response and whether it verifies against Mozilla's store; a private
CA's response never does. A client accepts a stapled response when it is about the certificate it
was sent with (serial number and issuer key hash), signed by that certificate's issuer or by a
responder certificate the issuer delegated (id-kp-OCSPSigning), and current (thisUpdate ≤ now ≤
nextUpdate; the time is judged by the rule). This module checks the first two; nothing is fetched.
"""

from __future__ import annotations

import contextlib
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from golive.tls.model import OcspStaple
from golive.tls.trust import cn_of


def _verify(signer: x509.Certificate, signature: bytes, data: bytes, digest: Any) -> bool:
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """The hash of the certificate's subjectPublicKey BIT STRING, as CertID's issuerKeyHash."""
    digest = hashes.Hash(algorithm)
    digest.update(_spk(cert))
    return digest.finalize()


def _spk(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey bits (without the algorithm identifier) of ``cert``."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key.public_bytes(Encoding.DER, PublicFormat.PKCS1)  # type: ignore[call-arg, arg-type]


def _responder(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate | None:
    """The certificate that signed ``response``: the issuer itself, or a delegated responder
    certificate carried in the response, issued by the issuer, for OCSP signing."""
    if response.responder_name is not None:
        names_issuer = response.responder_name == issuer.subject
    else:
        key_hash = response.responder_key_hash
        names_issuer = key_hash is not None and key_hash == _key_hash(issuer, hashes.SHA1())
    if names_issuer:
        return issuer
    for cert in response.certificates:
        if cert.issuer != issuer.subject:
            continue
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            continue
        with contextlib.suppress(ValueError, TypeError, InvalidSignature):
            cert.verify_directly_issued_by(issuer)
            return cert
    return None


def check_staple(response: ocsp.OCSPResponse, leaf: x509.Certificate, issuer: x509.Certificate | None) -> OcspStaple:
    """``OcspStaple`` for a stapled ``response`` about ``leaf`` (``issuer`` = the leaf's issuer, if known)."""
    try:
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return OcspStaple(status=response.response_status.name)
        status = response.certificate_status.name
        this_update = response.this_update_utc
        next_update = response.next_update_utc
        serial_ok = response.serial_number == leaf.serial_number
        responder = (
            cn_of(response.responder_name) if response.responder_name is not None else "a responder named by key hash"
        )
    except ValueError:
        return OcspStaple(status="unparseable", signature="not checked (the response does not parse)")
    if issuer is None:
        return OcspStaple(
            status, this_update, next_update, serial_ok, "not checked: the issuer certificate is unknown", responder
        )
    about_leaf = serial_ok and response.issuer_key_hash == _key_hash(issuer, response.hash_algorithm)
    signer = _responder(response, issuer)
    if signer is None:
        signature = f"not signed by '{cn_of(issuer.subject)}' nor by a responder it delegated"
    elif not _verify(signer, response.signature, response.tbs_response_bytes, response.signature_hash_algorithm):
        signature = f"signature does not verify with the key of '{cn_of(signer.subject)}'"
    else:
        signature = "valid"
        responder = cn_of(signer.subject)
    return OcspStaple(status, this_update, next_update, about_leaf, signature, responder)
