"""The demo target's PKI: a root CA, an intermediate CA and a leaf for ``demo.golive.test``.

Generated with ``cryptography`` so that the chain has the shape of a real deployment (root kept
out of the served chain, intermediate served with the leaf): the tls.* checks then judge a real
chain, and a profile trusts the demo through ``ca_bundle: <state dir>/ca.pem`` like any private
CA. The CA is kept across starts (a person who imported ``ca.pem`` once keeps trusting the demo);
the leaf is reissued when it is missing, unreadable or close to expiry.

Files under the state dir:
``ca.pem`` (root only, the trust anchor), ``ca-key.pem``, ``intermediate.pem``,
``intermediate-key.pem``, ``chain.pem`` (leaf + intermediate, what the server serves) and
``key.pem`` (the leaf key). Keys are written with mode 600. Several demo servers may start at
once on one state dir: a lock file serialises the (rare) writes and files are replaced atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from golive.demo.app import HOSTNAME

LEAF_DAYS = 90
CA_DAYS = 3650
INTERMEDIATE_DAYS = 1825
RENEW_BEFORE = dt.timedelta(days=45)
"""A leaf with less left than this is reissued: well above any ``min_days_remaining`` a profile sets."""
CA_RENEW_BEFORE = dt.timedelta(days=365)

Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class DemoPki:
    """Paths of the PKI files the server and the profile use."""

    state_dir: Path

    @property
    def ca_bundle(self) -> Path:
        """Root certificate only: what a profile's ``ca_bundle`` points at."""
        return self.state_dir / "ca.pem"

    @property
    def chain(self) -> Path:
        """Leaf + intermediate: what the server presents."""
        return self.state_dir / "chain.pem"

    @property
    def key(self) -> Path:
        return self.state_dir / "key.pem"

    @property
    def ca_key(self) -> Path:
        return self.state_dir / "ca-key.pem"

    @property
    def intermediate(self) -> Path:
        return self.state_dir / "intermediate.pem"

    @property
    def intermediate_key(self) -> Path:
        return self.state_dir / "intermediate-key.pem"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _name(cn: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "golive demo"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _ca_cert(cn: str, key: Key, issuer_cert: x509.Certificate | None, issuer_key: Key | None, days: int,
             path_length: int | None) -> x509.Certificate:
    now = _now()
    public = key.public_key()
    signer_key = issuer_key or key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(cn))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),  # type: ignore[arg-type]
            critical=False)
    return builder.sign(signer_key, hashes.SHA256())


def _leaf_cert(key: Key, issuer_cert: x509.Certificate, issuer_key: Key) -> x509.Certificate:
    now = _now()
    public = key.public_key()
    names: list[x509.GeneralName] = [
        x509.DNSName(HOSTNAME), x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    return (
        x509.CertificateBuilder()
        .subject_name(_name(HOSTNAME))
        .issuer_name(issuer_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),  # type: ignore[arg-type]
                       critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _key_pem(key: Key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Replace ``path`` atomically; private files are created 600 (never readable by others, even briefly)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _load_pair(cert_path: Path, key_path: Path,
               min_left: dt.timedelta) -> tuple[x509.Certificate, Key] | None:
    """The certificate and key if both load, match and stay valid for ``min_left``; else None."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        return None
    now = _now()
    if cert.not_valid_before_utc > now or cert.not_valid_after_utc - now < min_left:
        return None
    return cert, key


def _leaf_ok(pki: DemoPki, intermediate: x509.Certificate) -> bool:
    try:
        served = x509.load_pem_x509_certificates(pki.chain.read_bytes())
    except (OSError, ValueError):
        return False
    pair = _load_pair(pki.chain, pki.key, RENEW_BEFORE)
    return pair is not None and len(served) == 2 and served[1] == intermediate \
        and served[0].issuer == intermediate.subject


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    with (state_dir / ".pki.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_pki(state_dir: Path) -> DemoPki:
    """Make sure a valid CA, intermediate and leaf exist under ``state_dir``; return their paths.

    Reuses what is valid (the CA survives restarts); reissues what is missing or expiring.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    pki = DemoPki(state_dir)
    with _locked(state_dir):
        root = _load_pair(pki.ca_bundle, pki.ca_key, CA_RENEW_BEFORE)
        if root is None:
            root_key = ec.generate_private_key(ec.SECP256R1())
            root = (_ca_cert("golive demo Root CA", root_key, None, None, CA_DAYS, None), root_key)
            _write(pki.ca_key, _key_pem(root_key), private=True)
            _write(pki.ca_bundle, _pem(root[0]))
            pki.intermediate.unlink(missing_ok=True)
        inter = _load_pair(pki.intermediate, pki.intermediate_key, RENEW_BEFORE)
        if inter is None or inter[0].issuer != root[0].subject or not _signed_by(inter[0], root[0]):
            inter_key = ec.generate_private_key(ec.SECP256R1())
            inter_cert = _ca_cert("golive demo Intermediate CA", inter_key, root[0], root[1],
                                  INTERMEDIATE_DAYS, path_length=0)
            inter = (inter_cert, inter_key)
            _write(pki.intermediate_key, _key_pem(inter_key), private=True)
            _write(pki.intermediate, _pem(inter[0]))
        if not _leaf_ok(pki, inter[0]):
            leaf_key = ec.generate_private_key(ec.SECP256R1())
            leaf = _leaf_cert(leaf_key, inter[0], inter[1])
            _write(pki.key, _key_pem(leaf_key), private=True)
            _write(pki.chain, _pem(leaf, inter[0]))
    return pki


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
