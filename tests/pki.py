"""A throw-away PKI for the TLS self-tests: a root, an intermediate and one leaf per defect.

Real certificates (``cryptography``), written as PEM files nginx can serve, so that every tls.*
check is proven against a real handshake. Keys are EC P-256 unless the defect is about the key
(RSA-1024) or the cipher needs RSA (static-RSA suites), which keeps generation fast.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

HOSTNAME = "www.golive.test"
OTHER_HOSTNAME = "other.golive.test"

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "golive test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class Issued:
    """A certificate with its key (and the chain that should be served with it)."""

    cert: x509.Certificate
    key: Key
    chain: list[x509.Certificate] = field(default_factory=list)

    @property
    def cn(self) -> str:
        return self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value  # type: ignore[return-value]


def _ca(
    cn: str,
    key: Key,
    issuer: Issued | None,
    days: int = 3650,
    path_length: int | None = None,
    aia_url: str | None = None,
) -> Issued:
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )  # type: ignore[arg-type]
    if aia_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia_url)
                    )
                ]
            ),
            critical=False,
        )
    signer = issuer.key if issuer else key
    cert = builder.sign(signer, hashes.SHA256())
    return Issued(cert, key, [issuer.cert, *issuer.chain] if issuer else [])


def leaf(
    issuer: Issued | None,
    hostname: str = HOSTNAME,
    key: Key | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    digest: hashes.HashAlgorithm | None = None,
    aia_url: str | None = None,
    ocsp_url: str | None = None,
    cn: str | None = None,
) -> Issued:
    """A server certificate for ``hostname``; ``issuer=None`` makes it self-signed."""
    key = key or _ec()
    now = _now()
    subject = _name(cn or hostname)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=89))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )  # type: ignore[arg-type]
    access = []
    if aia_url:
        access.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia_url)
            )
        )
    if ocsp_url:
        access.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            )
        )
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    signer = issuer.key if issuer else key
    cert = builder.sign(signer, digest or hashes.SHA256())
    return Issued(cert, key, [issuer.cert, *issuer.chain] if issuer else [])


def sha1_leaf(issuer: Issued, workdir: Path, aia_url: str, hostname: str = HOSTNAME) -> Issued:
    """A leaf signed with SHA-1: ``cryptography`` refuses to sign with it, the openssl CLI still can."""
    key = _ec()
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(hostname)).sign(key, hashes.SHA256())
    files = {
        "sha1.csr": csr.public_bytes(serialization.Encoding.PEM),
        "sha1-issuer.pem": pem(issuer.cert),
        "sha1-issuer.key": key_pem(issuer.key),
        "sha1.ext": (
            f"subjectAltName=DNS:{hostname}\nbasicConstraints=critical,CA:FALSE\n"
            f"extendedKeyUsage=serverAuth\nauthorityInfoAccess=caIssuers;URI:{aia_url}\n"
        ).encode(),
    }
    for name, data in files.items():
        (workdir / name).write_bytes(data)
    out = workdir / "sha1-leaf.pem"
    subprocess.run(
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "x509",
            "-req",
            "-in",
            str(workdir / "sha1.csr"),
            "-CA",
            str(workdir / "sha1-issuer.pem"),
            "-CAkey",
            str(workdir / "sha1-issuer.key"),
            "-set_serial",
            str(x509.random_serial_number()),
            "-days",
            "89",
            "-sha1",
            "-extfile",
            str(workdir / "sha1.ext"),
            "-out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    (workdir / "sha1-issuer.key").unlink()
    return Issued(x509.load_pem_x509_certificate(out.read_bytes()), key, [issuer.cert, *issuer.chain])


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def key_pem(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def ocsp_good(issued: Issued, issuer: Issued) -> bytes:
    """A DER OCSP response "good" for ``issued``, signed by its issuer (for ``ssl_stapling_file``)."""
    now = _now()
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=issued.cert,
            issuer=issuer.cert,
            algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(hours=1),
            next_update=now + dt.timedelta(days=3),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
    )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


LEAF_KINDS = (
    "sound",
    "sound_rsa",
    "expired",
    "not_yet_valid",
    "wrong_host",
    "self_signed",
    "untrusted_root",
    "missing_intermediate",
    "expiring",
    "rsa1024",
    "sha1",
)


@dataclass
class TestPki:
    """The files of the test PKI under ``root``: ``ca.pem`` (trust anchor for ``ca_bundle``),
    ``<kind>.crt`` (served chain) and ``<kind>.key`` per leaf kind, ``intermediate.der`` (the AIA
    caIssuers object) and ``sound.ocsp`` (a stapled OCSP response)."""

    __test__ = False  # not a pytest test class despite the name

    root: Path
    ca: Issued
    intermediate: Issued
    leaves: dict[str, Issued]

    @property
    def ca_bundle(self) -> Path:
        return self.root / "ca.pem"

    def cert(self, kind: str) -> Path:
        return self.root / f"{kind}.crt"

    def key(self, kind: str) -> Path:
        return self.root / f"{kind}.key"

    @property
    def ocsp(self) -> Path:
        return self.root / "sound.ocsp"


def build_pki(root: Path, aia_base: str) -> TestPki:
    """Generate the PKI into ``root``; ``aia_base`` is the http:// URL where ``root`` is served."""
    root.mkdir(parents=True, exist_ok=True)
    now = _now()
    ca = _ca("golive Test Root CA", _ec(), None)
    inter = _ca(
        "golive Test Intermediate CA", _ec(), ca, days=1825, path_length=0, aia_url=f"{aia_base}/ca.der"
    )
    other_root = _ca("Untrusted Root CA", _ec(), None)
    other_inter = _ca(
        "Untrusted Intermediate CA", _ec(), other_root, path_length=0, aia_url=f"{aia_base}/other-root.der"
    )
    aia = f"{aia_base}/intermediate.der"
    ocsp_url = f"{aia_base}/ocsp"
    leaves = {
        "sound": leaf(inter, aia_url=aia, ocsp_url=ocsp_url),
        "sound_rsa": leaf(inter, key=rsa.generate_private_key(65537, 2048), aia_url=aia),
        "expired": leaf(
            inter, not_before=now - dt.timedelta(days=100), not_after=now - dt.timedelta(days=10), aia_url=aia
        ),
        "not_yet_valid": leaf(
            inter, not_before=now + dt.timedelta(days=10), not_after=now + dt.timedelta(days=80), aia_url=aia
        ),
        "wrong_host": leaf(inter, hostname=OTHER_HOSTNAME, aia_url=aia),
        "self_signed": leaf(None),
        "untrusted_root": leaf(other_inter, aia_url=f"{aia_base}/other-intermediate.der"),
        "expiring": leaf(
            inter,
            not_before=now - dt.timedelta(days=80),
            not_after=now + dt.timedelta(days=5, hours=1),
            aia_url=aia,
        ),
        "rsa1024": leaf(inter, key=rsa.generate_private_key(65537, 1024), aia_url=aia),
    }
    leaves["sha1"] = sha1_leaf(inter, root, aia)
    for kind, issued in leaves.items():
        (root / f"{kind}.crt").write_bytes(pem(issued.cert, *issued.chain[:-1]))
        (root / f"{kind}.key").write_bytes(key_pem(issued.key))
    sound = leaves["sound"]
    leaves["missing_intermediate"] = sound
    (root / "missing_intermediate.crt").write_bytes(pem(sound.cert))
    (root / "missing_intermediate.key").write_bytes(key_pem(sound.key))
    (root / "ca.pem").write_bytes(pem(ca.cert))
    der = serialization.Encoding.DER
    (root / "ca.der").write_bytes(ca.cert.public_bytes(der))
    (root / "intermediate.der").write_bytes(inter.cert.public_bytes(der))
    (root / "other-root.der").write_bytes(other_root.cert.public_bytes(der))
    (root / "other-intermediate.der").write_bytes(other_inter.cert.public_bytes(der))
    (root / "sound.ocsp").write_bytes(ocsp_good(sound, inter))
    return TestPki(root, ca, inter, leaves)
