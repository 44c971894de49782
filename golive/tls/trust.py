"""Trust and chain completeness of a served chain, with sslyze's ``TrustStore`` (cryptography's
verifier) against the system store plus the target's ``ca_bundle``.

sslyze validates with the hostname and the current time, so one failure mixes "untrusted",
"expired" and "wrong host". golive keeps those apart (three checklist items): trust is validated
at a moment inside the leaf's validity and for a name the leaf carries, after completing the chain
from AIA caIssuers (a missing intermediate is tls.cert_chain_complete's finding, not this one's).
"""

from __future__ import annotations

import functools
import hashlib
import re
import ssl
import tempfile
import urllib.request
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from golive.tls.model import ChainStatus, Trust

SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
)
STORE_LABEL = "the system trust store"
_REFUSED = re.compile(r"forbidden (signature|public key) algorithm|key too (small|weak)|unsupported", re.I)

Fetch = Callable[[str], bytes | None]


def system_bundle() -> Path | None:
    """The system's CA bundle file (what curl/OpenSSL trust on this machine)."""
    cafile = ssl.get_default_verify_paths().cafile
    for candidate in (cafile, *SYSTEM_BUNDLES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def combined_store(ca_bundles: Sequence[Path], directory: Path | None = None) -> Path:
    """One PEM file = system bundle + every extra bundle; content-addressed, so reused across calls."""
    parts: list[bytes] = []
    system = system_bundle()
    if system is not None:
        parts.append(system.read_bytes())
    for bundle in ca_bundles:
        parts.append(Path(bundle).read_bytes())
    data = b"\n".join(parts)
    directory = directory or Path(tempfile.gettempdir()) / "golive-tls"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"store-{hashlib.sha256(data).hexdigest()[:16]}.pem"
    if not path.exists():
        tmp = path.with_suffix(f".{id(data)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def store_label(ca_bundles: Sequence[Path]) -> str:
    return STORE_LABEL + (" + ca_bundle" if ca_bundles else "")


def cn_of(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def aia_issuer_urls(cert: x509.Certificate) -> list[str]:
    try:
        aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in aia  # type: ignore[attr-defined]
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


def http_fetcher(timeout: float) -> Fetch:
    """An AIA fetcher: plain GET of http(s) URLs, bounded by ``timeout``; None on any failure."""

    def fetch(url: str) -> bytes | None:
        if not url.startswith(("http://", "https://")):
            return None
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.read(1_000_000)
        except (OSError, ValueError):
            return None

    return fetch


def _parse_cert(data: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        pass
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        return None


@functools.lru_cache(maxsize=32)
def _anchors_by_subject(store: Path) -> dict[x509.Name, list[x509.Certificate]]:
    """The store's certificates by subject (cached: one parse per store file per process)."""
    found: dict[x509.Name, list[x509.Certificate]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some system roots have non-positive serials; not our finding
        certs = x509.load_pem_x509_certificates(store.read_bytes())
    for cert in certs:
        found.setdefault(cert.subject, []).append(cert)
    return found


def anchors_named(store: Path, name: x509.Name) -> list[x509.Certificate]:
    """The certificates of ``store`` whose subject is ``name`` (a leaf's issuer, say)."""
    return list(_anchors_by_subject(store).get(name, []))


def chain_status(
    served: Sequence[x509.Certificate],
    store: Path,
    fetch: Fetch,
    valid_order: bool | None = True,
    max_depth: int = 4,
) -> tuple[ChainStatus, list[x509.Certificate]]:
    """Does the served chain reach a root without the client fetching anything?

    The verdict needs no fetch: a served chain whose last certificate's issuer is neither served
    nor in the trust store is incomplete for every client that does not chase AIA URLs (curl,
    Python, Go, Java). The AIA caIssuers URL is still tried (bounded by the timeout) for two things
    only: to tell a missing intermediate from a root the client lacks (a trust question), and to
    hand the intermediates to trust validation, so that one missing intermediate is not also
    reported as untrusted. Returns the status and the intermediates fetched that way.
    """
    if not served:
        return ChainStatus(None, note="no certificate received"), []
    known = _anchors_by_subject(store)
    fetched: list[x509.Certificate] = []
    last = served[-1]
    first_gap: tuple[str, str, tuple[str, ...]] | None = None
    for _ in range(max_depth):
        if is_self_signed(last):
            break
        in_store = known.get(last.issuer, [])
        if any(is_self_signed(c) for c in in_store):
            break  # the next one up is a root the client has: the chain is complete
        issuer = next(iter(in_store), None)
        if issuer is not None:  # an intermediate the client happens to have: it still needs no fetch
            last = issuer
            continue
        urls = tuple(aia_issuer_urls(last))
        if first_gap is None:
            first_gap = (cn_of(last.subject), cn_of(last.issuer), urls)
        for url in urls:
            data = fetch(url)
            issuer = _parse_cert(data) if data else None
            if issuer is not None:
                break
        if issuer is None or is_self_signed(issuer):
            if issuer is not None and not fetched:
                first_gap = None  # the missing one is a root: complete chain, untrusted root
            break
        fetched.append(issuer)
        last = issuer
    if first_gap is None:
        return ChainStatus(True, valid_order=valid_order), fetched
    subject, issuer_cn, urls = first_gap
    missing = tuple(cn_of(c.subject) for c in fetched) or (issuer_cn,)
    return (
        ChainStatus(
            False,
            missing,
            valid_order,
            note=f"'{subject}' is issued by '{issuer_cn}', which is neither served nor in the trust store",
            aia_urls=urls,
            fetched=bool(fetched),
        ),
        fetched,
    )


def anchor_in(
    store: Path | None, served: Sequence[x509.Certificate], fetched: Sequence[x509.Certificate]
) -> bool | None:
    """Whether the chain (served + fetched) ends at a root of ``store`` (None: no store, no chain)."""
    if store is None or not served:
        return None
    top = fetched[-1] if fetched else served[-1]
    anchors = _anchors_by_subject(store)
    if is_self_signed(top):
        return top.subject in anchors
    return top.issuer in anchors


def validation_subject(leaf: x509.Certificate, hostname: str) -> x509.GeneralName:
    """A name the leaf carries (so hostname mismatch stays tls.cert_hostname's finding)."""
    try:
        san = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        names = san.get_values_for_type(x509.DNSName)  # type: ignore[attr-defined]
        if names:
            return x509.DNSName(names[0].replace("*.", "wildcard.", 1))
    except x509.ExtensionNotFound:
        pass
    return x509.DNSName(hostname)


def validation_time(chain: Sequence[x509.Certificate], now: datetime | None = None) -> datetime:
    """Now, or the nearest moment at which every certificate of ``chain`` is valid (expiry is
    tls.cert_validity's finding, not a trust one)."""
    now = now or datetime.now(UTC)
    start = max(c.not_valid_before_utc for c in chain)
    end = min(c.not_valid_after_utc for c in chain)
    if start >= end:  # no common moment: judge at the leaf's own validity
        start, end = chain[0].not_valid_before_utc, chain[0].not_valid_after_utc
    margin = min(timedelta(minutes=1), (end - start) / 2)
    if now < start:
        return start + margin
    if now > end:
        return end - margin
    return now


@functools.lru_cache(maxsize=32)
def _trust_store(store: Path) -> Any:
    from sslyze import TrustStore

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TrustStore(store, "golive", "")


def evaluate_trust(
    served: Sequence[x509.Certificate],
    fetched: Sequence[x509.Certificate],
    hostname: str,
    store: Path,
    label: str,
) -> Trust:
    """Validate the served chain (+ fetched intermediates) with sslyze's TrustStore."""
    if not served:
        return Trust(None, undecidable="no certificate received", store=label)
    leaf = served[0]
    pems = [c.public_bytes(Encoding.PEM).decode("ascii") for c in (*served, *fetched)]
    trust_store = _trust_store(store)
    result = trust_store.verify_certificate_chain(
        pems, validation_subject(leaf, hostname), validation_time([*served, *fetched])
    )
    if result.was_validation_successful:
        return Trust(True, store=label)
    error = result.validation_error or "validation failed"
    if _REFUSED.search(error):
        return Trust(
            None,
            error,
            undecidable=f"the verifier refuses the chain outright ({_short(error)}); see tls.cert_key_strength",
            store=label,
        )
    anchors = _anchors_by_subject(store)
    if is_self_signed(leaf) and len(served) == 1:
        if leaf.subject in anchors:
            return Trust(False, f"self-signed certificate '{cn_of(leaf.subject)}' ({_short(error)})", store=label)
        return Trust(False, f"self-signed certificate '{cn_of(leaf.subject)}' is not in {label}", store=label)
    top = list(fetched)[-1] if fetched else served[-1]
    if not is_self_signed(top) and top.issuer not in anchors:
        return Trust(
            False,
            f"untrusted root: the chain ends at '{cn_of(top.subject)}', issued by "
            f"'{cn_of(top.issuer)}', which is not in {label}",
            store=label,
        )
    return Trust(False, _short(error), store=label)


def _short(error: str) -> str:
    """cryptography's messages carry Rust/Python reprs; keep the sentence, name the algorithm."""
    error = re.sub(r"\s*\(encountered processing <Certificate.*$", "", error).strip()
    match = re.search(r"Forbidden (signature|public key) algorithm.*?oid: ([0-9.]+)", error)
    if match:
        oid = x509.ObjectIdentifier(match.group(2))
        label = getattr(oid, "_name", "") or match.group(2)
        return f"forbidden {match.group(1)} algorithm {label}"
    return error
