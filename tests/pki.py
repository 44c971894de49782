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
    extensions: tuple[x509.ExtensionType, ...] = (),
) -> Issued:
    """A server certificate for ``hostname``; ``issuer=None`` makes it self-signed; ``extensions``
    are added as they are (must-staple, an SCT list)."""
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
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
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


def ocsp_response(
    issued: Issued,
    issuer: Issued,
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
    this_update: dt.timedelta = dt.timedelta(hours=-1),
    next_update: dt.timedelta = dt.timedelta(days=3),
    signer: Issued | None = None,
) -> bytes:
    """A DER OCSP response about ``issued`` (for ``ssl_stapling_file``), signed by its issuer (or by
    ``signer``, a CA that has no say about ``issued``: a response no client may accept)."""
    now = _now()
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=issued.cert,
            issuer=issuer.cert,
            algorithm=hashes.SHA1(),
            cert_status=status,
            this_update=now + this_update,
            next_update=now + next_update,
            revocation_time=now - dt.timedelta(days=2) if status == ocsp.OCSPCertStatus.REVOKED else None,
            revocation_reason=x509.ReasonFlags.key_compromise if status == ocsp.OCSPCertStatus.REVOKED else None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, (signer or issuer).cert)
    )
    key = (signer or issuer).key
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


def ocsp_good(issued: Issued, issuer: Issued) -> bytes:
    """A DER OCSP response "good" for ``issued``, signed by its issuer (for ``ssl_stapling_file``)."""
    return ocsp_response(issued, issuer)


def sct_list_extension(count: int = 2) -> x509.UnrecognizedExtension:
    """An embedded SCT list (RFC 6962 §3.3) with ``count`` syntactically valid SCTs.

    The logs and signatures are made up: what is judged is that the leaf carries SCTs (verifying
    them needs the logs' keys, which neither golive nor sslyze checks)."""
    import struct

    scts = b""
    for i in range(count):
        signature = bytes(range(64))
        body = (
            b"\x00"  # v1
            + bytes([i + 1]) * 32  # log id
            + struct.pack(">Q", 1_700_000_000_000 + i)  # timestamp (ms)
            + struct.pack(">H", 0)  # no extensions
            + b"\x04\x03"  # sha256 / ecdsa
            + struct.pack(">H", len(signature))
            + signature
        )
        scts += struct.pack(">H", len(body)) + body
    tls_list = struct.pack(">H", len(scts)) + scts
    der = b"\x04" + _der_length(len(tls_list)) + tls_list  # the extnValue holds an OCTET STRING
    return x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), der)


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


OAKLEY_GROUP_2 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)
"""RFC 2409's 1024-bit MODP prime (Oakley group 2): weak DH for the key-exchange self-test."""


def dhparam_pem(prime: int = OAKLEY_GROUP_2, generator: int = 2) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import dh

    numbers = dh.DHParameterNumbers(prime, generator)
    return numbers.parameters().parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3)


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
    "intermediate_nowhere",
    "intermediate_nowhere_no_aia",
    "no_responder",
    "must_staple",
    "sct",
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

    def ocsp_file(self, kind: str) -> Path:
        """A stapled OCSP response of ``OCSP_KINDS`` (``good``, ``expired``, ``revoked``...)."""
        return self.root / f"{kind}.ocsp"

    @property
    def dhparam_1024(self) -> Path:
        """RFC 2409's 1024-bit MODP group (Oakley group 2), the Logjam-era default: a weak DH group."""
        return self.root / "dh1024.pem"


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
        # the intermediate is nowhere: neither served, in the trust store, nor behind its AIA URL
        "intermediate_nowhere": leaf(inter, aia_url=f"{aia_base}/gone/intermediate.der"),
        "intermediate_nowhere_no_aia": leaf(inter),
        "no_responder": leaf(inter, aia_url=aia),
        "must_staple": leaf(
            inter,
            aia_url=aia,
            ocsp_url=ocsp_url,
            extensions=(x509.TLSFeature([x509.TLSFeatureType.status_request]),),
        ),
        "sct": leaf(inter, aia_url=aia, extensions=(sct_list_extension(2),)),
    }
    leaves["sha1"] = sha1_leaf(inter, root, aia)
    served_alone = ("intermediate_nowhere", "intermediate_nowhere_no_aia")
    for kind, issued in leaves.items():
        chain = () if kind in served_alone else issued.chain[:-1]
        (root / f"{kind}.crt").write_bytes(pem(issued.cert, *chain))
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
    revoked = ocsp.OCSPCertStatus.REVOKED
    responses = {
        "good": ocsp_response(sound, inter),
        "expired": ocsp_response(sound, inter, this_update=dt.timedelta(days=-9), next_update=dt.timedelta(days=-2)),
        "revoked": ocsp_response(sound, inter, status=revoked),
        "other_cert": ocsp_response(leaves["expiring"], inter),
        "bad_signature": ocsp_response(sound, inter, signer=other_inter),
        "must_staple": ocsp_response(leaves["must_staple"], inter),
    }
    for kind, data in responses.items():
        (root / f"{kind}.ocsp").write_bytes(data)
    (root / "dh1024.pem").write_bytes(dhparam_pem())
    return TestPki(root, ca, inter, leaves)
