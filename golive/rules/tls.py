"""Pure rules over a ``TlsObservation``: one function per tls.* checklist id.

No sslyze, no network: every rule takes the typed observation (and the policy values it needs) and
returns a ``Verdict``. When the observation cannot support a judgement (the verifier refused a
weak certificate outright, a probe did not complete) a rule returns an *undecidable* verdict
(``details["undecidable"]``) that the check turns into a skip with the reason, never a failure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime

from golive.tls.model import LEGACY_PROTOCOLS, CertInfo, TlsObservation
from golive.verdict import Verdict, advisory, fail, not_applicable, ok

MAX_LISTED = 6


def undecidable(name: str, reason: str) -> Verdict:
    """A verdict that is neither pass nor fail: the check skips with ``reason``."""
    return Verdict(False, name, reason, score=0, details={"undecidable": True})


def is_undecidable(verdict: Verdict) -> bool:
    return bool(verdict.details.get("undecidable"))


def _and(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c" (the way a person lists things)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _listed(items: Sequence[str], limit: int = MAX_LISTED) -> list[str]:
    items = list(items)
    if len(items) <= limit:
        return items
    return [*items[:limit], f"{len(items) - limit} more"]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def no_certificate(obs: TlsObservation) -> str:
    """Why a certificate rule has nothing to judge (sslyze's certificate probe error, when it failed)."""
    error = obs.command_errors.get("certificate_info")
    return f"the certificate probe failed ({error})" if error else "no certificate was received"


def _non_anchor(chain: Sequence[CertInfo]) -> list[CertInfo]:
    """Served certificates a client validates (a served self-signed root is an anchor, not judged),
    except a self-signed leaf, which is all there is."""
    return [c for i, c in enumerate(chain) if i == 0 or not c.self_signed]


# --------------------------------------------------------------------------- certificate


def cert_trusted(obs: TlsObservation) -> Verdict:
    """tls.cert_trusted: the served chain verifies to the system store plus the target's ca_bundle."""
    name = "tls-cert-trusted"
    trust = obs.trust
    if trust is None or trust.trusted is None:
        reason = trust.undecidable if trust and trust.undecidable else "no path validation result"
        return undecidable(name, f"trust of the certificate cannot be judged: {reason}")
    if trust.trusted:
        return ok(name, f"certificate chain verifies to {trust.store or 'the trust store'}")
    return fail(
        name,
        f"certificate chain does not verify: {trust.error}",
        observed=trust.error,
        expected=f"a chain to {trust.store or 'the trust store'}",
        score=-40,
    )


def cert_validity(obs: TlsObservation, now: datetime | None = None) -> Verdict:
    """tls.cert_validity: every served certificate is inside its validity period now."""
    name = "tls-cert-validity"
    moment = _now(now)
    problems: list[str] = []
    for cert in _non_anchor(obs.chain):
        if moment > cert.not_after:
            days = (moment - cert.not_after).days
            problems.append(f"certificate '{cert.subject_cn}' expired on {cert.not_after.date()} ({days} days ago)")
        elif moment < cert.not_before:
            days = (cert.not_before - moment).days
            problems.append(
                f"certificate '{cert.subject_cn}' is not valid before {cert.not_before.date()} ({days} days from now)"
            )
    if not obs.chain:
        return undecidable(name, no_certificate(obs))
    if problems:
        return fail(name, "; ".join(problems), expected=f"valid at {moment.date()}", score=-40)
    leaf = obs.chain[0]
    return ok(name, f"certificate valid from {leaf.not_before.date()} to {leaf.not_after.date()}")


def days_remaining(cert: CertInfo, now: datetime | None = None) -> int:
    """Whole days until ``not_after`` (negative once expired)."""
    return int((cert.not_after - _now(now)).total_seconds() // 86400)


def cert_expiry_window(obs: TlsObservation, min_days: int, now: datetime | None = None) -> Verdict:
    """tls.cert_expiry_window: the leaf has at least ``min_days`` days left."""
    name = "tls-cert-expiry-window"
    leaf = obs.leaf
    if leaf is None:
        return undecidable(name, no_certificate(obs))
    days = days_remaining(leaf, now)
    when = leaf.not_after.date().isoformat()
    if days < 0:
        return fail(
            name,
            f"certificate expired {-days} days ago ({when}), policy wants ≥ {min_days}",
            observed=f"{days} days",
            expected=f"≥ {min_days} days",
            score=-30,
            days=days,
        )
    if days < min_days:
        return fail(
            name,
            f"certificate expires in {days} days ({when}), policy wants ≥ {min_days}",
            observed=f"{days} days",
            expected=f"≥ {min_days} days",
            score=-20,
            days=days,
        )
    return ok(name, f"certificate expires in {days} days ({when})", days=days)


def hostname_matches(pattern: str, hostname: str) -> bool:
    """RFC 6125 matching: case-insensitive, a wildcard only as the whole left-most label."""
    pattern, hostname = pattern.lower().rstrip("."), hostname.lower().rstrip(".")
    if pattern == hostname:
        return True
    if not pattern.startswith("*."):
        return False
    suffix = pattern[1:]
    head, dot, rest = hostname.partition(".")
    return bool(head) and bool(dot) and f".{rest}" == suffix and suffix.count(".") >= 2


def cert_hostname(obs: TlsObservation, hostname: str) -> Verdict:
    """tls.cert_hostname: the leaf's subjectAltName covers the target's hostname."""
    name = "tls-cert-hostname"
    leaf = obs.leaf
    if leaf is None:
        return undecidable(name, no_certificate(obs))
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        address = None
    if address is not None:
        covered = any(ipaddress.ip_address(a) == address for a in leaf.ip_addresses)
        names = leaf.ip_addresses
    else:
        covered = any(hostname_matches(p, hostname) for p in leaf.dns_names)
        names = leaf.dns_names
    if covered:
        return ok(name, f"certificate covers {hostname}")
    seen = _and(_listed(names)) if names else f"no subjectAltName (CN '{leaf.subject_cn}' is not used)"
    return fail(name, f"certificate covers {seen}, not {hostname}", observed=seen, expected=hostname, score=-40)


def cert_chain_complete(obs: TlsObservation) -> Verdict:
    """tls.cert_chain_complete: the served chain carries every intermediate, in order.

    Judged without fetching anything: the last served certificate's issuer must be served or be a
    root of the trust store. The failure names the missing issuer and the AIA caIssuers URL a
    client would have to chase (browsers do; curl, Python, Go and Java clients do not).
    """
    name = "tls-cert-chain-complete"
    status = obs.chain_status
    if status is None:
        return undecidable(name, "no certificate chain was received")
    problems: list[str] = []
    if status.complete is False:
        missing = " and ".join(f"'{m}'" for m in status.missing) or "an intermediate"
        word = "intermediates" if len(status.missing) > 1 else "intermediate"
        where = f" ({status.note})" if status.note else ""
        if status.aia_urls:
            fetch = (
                "a client must fetch it from its AIA caIssuers URL "
                + " or ".join(status.aia_urls)
                + ", which curl, Python, Go and Java clients do not do"
            )
        else:
            fetch = "the certificate names no AIA caIssuers URL, so no client can fetch it"
        problems.append(f"served chain lacks the {word} {missing}{where}: {fetch}")
    if status.valid_order is False:
        problems.append("served chain is not in order (leaf, then each issuer)")
    if problems:
        return fail(
            name,
            "; ".join(problems),
            observed=f"{len(obs.chain)} certificate(s) served",
            expected="leaf + every intermediate, in order (nginx: ssl_certificate fullchain.pem)",
            score=-20,
            aia=list(status.aia_urls),
        )
    if status.complete is None:
        return undecidable(name, f"completeness cannot be judged: {status.note}")
    return ok(name, "served chain is complete" + (f" ({status.note})" if status.note else ""))


def cert_key_strength(obs: TlsObservation, min_rsa_bits: int = 2048, min_ec_bits: int = 256) -> Verdict:
    """tls.cert_key_strength: RSA ≥ 2048, EC ≥ 256, no SHA-1/MD5 signature on a served certificate."""
    name = "tls-cert-key-strength"
    if not obs.chain:
        return undecidable(name, no_certificate(obs))
    problems: list[str] = []
    for cert in _non_anchor(obs.chain):
        if cert.key_type in ("RSA", "DSA") and cert.key_size < min_rsa_bits:
            problems.append(
                f"certificate '{cert.subject_cn}' has an {cert.key_type} {cert.key_size}-bit key "
                f"(policy wants ≥ {min_rsa_bits})"
            )
        elif cert.key_type == "EC" and cert.key_size < min_ec_bits:
            problems.append(
                f"certificate '{cert.subject_cn}' has an EC {cert.key_size}-bit key (policy wants ≥ {min_ec_bits})"
            )
        if cert.signature_hash in ("sha1", "md5", "md2") and not cert.self_signed:
            problems.append(f"certificate '{cert.subject_cn}' is signed with {cert.signature_hash.upper()}")
    if problems:
        return fail(name, "; ".join(problems), score=-30)
    leaf = obs.chain[0]
    return ok(name, f"{leaf.key_type} {leaf.key_size}-bit key, {leaf.signature_hash or 'intrinsic'} signature")


# --------------------------------------------------------------------------- protocol


def protocols(obs: TlsObservation, require_tls13: bool = False, require_tls12: bool = True) -> Verdict:
    """tls.protocols: no SSLv2/SSLv3/TLS 1.0/TLS 1.1; TLS 1.2 offered; TLS 1.3 when required."""
    name = "tls-protocols"
    accepted = [p for p, yes in obs.protocols.items() if yes]
    legacy = [p for p in LEGACY_PROTOCOLS if obs.protocols.get(p)]
    problems: list[str] = []
    if legacy:
        problems.append(f"{_and(legacy)} accepted")
    if require_tls12 and obs.protocols.get("TLS 1.2") is False:
        problems.append("TLS 1.2 not offered")
    if require_tls13 and obs.protocols.get("TLS 1.3") is False:
        problems.append("TLS 1.3 not offered, policy requires it")
    unknown = [p for p in ("TLS 1.2", "TLS 1.3", *LEGACY_PROTOCOLS) if obs.protocols.get(p) is None]
    wanted = [
        p for p in ("TLS 1.2", "TLS 1.3") if (p == "TLS 1.2" and require_tls12) or (p == "TLS 1.3" and require_tls13)
    ]
    expected = f"only TLS 1.2/1.3{'; ' + ' and '.join(wanted) + ' required' if wanted else ''}"
    if problems:
        return fail(name, "; ".join(problems), observed=_and(accepted) or "none", expected=expected, score=-30)
    if unknown:
        return undecidable(name, f"protocol probes did not complete for {_and(unknown)}")
    return ok(name, f"protocols: {_and(accepted)}")


WEAK_MARKERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("_RC4_",), "RC4, a broken stream cipher (RFC 7465 forbids it)"),
    (("_3DES_", "_DES_192_EDE3"), "3DES, a 64-bit block cipher (SWEET32)"),
    (("_DES_CBC", "_DES40_", "_DES_64"), "DES, a 56-bit key and 64-bit blocks (SWEET32)"),
    (("_IDEA_",), "IDEA, a 64-bit block cipher (SWEET32)"),
    (("_RC2_",), "RC2, an export-era cipher"),
    (("_NULL_", "WITH_NULL"), "no encryption (NULL)"),
    (("_EXPORT",), "EXPORT-grade keys (FREAK, Logjam)"),
    (("_ANON_",), "no authentication (anonymous: anyone can impersonate the server)"),
    (("_MD5",), "an MD5 MAC"),
)
"""Substrings of IANA (and SSLv2) suite names → what is wrong, with the attack's name."""
CBC_FINDING = "uses CBC mode (padding-oracle timing attacks, LUCKY13)"


def suite_problems(suite_name: str, protocol: str, allow_cbc: bool = False) -> list[str]:
    """What is wrong with one suite (IANA name); empty when it is acceptable. CBC is listed last
    and only when it is not allowed: alone, it is an advisory finding (see ``ciphers``)."""
    if protocol == "TLS 1.3":
        return []  # TLS 1.3 suites are all AEAD with ephemeral key exchange
    problems: list[str] = []
    upper = suite_name.upper()
    anonymous = "_ANON_" in upper
    if "_ECDHE_" not in upper and "_DHE_" not in upper and not anonymous:
        problems.append("has no forward secrecy")
    for markers, label in WEAK_MARKERS:
        if any(m in upper for m in markers) and f"uses {label}" not in problems:
            problems.append(f"uses {label}")
    if "_CBC" in upper and not allow_cbc and not any("64-bit" in p or "DES" in p for p in problems):
        problems.append(CBC_FINDING)
    return problems


def ciphers(obs: TlsObservation, allow_cbc: bool = False) -> Verdict:
    """tls.ciphers: every accepted suite has forward secrecy and authentication, and is not RC4,
    3DES/DES/IDEA (SWEET32), NULL, EXPORT or MD5. CBC suites below TLS 1.3 with forward secrecy
    are an advisory finding (LUCKY13 exposure; Mozilla intermediate and testssl.sh flag them, SSL
    Labs calls them weak), accepted quietly with ``checks.tls.allow_cbc``."""
    name = "tls-ciphers"
    if not obs.suites and not any(obs.protocols.values()):
        return undecidable(name, "no cipher suite results")
    bad: dict[str, list[str]] = {}
    cbc_only: dict[str, str] = {}
    for suite in obs.suites:
        problems = suite_problems(suite.name, suite.protocol, allow_cbc)
        if problems == [CBC_FINDING]:
            cbc_only.setdefault(suite.name, suite.protocol)
        elif problems and suite.name not in bad:
            bad[suite.name] = problems
    if bad:
        parts = [f"suite {s} {_and(p)}" for s, p in bad.items()]
        reason = "; ".join(_listed(parts))
        return fail(
            name,
            reason,
            observed=f"{len(bad)} weak suite(s)",
            expected="ECDHE/DHE AEAD suites only" + ("" if not allow_cbc else " (CBC allowed)"),
            score=-20,
            weak=sorted(bad),
        )
    count = len({s.name for s in obs.suites})
    if cbc_only:
        listed = _and(_listed([f"{s} ({p})" for s, p in cbc_only.items()]))
        return advisory(
            name,
            f"CBC suites accepted: {listed}; CBC is exposed to padding-oracle timing attacks (LUCKY13): prefer "
            "AEAD suites (AES-GCM, ChaCha20-Poly1305), or accept CBC with checks.tls.allow_cbc",
            observed=f"{len(cbc_only)} CBC suite(s) of {count}",
            expected="AEAD suites only",
            cbc=sorted(cbc_only),
        )
    return ok(
        name,
        f"{count} accepted suites, all with forward secrecy and AEAD"
        if not allow_cbc
        else f"{count} accepted suites, all with forward secrecy (CBC allowed by checks.tls.allow_cbc)",
    )


ROBOT_VULNERABLE = {
    "VULNERABLE_WEAK_ORACLE": "ROBOT (weak oracle)",
    "VULNERABLE_STRONG_ORACLE": "ROBOT (strong oracle)",
}


def vulnerabilities(obs: TlsObservation) -> Verdict:
    """tls.vulnerabilities: Heartbleed, ROBOT, CCS injection, insecure or client-initiated
    renegotiation, TLS compression."""
    name = "tls-vulnerabilities"
    vulns = obs.vulnerabilities
    if vulns is None:
        return undecidable(name, "vulnerability probes did not run")
    found: list[str] = []
    incomplete: list[str] = []
    checks = (
        ("Heartbleed", vulns.heartbleed, True),
        ("OpenSSL CCS injection (CVE-2014-0224)", vulns.ccs_injection, True),
        ("insecure renegotiation (no RFC 5746 secure renegotiation)", vulns.secure_renegotiation, False),
        ("client-initiated renegotiation accepted (DoS)", vulns.client_renegotiation_dos, True),
        ("TLS compression enabled (CRIME)", vulns.compression, True),
        (
            "no TLS_FALLBACK_SCSV (a network attacker can force a downgrade to an older protocol version)",
            vulns.fallback_scsv,
            False,
        ),
    )
    for label, value, bad_value in checks:
        if value is None:
            incomplete.append(label.split(" (")[0])
        elif value == bad_value:
            found.append(label)
    if vulns.robot is None:
        incomplete.append("ROBOT")
    elif vulns.robot in ROBOT_VULNERABLE:
        found.append(ROBOT_VULNERABLE[vulns.robot])
    if found:
        return fail(
            name,
            f"vulnerable: {_and(found)}",
            expected="none of Heartbleed, ROBOT, CCS injection, insecure/client renegotiation, compression, "
            "missing fallback SCSV",
            score=-50,
        )
    if incomplete:
        return undecidable(name, f"probes did not complete: {_and(incomplete)}")
    return ok(
        name,
        "not vulnerable to Heartbleed, ROBOT, CCS injection, insecure or client-initiated renegotiation, "
        "compression (CRIME); downgrades refused (TLS_FALLBACK_SCSV)",
    )


def http2(obs: TlsObservation) -> Verdict:
    """tls.http2: ALPN offers h2."""
    name = "tls-http2"
    if obs.alpn is None:
        return fail(name, f"ALPN probe failed: {obs.alpn_error or 'no answer'}", expected="h2 via ALPN", score=-5)
    if "h2" in obs.alpn:
        return ok(name, "ALPN offers h2")
    chosen = _and(obs.alpn) if obs.alpn else "no ALPN protocol"
    return fail(name, f"ALPN does not offer h2 (server chose {chosen})", observed=chosen, expected="h2", score=-5)


def mozilla_compliance(obs: TlsObservation) -> Verdict:
    """tls.mozilla_compliance: sslyze's Mozilla checker found no issue for the configured policy."""
    name = "tls-mozilla-compliance"
    policy = obs.mozilla_policy or "the policy"
    if obs.mozilla_issues is None:
        return undecidable(name, f"Mozilla {policy} check could not run: {obs.mozilla_error or 'scan incomplete'}")
    if not obs.mozilla_issues:
        return ok(name, f"compliant with Mozilla {policy}")
    issues = [f"{key}: {value}" for key, value in sorted(obs.mozilla_issues.items())]
    return fail(
        name,
        f"not compliant with Mozilla {policy}: {'; '.join(issues)}",
        observed=f"{len(issues)} issue(s)",
        expected=f"Mozilla {policy} configuration",
        score=-10,
        issues=sorted(obs.mozilla_issues),
    )


def ocsp_stapling(obs: TlsObservation, required: bool = False, now: datetime | None = None) -> Verdict:
    """tls.ocsp_stapling: a certificate that names an OCSP responder comes with a stapled response
    that a client accepts: about this certificate, signed by its issuer (or a delegated responder),
    current, and "good".

    Never reads "passed" when nothing is stapled: no responder named → not applicable (there is
    nothing to staple); a responder named → an advisory finding, a failure when ``required``
    (``checks.tls.require_ocsp_stapling``) or when the certificate demands it (must-staple).
    """
    name = "tls-ocsp-stapling"
    leaf = obs.leaf
    error = obs.command_errors.get("certificate_info", "")
    if leaf is None and "OCSP" in error:  # sslyze gives up on the whole certificate when it cannot verify one
        return fail(
            name,
            f"the stapled OCSP response cannot be verified ({error.split(': ', 1)[-1]}): no client accepts it",
            observed="stapled, unverifiable",
            expected="a current, good response signed by the issuer",
            score=-20,
        )
    if leaf is None:
        return undecidable(name, no_certificate(obs))
    staple = obs.ocsp
    if staple is None:
        if obs.must_staple:
            return fail(
                name,
                "no OCSP response stapled, but the certificate is must-staple (TLS feature status_request): "
                "clients that honour it refuse the connection",
                expected="a stapled, good OCSP response",
                score=-20,
            )
        if not leaf.ocsp_urls:
            return not_applicable(
                name, "the certificate names no OCSP responder: there is no OCSP response to staple", "no responder"
            )
        responder = leaf.ocsp_urls[0]
        if required:
            return fail(
                name,
                f"no OCSP response stapled although the certificate names responder {responder} "
                "(checks.tls.require_ocsp_stapling)",
                expected="a stapled OCSP response",
                score=-5,
            )
        return advisory(
            name,
            f"no OCSP response stapled although the certificate names responder {responder}: clients ask it "
            "themselves (slower, and the CA learns who visits) or skip the revocation check; nginx: ssl_stapling on",
            observed="not stapled",
            expected="a stapled OCSP response",
        )
    moment = _now(now)
    problems: list[str] = []
    if staple.status != "GOOD":
        problems.append(
            f"the stapled response says the certificate is {staple.status}"
            if staple.status in ("REVOKED", "UNKNOWN")
            else f"the stapled response is not usable ({staple.status})"
        )
    if staple.about_leaf is False:
        problems.append("the stapled response is about another certificate (serial or issuer differs)")
    if staple.signature != "valid":
        problems.append(f"the stapled response is {staple.signature}")
    if staple.next_update is not None and moment > staple.next_update:
        problems.append(f"the stapled response expired on {staple.next_update:%Y-%m-%d %H:%M} UTC (nextUpdate)")
    if staple.this_update is not None and moment < staple.this_update:
        problems.append(f"the stapled response is not valid before {staple.this_update:%Y-%m-%d %H:%M} UTC")
    if problems:
        return fail(
            name,
            "; ".join(problems),
            observed=f"stapled: {staple.status}",
            expected="a current, good response signed by the issuer",
            score=-20,
        )
    until = f", valid until {staple.next_update:%Y-%m-%d %H:%M} UTC" if staple.next_update else ""
    return ok(name, f"OCSP response stapled: good, signed by '{staple.responder}'{until}")


# --------------------------------------------------------------------------- key exchange, 0-RTT, CT


def key_exchange(obs: TlsObservation, min_dh_bits: int = 2048, min_ecdh_bits: int = 224) -> Verdict:
    """tls.key_exchange: ephemeral DH groups of at least ``min_dh_bits`` (Logjam: 1024-bit groups are
    within a nation state's reach, 512-bit ones anyone's) and ECDH curves of at least
    ``min_ecdh_bits`` (X25519 counts as 256), both in the handshakes of every accepted suite and in
    the curves the server accepts when offered one at a time."""
    name = "tls-key-exchange"
    kx = [s for s in obs.suites if s.key_exchange and s.group_bits]
    if not kx and obs.curves is None:
        return undecidable(name, "no key exchange was observed")
    problems: list[str] = []
    dh = {s.group_bits for s in kx if s.key_exchange == "DH" and s.group_bits}
    for bits in sorted(dh):
        if bits < min_dh_bits:
            suites = _and(_listed(sorted({s.name for s in kx if s.key_exchange == "DH" and s.group_bits == bits}), 3))
            attack = "Logjam: breakable by anyone" if bits <= 512 else "Logjam: precomputable by a well-funded attacker"
            problems.append(
                f"DHE group of {bits} bits ({attack}), with {suites} (policy wants ≥ {min_dh_bits}: ffdhe2048, "
                "or ECDHE only)"
            )
    weak_curves: dict[str, int] = {}
    for s in kx:
        if s.key_exchange == "ECDH" and s.group and s.group_bits and s.group_bits < min_ecdh_bits:
            weak_curves[s.group] = s.group_bits
    for curve, bits in (obs.curves or {}).items():
        if bits and bits < min_ecdh_bits:
            weak_curves[curve] = bits
    if weak_curves:
        listed = _and([f"{c} ({b} bits)" for c, b in sorted(weak_curves.items(), key=lambda x: x[1])])
        problems.append(f"ECDH curve(s) {listed} accepted (policy wants ≥ {min_ecdh_bits} bits)")
    curves = sorted({s.group for s in kx if s.key_exchange == "ECDH" and s.group} | set(obs.curves or {}))
    seen = []
    if curves:
        seen.append(f"ECDHE curves {_and(_listed(curves))}")
    if dh:
        seen.append(f"DHE groups of {_and([str(b) for b in sorted(dh)])} bits")
    observed = "; ".join(seen) or "no ephemeral key exchange"
    if problems:
        return fail(
            name,
            "; ".join(problems),
            observed=observed,
            expected=f"DHE ≥ {min_dh_bits} bits, ECDHE curves ≥ {min_ecdh_bits} bits",
            score=-20,
        )
    return ok(name, f"key exchange: {observed}")


def early_data(obs: TlsObservation, mode: str = "advisory") -> Verdict:
    """tls.early_data: TLS 1.3 0-RTT early data, which a network attacker can replay.

    ``mode`` (``checks.tls.early_data``): ``advisory`` (default: a finding; SSL Labs and testssl.sh
    report it, neither fails it), ``fail``, or ``accept`` (the application refuses replayable early
    requests, e.g. answers 425 Too Early to non-idempotent ones).
    """
    name = "tls-early-data"
    if obs.application != "https":
        return not_applicable(name, f"the 0-RTT probe speaks HTTP; {obs.application} endpoints are not probed")
    if obs.early_data is None:
        if obs.protocols.get("TLS 1.3") is False:
            return not_applicable(name, "TLS 1.3 is not offered, so there is no 0-RTT early data")
        return undecidable(name, "the early-data probe did not run")
    if not obs.early_data:
        return ok(name, "TLS 1.3 early data (0-RTT) not accepted")
    reason = (
        "TLS 1.3 early data (0-RTT) accepted: requests sent in early data can be replayed by a network "
        "attacker; make the application refuse non-idempotent early requests (nginx: proxy_set_header "
        "Early-Data $ssl_early_data, the application answers 425) or turn it off (ssl_early_data off)"
    )
    if mode == "accept":
        return ok(name, "TLS 1.3 early data (0-RTT) accepted (checks.tls.early_data: accept)")
    if mode == "fail":
        return fail(name, reason + " (checks.tls.early_data: fail)", observed="0-RTT accepted", expected="0-RTT off")
    return advisory(name, reason, observed="0-RTT accepted", expected="0-RTT off, or replay-safe")


def certificate_transparency(obs: TlsObservation) -> Verdict:
    """tls.certificate_transparency (advisory): a publicly trusted leaf carries embedded SCTs.

    Chrome and Safari refuse publicly trusted certificates without Certificate Transparency. A
    chain that ends at a private root (not in the system trust store) is not applicable: CT logs
    do not take such certificates and no client asks for them. SCTs delivered in the TLS extension
    or the OCSP response are not read by the scan, hence advisory.
    """
    name = "tls-certificate-transparency"
    leaf = obs.leaf
    if leaf is None:
        return undecidable(name, no_certificate(obs))
    if leaf.sct_count is None:
        return undecidable(name, "the certificate's SCT list could not be read")
    if leaf.sct_count > 0:
        return ok(name, f"the certificate carries {leaf.sct_count} embedded SCT(s) (Certificate Transparency)")
    if obs.anchor_public is not True:
        return not_applicable(
            name,
            "the chain ends at a private root (not in the system trust store): CT logs do not accept its "
            "certificates and no client requires CT for them",
            "private CA",
        )
    return advisory(
        name,
        "the certificate carries no embedded SCT: Chrome and Safari refuse publicly trusted certificates without "
        "Certificate Transparency (SCTs sent in the TLS extension or the OCSP response are not read by this scan)",
        observed="0 SCTs",
        expected="≥ 2 embedded SCTs",
    )
