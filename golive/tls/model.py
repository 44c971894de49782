"""What a TLS scan observed, as small frozen dataclasses (no sslyze types).

The rules in ``golive.rules.tls`` judge these, so they are unit-testable without sslyze or a
network; ``golive.tls.convert`` builds them from sslyze's result models.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

PROTOCOLS: tuple[str, ...] = ("SSLv2", "SSLv3", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
LEGACY_PROTOCOLS: tuple[str, ...] = ("SSLv2", "SSLv3", "TLS 1.0", "TLS 1.1")


@dataclass(frozen=True)
class CertInfo:
    """One certificate of the served chain, reduced to what the rules judge."""

    subject_cn: str
    issuer_cn: str
    not_before: datetime
    not_after: datetime
    key_type: str  # "RSA", "EC", "Ed25519", ...
    key_size: int
    signature_hash: str | None  # "sha256", "sha1", None for Ed25519
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    self_signed: bool = False
    is_ca: bool = False
    ocsp_urls: tuple[str, ...] = ()
    ca_issuer_urls: tuple[str, ...] = ()  # AIA caIssuers: where a client could fetch the issuer
    sct_count: int | None = None  # embedded Signed Certificate Timestamps (None = not parsed)


@dataclass(frozen=True)
class Suite:
    """An accepted cipher suite (IANA name), the protocol it was accepted with, and the ephemeral
    key exchange the server chose for it (``DH`` with its group size, ``ECDH`` with its curve)."""

    name: str
    protocol: str
    key_exchange: str | None = None
    group: str | None = None
    group_bits: int | None = None


@dataclass(frozen=True)
class Trust:
    """Outcome of path validation against the system store plus the target's ca_bundle.

    ``trusted`` is None when the verifier refused to judge (e.g. a SHA-1 signed or too-small key
    that the verifying library rejects outright); ``undecidable`` then says why.
    """

    trusted: bool | None
    error: str | None = None
    undecidable: str | None = None
    store: str = ""


@dataclass(frozen=True)
class ChainStatus:
    """Whether the served chain reaches an anchor without help.

    ``complete`` None = cannot tell (the issuer is unknown and not fetchable); ``missing`` names the
    intermediates a client must fetch itself; ``valid_order`` is sslyze's ordering check.
    """

    complete: bool | None
    missing: tuple[str, ...] = ()
    valid_order: bool | None = True
    note: str = ""
    aia_urls: tuple[str, ...] = ()  # the caIssuers URLs of the certificate whose issuer is missing
    fetched: bool = False  # the missing intermediate was found behind its AIA URL (trust used it)


@dataclass(frozen=True)
class Vulnerabilities:
    """sslyze's vulnerability probes (None = the probe did not complete)."""

    heartbleed: bool | None = False
    robot: str | None = "NOT_VULNERABLE_NO_ORACLE"
    ccs_injection: bool | None = False
    secure_renegotiation: bool | None = True
    client_renegotiation_dos: bool | None = False
    compression: bool | None = False
    fallback_scsv: bool | None = True


@dataclass(frozen=True)
class OcspStaple:
    """The stapled OCSP response, checked the way a client checks it (RFC 6960 §3.2).

    ``status``: the certificate status (``GOOD``/``REVOKED``/``UNKNOWN``) of a successful response,
    else the response status (``TRY_LATER``, ``unparseable``...). ``about_leaf``: the response is
    about the served leaf (serial and issuer key hash match). ``signature``: ``valid``, or why not.
    """

    status: str
    this_update: datetime | None = None
    next_update: datetime | None = None
    about_leaf: bool | None = None
    signature: str = "valid"
    responder: str = ""


@dataclass(frozen=True)
class TlsObservation:
    """Everything the tls.* rules look at for one (hostname, port, address)."""

    hostname: str
    port: int
    address: str | None
    error: str | None = None
    refused_tls: bool = False
    """With ``error``: the endpoint answered but would not speak TLS (a defect of the endpoint, not
    an unreachable one)."""
    protocols: dict[str, bool] = field(default_factory=dict)
    suites: tuple[Suite, ...] = ()
    chain: tuple[CertInfo, ...] = ()
    trust: Trust | None = None
    chain_status: ChainStatus | None = None
    vulnerabilities: Vulnerabilities | None = None
    alpn: tuple[str, ...] | None = None  # protocols the server selected when offered h2 / http/1.1
    alpn_error: str | None = None
    ocsp_stapled: bool = False
    ocsp_status: str | None = None  # "GOOD", "REVOKED", "UNKNOWN" when stapled
    ocsp: OcspStaple | None = None
    must_staple: bool = False
    curves: dict[str, int] | None = None  # ECDH groups the server accepts → their size in bits
    early_data: bool | None = None  # TLS 1.3 0-RTT accepted (None = not probed)
    anchor_public: bool | None = None  # the chain ends at a root of the system trust store
    starttls: str | None = None  # the STARTTLS protocol spoken before TLS (None = TLS from the start)
    application: str = "https"  # what runs over TLS ("https", "postgres", "redis", "smtp", "tls")
    mozilla_policy: str = ""
    mozilla_issues: dict[str, str] | None = None  # None = the checker could not run
    mozilla_error: str | None = None
    command_errors: dict[str, str] = field(default_factory=dict)
    scan_seconds: float = 0.0

    @property
    def leaf(self) -> CertInfo | None:
        return self.chain[0] if self.chain else None

    @property
    def where(self) -> str:
        """``host:port (address)`` for messages."""
        address = f" ({self.address})" if self.address else ""
        return f"{self.hostname}:{self.port}{address}"

    def summary(self) -> Mapping[str, Any]:
        """A JSON-able summary for the evidence attachment (no keys, no secrets: public data only).

        Built once per observation and read-only: each of a target's tls.* checks attaches it, and
        ``Evidence.json`` renders a read-only mapping once (rebuilding and rendering it per check
        was a tenth of a fleet gate's main thread)."""
        return self._summary

    @functools.cached_property
    def _summary(self) -> Mapping[str, Any]:
        data = asdict(self)
        data["suites"] = [f"{s.protocol} {s.name}" for s in self.suites]
        return MappingProxyType(data)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the TLS child sends observations) without the cached summary."""
        return {key: value for key, value in self.__dict__.items() if key != "_summary"}
