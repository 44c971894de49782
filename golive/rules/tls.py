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
from golive.verdict import Verdict, fail, ok

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
            problems.append(
                f"certificate '{cert.subject_cn}' expired on {cert.not_after.date()} ({days} days ago)"
            )
        elif moment < cert.not_before:
            days = (cert.not_before - moment).days
            problems.append(
                f"certificate '{cert.subject_cn}' is not valid before {cert.not_before.date()} "
                f"({days} days from now)"
            )
    if not obs.chain:
        return undecidable(name, "no certificate was received")
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
        return undecidable(name, "no certificate was received")
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
        return undecidable(name, "no certificate was received")
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
    return fail(
        name, f"certificate covers {seen}, not {hostname}", observed=seen, expected=hostname, score=-40
    )


def cert_chain_complete(obs: TlsObservation) -> Verdict:
    """tls.cert_chain_complete: the served chain carries every intermediate, in order."""
    name = "tls-cert-chain-complete"
    status = obs.chain_status
    if status is None:
        return undecidable(name, "no certificate chain was received")
    problems: list[str] = []
    if status.complete is False:
        missing = " and ".join(f"'{m}'" for m in status.missing) or "an intermediate"
        word = "intermediates" if len(status.missing) > 1 else "intermediate"
        problems.append(f"served chain lacks the {word} {missing}")
    if status.valid_order is False:
        problems.append("served chain is not in order (leaf, then each issuer)")
    if problems:
        return fail(name, "; ".join(problems), expected="leaf + every intermediate, in order", score=-20)
    if status.complete is None:
        return undecidable(name, f"completeness cannot be judged: {status.note}")
    return ok(name, "served chain is complete" + (f" ({status.note})" if status.note else ""))


def cert_key_strength(obs: TlsObservation, min_rsa_bits: int = 2048, min_ec_bits: int = 256) -> Verdict:
    """tls.cert_key_strength: RSA ≥ 2048, EC ≥ 256, no SHA-1/MD5 signature on a served certificate."""
    name = "tls-cert-key-strength"
    if not obs.chain:
        return undecidable(name, "no certificate was received")
    problems: list[str] = []
    for cert in _non_anchor(obs.chain):
        if cert.key_type in ("RSA", "DSA") and cert.key_size < min_rsa_bits:
            problems.append(
                f"certificate '{cert.subject_cn}' has an {cert.key_type} {cert.key_size}-bit key "
                f"(policy wants ≥ {min_rsa_bits})"
            )
        elif cert.key_type == "EC" and cert.key_size < min_ec_bits:
            problems.append(
                f"certificate '{cert.subject_cn}' has an EC {cert.key_size}-bit key "
                f"(policy wants ≥ {min_ec_bits})"
            )
        if cert.signature_hash in ("sha1", "md5", "md2") and not cert.self_signed:
            problems.append(f"certificate '{cert.subject_cn}' is signed with {cert.signature_hash.upper()}")
    if problems:
        return fail(name, "; ".join(problems), score=-30)
    leaf = obs.chain[0]
    return ok(
        name, f"{leaf.key_type} {leaf.key_size}-bit key, {leaf.signature_hash or 'intrinsic'} signature"
    )


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
        p
        for p in ("TLS 1.2", "TLS 1.3")
        if (p == "TLS 1.2" and require_tls12) or (p == "TLS 1.3" and require_tls13)
    ]
    expected = f"only TLS 1.2/1.3{'; ' + ' and '.join(wanted) + ' required' if wanted else ''}"
    if problems:
        return fail(
            name, "; ".join(problems), observed=_and(accepted) or "none", expected=expected, score=-30
        )
    if unknown:
        return undecidable(name, f"protocol probes did not complete for {_and(unknown)}")
    return ok(name, f"protocols: {_and(accepted)}")


WEAK_MARKERS = {
    "_RC4_": "RC4",
    "_3DES_": "3DES",
    "_DES_": "DES",
    "_NULL_": "no encryption",
    "WITH_NULL": "no encryption",
    "_EXPORT": "EXPORT strength",
    "_anon_": "no authentication",
    "_MD5": "MD5",
    "_IDEA_": "IDEA",
    "_RC2_": "RC2",
}


def suite_problems(suite_name: str, protocol: str, allow_cbc: bool = False) -> list[str]:
    """What is wrong with one suite (IANA name); empty when it is acceptable."""
    if protocol == "TLS 1.3":
        return []  # TLS 1.3 suites are all AEAD with ephemeral key exchange
    problems: list[str] = []
    upper = suite_name.upper()
    if "_ECDHE_" not in upper and "_DHE_" not in upper:
        problems.append("has no forward secrecy")
    for marker, label in WEAK_MARKERS.items():
        if marker.upper() in upper and f"uses {label}" not in problems:
            problems.append(f"uses {label}")
    if "_CBC_" in upper and not allow_cbc:
        problems.append("uses CBC mode")
    return problems


def ciphers(obs: TlsObservation, allow_cbc: bool = False) -> Verdict:
    """tls.ciphers: every accepted suite has forward secrecy, is not RC4/3DES/NULL/EXPORT/anon, and
    not CBC unless the policy allows it."""
    name = "tls-ciphers"
    if not obs.suites and not any(obs.protocols.values()):
        return undecidable(name, "no cipher suite results")
    bad: dict[str, list[str]] = {}
    for suite in obs.suites:
        problems = suite_problems(suite.name, suite.protocol, allow_cbc)
        if problems and suite.name not in bad:
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
    return ok(
        name,
        f"{len({s.name for s in obs.suites})} accepted suites, all with forward secrecy and AEAD"
        if not allow_cbc
        else f"{len(obs.suites)} accepted suites, all with forward secrecy",
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
            expected="none of Heartbleed, ROBOT, CCS injection, insecure/client renegotiation, compression",
            score=-50,
        )
    if incomplete:
        return undecidable(name, f"probes did not complete: {_and(incomplete)}")
    return ok(
        name, "not vulnerable to Heartbleed, ROBOT, CCS injection, insecure renegotiation or compression"
    )


def http2(obs: TlsObservation) -> Verdict:
    """tls.http2: ALPN offers h2."""
    name = "tls-http2"
    if obs.alpn is None:
        return fail(
            name, f"ALPN probe failed: {obs.alpn_error or 'no answer'}", expected="h2 via ALPN", score=-5
        )
    if "h2" in obs.alpn:
        return ok(name, "ALPN offers h2")
    chosen = _and(obs.alpn) if obs.alpn else "no ALPN protocol"
    return fail(
        name, f"ALPN does not offer h2 (server chose {chosen})", observed=chosen, expected="h2", score=-5
    )


def mozilla_compliance(obs: TlsObservation) -> Verdict:
    """tls.mozilla_compliance: sslyze's Mozilla checker found no issue for the configured policy."""
    name = "tls-mozilla-compliance"
    policy = obs.mozilla_policy or "the policy"
    if obs.mozilla_issues is None:
        return undecidable(
            name, f"Mozilla {policy} check could not run: {obs.mozilla_error or 'scan incomplete'}"
        )
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


def ocsp_stapling(obs: TlsObservation) -> Verdict:
    """tls.ocsp_stapling (advisory): a certificate that names an OCSP responder gets a stapled,
    "good" response (must-staple makes it mandatory)."""
    name = "tls-ocsp-stapling"
    leaf = obs.leaf
    if leaf is None:
        return undecidable(name, "no certificate was received")
    if obs.ocsp_stapled:
        if obs.ocsp_status == "GOOD":
            return ok(name, "OCSP response stapled (status good)")
        return fail(
            name,
            f"stapled OCSP response says {obs.ocsp_status or 'nothing usable'}",
            observed=obs.ocsp_status,
            expected="GOOD",
            score=-20,
        )
    if not leaf.ocsp_urls and not obs.must_staple:
        return ok(name, "certificate names no OCSP responder; nothing to staple")
    what = (
        "must-staple certificate" if obs.must_staple else f"certificate names responder {leaf.ocsp_urls[0]}"
    )
    return fail(name, f"no OCSP response stapled ({what})", expected="a stapled OCSP response", score=-5)
