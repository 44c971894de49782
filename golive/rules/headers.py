"""Pure rules for HTTP security headers: raw header pairs in, ``Verdict`` out (no network).

Modelled on MDN's HTTP Observatory: every rule returns a machine name, a pass flag, a score
modifier (used by ``golive.rules.grade``) and the observed/expected values, so failure messages
read the same across headers. Header values come from the wire as they are: empty, duplicated,
oversized or non-ASCII values must produce a verdict, never an exception, because a broken header
is exactly what an audit is for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from golive.rules import csp as csp_rules
from golive.verdict import Verdict, advisory, combine, fail, ok

Pairs = Sequence[tuple[str, str]]
SHOWN = 160
"""Characters of a header value shown in a message; longer values are cut (oversized headers)."""


def values(headers: Pairs, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), in wire order."""
    lower = name.lower()
    return [v for k, v in headers if k.lower() == lower]


def shown(value: str | None) -> str:
    """A header value as a message shows it: stripped, cut when oversized, ``(absent)``/``(empty)``."""
    if value is None:
        return "(absent)"
    text = value.strip()
    if not text:
        return "(empty)"
    if len(text) > SHOWN:
        return text[:SHOWN] + f"… ({len(text)} chars)"
    return text


def _joined(found: list[str]) -> str | None:
    return ", ".join(found) if found else None


def _worst(parts: Sequence[Verdict]) -> int:
    """One modifier per rule, like the Observatory: the worst part counts, not the sum of parts."""
    return min((p.score for p in parts), default=0)


def _scored(verdict: Verdict, score: int) -> Verdict:
    return Verdict(
        verdict.passed,
        verdict.name,
        verdict.reason,
        verdict.observed,
        verdict.expected,
        score,
        verdict.details,
    )


# --------------------------------------------------------------------------- HSTS

_HSTS_NAME = "Strict-Transport-Security"


def parse_directives(value: str) -> tuple[dict[str, str], list[str]]:
    """``a=1; b; c="x"`` → ({a: 1, b: "", c: x}, problems); duplicates and junk become problems."""
    directives: dict[str, str] = {}
    problems: list[str] = []
    for raw in value.split(";"):
        part = raw.strip()
        if not part:
            continue
        name, _, arg = part.partition("=")
        key = name.strip().lower()
        if not re.fullmatch(r"[a-z0-9_-]+", key):
            problems.append(f"unparseable directive {shown(part)!r}")
            continue
        if key in directives:
            problems.append(f"directive {key} repeated")
            continue
        directives[key] = arg.strip().strip('"')
    return directives, problems


def hsts(headers: Pairs, min_age: int, include_subdomains: bool = True, preload: bool = False) -> Verdict:
    """Strict-Transport-Security present with max-age ≥ ``min_age`` (+ includeSubDomains/preload).

    Browsers honour only the first header (RFC 6797 §8.1), so that is the one judged.
    """
    wanted = (
        f"max-age>={min_age}" + ("; includeSubDomains" if include_subdomains else "") + ("; preload" if preload else "")
    )
    found = values(headers, _HSTS_NAME)
    if not found:
        return fail("hsts-not-implemented", f"{_HSTS_NAME} header missing", "(absent)", wanted, score=-20)
    first = found[0]
    directives, problems = parse_directives(first)
    observed = shown(first)
    age_text = directives.get("max-age")
    if age_text is None or not age_text.isascii() or not age_text.isdigit():
        detail = "; ".join(problems) or "no valid max-age"
        return fail("hsts-header-invalid", f"{_HSTS_NAME} is invalid ({detail})", observed, wanted, score=-20)
    if problems:
        return fail(
            "hsts-header-invalid",
            f"{_HSTS_NAME} is invalid ({'; '.join(problems)})",
            observed,
            wanted,
            score=-20,
        )
    parts: list[Verdict] = []
    age = int(age_text)
    if age < min_age:
        parts.append(
            fail(
                "hsts-max-age-too-low",
                f"{_HSTS_NAME} max-age={age} below {min_age} (checks.headers.hsts_min_age)",
                observed,
                wanted,
                score=-10,
            )
        )
    if include_subdomains and "includesubdomains" not in directives:
        parts.append(
            fail(
                "hsts-no-include-subdomains",
                f"{_HSTS_NAME} lacks includeSubDomains (checks.headers.require_include_subdomains)",
                observed,
                wanted,
                score=-5,
            )
        )
    if preload and "preload" not in directives:
        parts.append(
            fail(
                "hsts-no-preload",
                f"{_HSTS_NAME} lacks preload (checks.headers.require_preload)",
                observed,
                wanted,
                score=-5,
            )
        )
    if parts:
        verdict = combine("hsts", parts, "")
        return Verdict(
            False,
            parts[0].name if len(parts) == 1 else "hsts-weak",
            "; ".join(p.reason for p in parts),
            observed,
            wanted,
            _worst(parts),
            verdict.details,
        )
    bonus = 5 if "preload" in directives and "includesubdomains" in directives else 0
    note = " (sent twice; the first counts)" if len(found) > 1 else ""
    return _scored(ok("hsts-implemented", f"{_HSTS_NAME} max-age={age}{note}", observed, wanted), bonus)


# --------------------------------------------------------------------------- CSP

_CSP_NAME = "Content-Security-Policy"
CSP_EXPECTED = (
    "script-src (or default-src) without 'unsafe-inline'/'unsafe-eval', insecure schemes, bare schemes "
    "or wildcard hosts; object-src 'none'"
)
_OBJECT_SETTING = "checks.headers.csp_require_object_src"


def _governing(policies: Sequence[csp_rules.Policy], directive: str) -> list[tuple[str, list[csp_rules.Finding]]]:
    """Per policy that restricts ``directive``: (governing directive name, findings)."""
    found = []
    for policy in policies:
        eff = policy.effective(directive)
        if eff is not None:
            judge = csp_rules.script_findings if directive.startswith("script-src") else csp_rules.object_findings
            found.append((eff[0], judge(eff[1])))
    return found


def _script_none(policies: Sequence[csp_rules.Policy]) -> bool:
    """Some enforced policy forbids every script (script-src, else default-src, is 'none')."""
    for policy in policies:
        eff = policy.effective("script-src")
        if eff is not None and csp_rules.is_none(eff[1]):
            return True
    return False


def csp(
    headers: Pairs,
    allow: Iterable[str] = (),
    meta: Sequence[str] = (),
    require_object_src: bool = True,
) -> Verdict:
    """Content-Security-Policy present, parseable, script-src and object-src restricted (CSP Level 3).

    Every enforced policy counts: each header value, each comma-separated policy in it, and each
    ``<meta http-equiv>`` policy of the page (``meta``). A script runs only if every policy allows
    it, so a source is a finding only when every policy that governs the directive allows it.
    ``allow`` holds the profile's named exceptions (``"script-src 'unsafe-inline'"``), matched on
    the governing directive or the logical one. ``require_object_src`` (default) wants object-src
    restricted even when script-src is 'none' (CSP Evaluator); False accepts it (HTTP Observatory).
    """
    allowed = {" ".join(a.split()).lower() for a in allow}
    expected = CSP_EXPECTED
    found = values(headers, _CSP_NAME)
    header_policies = csp_rules.parse_policies(found, "header")
    meta_policies = csp_rules.parse_policies(meta, "meta")
    policies = header_policies + meta_policies
    delivered = [v for v in found if v.strip()] + [f"<meta> {m}" for m in meta if m.strip()]
    observed = shown(" , ".join(delivered)) if delivered else ("(empty)" if found else "(absent)")
    ignored = [n for p in policies for n in p.ignored]
    if not delivered:
        return fail("csp-not-implemented", f"{_CSP_NAME} header missing", observed, expected, score=-25)
    if not policies:
        return fail(
            "csp-header-invalid",
            f"{_CSP_NAME} cannot be parsed ({'; '.join(ignored) or 'no directives'})",
            observed,
            expected,
            score=-25,
        )
    parts: list[Verdict] = []
    for logical in ("script-src", "object-src"):
        governing = _governing(policies, logical)
        if not governing:
            if f"{logical} *" in allowed:
                continue
            if logical == "object-src" and _script_none(policies):
                if not require_object_src:
                    continue
                reason = (
                    "object-src not set (nor default-src): <object>/<embed> plugins load from anywhere, and "
                    "script-src 'none' does not govern them (CSP Evaluator); set object-src 'none', or accept "
                    f"this as the HTTP Observatory does with {_OBJECT_SETTING}: false"
                )
            else:
                reason = f"{logical} not set (nor default-src): any source allowed"
            parts.append(
                fail(
                    f"csp-{logical}-unrestricted",
                    reason,
                    observed,
                    expected,
                    score=-20 if logical == "script-src" else -10,
                )
            )
            continue
        names = sorted({name for name, _ in governing})
        per_policy = [{f.source.lower(): f for f in findings} for _, findings in governing]
        common = set.intersection(*(set(p) for p in per_policy))
        for source in sorted(common, key=lambda s: (s.strip("'").lower(), s)):
            finding = per_policy[0][source]
            key = source
            source = finding.source
            if f"{logical} {key}" in allowed or any(f"{n} {key}" in allowed for n in names):
                continue
            if logical == "object-src" and not require_object_src and _script_none(policies) and finding.source == "*":
                continue
            why = finding.why
            if logical == "object-src" and _script_none(policies):
                why += f"; script-src 'none' does not govern plugins ({_OBJECT_SETTING})"
            slug = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-") or "source"
            parts.append(
                fail(
                    f"csp-{logical}-{slug}",
                    f"{'/'.join(names)} allows {source} ({why})",
                    observed,
                    expected,
                    score=finding.score,
                )
            )
    if parts:
        note = f"; ignored by browsers: {'; '.join(ignored)}" if ignored else ""
        reason = f"{_CSP_NAME}: " + "; ".join(p.reason for p in parts) + note
        return Verdict(
            False,
            parts[0].name if len(parts) == 1 else "csp-unsafe",
            reason,
            observed,
            expected,
            _worst(parts),
            {"problems": [p.name for p in parts], "ignored": ignored},
        )
    default_none = any(
        (d := p.get("default-src")) is not None and csp_rules.is_none(d) and len(d) == 1 for p in policies
    )
    where = " (from <meta>)" if not header_policies else ""
    note = f" (ignored by browsers: {'; '.join(ignored)})" if ignored else ""
    return _scored(
        ok(
            "csp-implemented-with-no-unsafe",
            f"{_CSP_NAME}{where} restricts scripts and objects{note}",
            observed,
            expected,
        ),
        10 if default_none else 5,
    )


# --------------------------------------------------------------------------- small headers


def content_type_options(headers: Pairs) -> Verdict:
    """X-Content-Type-Options: nosniff (every occurrence, nothing else)."""
    found = values(headers, "X-Content-Type-Options")
    observed = shown(_joined(found))
    if not found:
        return fail(
            "x-content-type-options-not-implemented",
            "X-Content-Type-Options header missing",
            observed,
            "nosniff",
            score=-5,
        )
    if all(v.strip().lower() == "nosniff" for v in found):
        return ok("x-content-type-options-nosniff", "X-Content-Type-Options is nosniff", observed, "nosniff")
    return fail(
        "x-content-type-options-header-invalid",
        "X-Content-Type-Options is not nosniff",
        observed,
        "nosniff",
        score=-5,
    )


def frame_options(headers: Pairs, meta: Sequence[str] = ()) -> Verdict:
    """Framing refused: CSP frame-ancestors (preferred) or X-Frame-Options DENY/SAMEORIGIN.

    Only a header can set frame-ancestors: the same directive in a ``<meta>`` policy is ignored
    by browsers (CSP3 §3.3), so it never counts here, and the failure says so.
    """
    expected = "X-Frame-Options DENY or SAMEORIGIN, or CSP frame-ancestors (in a header)"
    for policy in csp_rules.parse_policies(values(headers, _CSP_NAME)):
        sources = policy.get("frame-ancestors")
        if sources is None:
            continue
        valid = [s for s in sources if s.kind != "invalid"]
        if any(s.norm in ("*", "http:", "https:") for s in valid):
            continue
        return _scored(
            ok(
                "frame-ancestors-implemented",
                "CSP frame-ancestors restricts framing",
                f"frame-ancestors {' '.join(s.text for s in sources) or '(empty)'}",
                expected,
            ),
            5,
        )
    in_meta = any("frame-ancestors" in m.lower() for m in meta)
    meta_note = "; frame-ancestors in a <meta> policy is ignored by browsers" if in_meta else ""
    found = values(headers, "X-Frame-Options")
    observed = shown(_joined(found))
    if not found:
        return fail(
            "x-frame-options-not-implemented",
            f"X-Frame-Options header missing (and no CSP frame-ancestors header){meta_note}",
            observed,
            expected,
            score=-20,
        )
    tokens = {v.strip().upper() for v in found}
    if len(tokens) == 1 and tokens <= {"DENY", "SAMEORIGIN"}:
        return ok(
            "x-frame-options-sameorigin-or-deny",
            f"X-Frame-Options is {found[0].strip().upper()}",
            observed,
            expected,
        )
    why = "deprecated ALLOW-FROM" if any(t.startswith("ALLOW-FROM") for t in tokens) else "not DENY/SAMEORIGIN"
    return fail("x-frame-options-header-invalid", f"X-Frame-Options is {why}{meta_note}", observed, expected, score=-20)


REFERRER_SENDS: dict[str, str] = {
    "no-referrer": "sends no Referer at all",
    "same-origin": "sends the full URL (path and query) to this origin only, nothing to other sites",
    "strict-origin": "sends the origin only (scheme, host, port; never the path) to HTTPS sites, nothing to plain HTTP",
    "strict-origin-when-cross-origin": "sends the full URL to this origin, the origin only (never the path) "
    "to other HTTPS sites, nothing to plain HTTP",
    "origin": "sends the origin (scheme, host, port; never the path or query) to every site, plain HTTP included",
    "origin-when-cross-origin": "sends the full URL to this origin and the origin (never the path or "
    "query) to every other site, plain HTTP included",
    "no-referrer-when-downgrade": "sends the full URL (path and query) to every other HTTPS site, nothing "
    "to plain HTTP",
    "unsafe-url": "sends the full URL (path and query) to every site, plain HTTP included",
}
"""What each policy sends to whom (Referrer Policy §3), quoted in every message."""
REFERRER_TOKENS = tuple(REFERRER_SENDS)
REFERRER_PRIVATE = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
REFERRER_ORIGIN_ONLY = ("origin", "origin-when-cross-origin")
REFERRER_UNSAFE = ("unsafe-url", "no-referrer-when-downgrade")
BROWSER_DEFAULT = "strict-origin-when-cross-origin"


def referrer_policy(headers: Pairs, meta: Sequence[str] = ()) -> Verdict:
    """Referrer-Policy decided as the browser does: the last token it recognises wins, header
    first, then ``<meta name="referrer">`` (later, so it overrides).

    - private (no-referrer, same-origin, strict-origin, strict-origin-when-cross-origin): pass;
    - origin, origin-when-cross-origin: advisory: the origin reaches other sites, also over plain
      HTTP, but never the path or query (the HTTP Observatory scores it -5 as "unsafe");
    - no-referrer-when-downgrade, unsafe-url: fail: paths and queries (tokens, ids) reach others;
    - missing or invalid: fail (the seeds ask for the header): browsers then apply their own
      default (strict-origin-when-cross-origin in current ones, the full URL in older ones); the
      HTTP Observatory passes a missing header with score 0, and so does the grade here. A policy
      in the page's ``<meta>`` counts.
    """
    expected = " | ".join(REFERRER_PRIVATE)
    found = values(headers, "Referrer-Policy")
    delivered = [*found, *(f"<meta> {m}" for m in meta)]
    observed = shown(_joined(delivered))
    tokens = [t.strip().lower() for v in [*found, *meta] for t in v.split(",") if t.strip()]
    known = [t for t in tokens if t in REFERRER_SENDS]
    if not known:
        what = "Referrer-Policy has no valid policy" if delivered else "Referrer-Policy header missing"
        return fail(
            "referrer-policy-not-implemented" if not delivered else "referrer-policy-header-invalid",
            f"{what}: each browser decides; current ones apply {BROWSER_DEFAULT} "
            f"({REFERRER_SENDS[BROWSER_DEFAULT]}), older ones send the full URL to every other HTTPS site",
            observed,
            expected,
            score=0 if not delivered else -5,
        )
    effective = known[-1]
    sends = REFERRER_SENDS[effective]
    if effective in REFERRER_UNSAFE:
        return fail(
            "referrer-policy-unsafe",
            f"Referrer-Policy {effective} {sends}: paths and query strings (session ids, tokens, search "
            "terms) leak to other sites",
            observed,
            expected,
            score=-5,
        )
    if effective in REFERRER_ORIGIN_ONLY:
        return advisory(
            "referrer-policy-origin",
            f"Referrer-Policy {effective} {sends}; strict-origin-when-cross-origin keeps it from plain-HTTP sites",
            observed,
            expected,
            score=-5,
        )
    return _scored(ok("referrer-policy-private", f"Referrer-Policy {effective} {sends}", observed, expected), 5)


_PP_ITEM = re.compile(
    r"^[a-z][a-z0-9-]*=(\*|\(\s*\)|\((\s*(self|src|\*|\"[^\"]*\"))+\s*\)|self|\"[^\"]*\")"
    r"(\s*;\s*[a-z][a-z0-9-]*(=\S+)?)*$"
)


def permissions_policy(headers: Pairs, required: bool = False) -> Verdict:
    """Permissions-Policy present (when required) and a valid structured-field dictionary."""
    expected = "Permissions-Policy like camera=(), geolocation=(self)"
    found = values(headers, "Permissions-Policy")
    observed = shown(_joined(found))
    if not found:
        legacy = values(headers, "Feature-Policy")
        why = " (only the obsolete Feature-Policy is sent)" if legacy else ""
        if required:
            return fail(
                "permissions-policy-not-implemented",
                f"Permissions-Policy header missing{why}",
                observed,
                expected,
                score=0,
            )
        return advisory(
            "permissions-policy-not-implemented",
            f"Permissions-Policy header missing{why}: camera, microphone, geolocation and other powerful "
            "features stay available to every frame the page embeds (a finding, not required: "
            "checks.headers.permissions_policy_required)",
            observed,
            expected,
        )
    members = [m.strip() for v in found for m in v.split(",")]
    bad = [m for m in members if not _PP_ITEM.match(m)]
    if bad or not members:
        return fail(
            "permissions-policy-header-invalid",
            f"Permissions-Policy cannot be parsed at {shown(bad[0] if bad else '')!r}",
            observed,
            expected,
            score=0,
        )
    return ok(
        "permissions-policy-implemented",
        f"Permissions-Policy sets {len(members)} feature(s)",
        observed,
        expected,
    )


_VERSION = re.compile(r"\d+\.\d+|/\s*\d")
DISCLOSING_HEADERS = (
    "X-Powered-By",
    "X-AspNet-Version",
    "X-AspNetMvc-Version",
    "X-Generator",
    "X-Runtime-Version",
    "X-Drupal-Dynamic-Cache",
    "X-Backend-Server",
    "X-Server-Version",
)


def server_disclosure(headers: Pairs) -> Verdict:
    """No software version in Server, and no X-Powered-By / X-AspNet-Version style headers."""
    expected = "Server without a version (e.g. nginx), no X-Powered-By/X-AspNet-Version"
    leaks: list[str] = []
    for value in values(headers, "Server"):
        if _VERSION.search(value):
            leaks.append(f"Server: {shown(value)}")
    for name in DISCLOSING_HEADERS:
        for value in values(headers, name):
            leaks.append(f"{name}: {shown(value)}")
    if leaks:
        return fail(
            "server-disclosure",
            "response discloses software versions: " + "; ".join(leaks),
            "; ".join(leaks),
            expected,
            score=-5,
        )
    return ok(
        "server-disclosure-none",
        "no software version disclosed",
        shown(_joined(values(headers, "Server"))),
        expected,
    )


# --------------------------------------------------------------------------- CORS


@dataclass(frozen=True)
class CorsProbe:
    """The CORS-relevant answer to one probe request (a GET with Origin, or a preflight).

    ``admin`` marks a probe of a ``cors_admin_paths`` path, where any grant is a finding.
    """

    label: str
    allow_origin: str | None
    allow_credentials: str | None
    status: int = 200
    allow_methods: str | None = None
    allow_headers: str | None = None
    max_age: str | None = None
    admin: bool = False


def cors_probe(label: str, headers: Pairs, status: int = 200, admin: bool = False) -> CorsProbe:
    return CorsProbe(
        label,
        _joined(values(headers, "Access-Control-Allow-Origin")),
        _joined(values(headers, "Access-Control-Allow-Credentials")),
        status,
        _joined(values(headers, "Access-Control-Allow-Methods")),
        _joined(values(headers, "Access-Control-Allow-Headers")),
        _joined(values(headers, "Access-Control-Max-Age")),
        admin,
    )


def _tokens(value: str | None) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def cors_grant(
    p: CorsProbe,
    allowed_methods: Iterable[str] | None,
    allowed_headers: Iterable[str] | None,
    max_age: float | None,
) -> list[Verdict]:
    """What a granting preflight allows beyond the policy: methods, request headers, cache time."""
    parts: list[Verdict] = []
    methods = _tokens(p.allow_methods)
    if allowed_methods is not None and methods:
        wanted = {m.upper() for m in allowed_methods}
        broad = [m for m in methods if m == "*" or m.upper() not in wanted]
        if broad:
            parts.append(fail("cors-methods-broad",
                              f"{p.label}: Access-Control-Allow-Methods grants {', '.join(broad)}",
                              f"Access-Control-Allow-Methods: {shown(p.allow_methods)}",
                              f"methods within {', '.join(sorted(wanted))}", score=-5))
    headers = _tokens(p.allow_headers)
    if headers:
        wanted_h = None if allowed_headers is None else {h.lower() for h in allowed_headers}
        broad_h = [h for h in headers if h == "*" or (wanted_h is not None and h.lower() not in wanted_h)]
        if broad_h:
            expected = "named request headers" + (f" within {', '.join(sorted(wanted_h))}" if wanted_h else
                                                  " (no *)")
            parts.append(fail("cors-headers-broad",
                              f"{p.label}: Access-Control-Allow-Headers grants {', '.join(broad_h)}",
                              f"Access-Control-Allow-Headers: {shown(p.allow_headers)}", expected, score=-5))
    if max_age is not None and p.max_age is not None:
        text = p.max_age.strip()
        if not text.lstrip("-").isdigit():
            parts.append(fail("cors-max-age-invalid", f"{p.label}: Access-Control-Max-Age is not a number",
                              f"Access-Control-Max-Age: {shown(p.max_age)}", f"<= {max_age:g}", score=0))
        elif int(text) > max_age:
            parts.append(fail("cors-max-age-long",
                              f"{p.label}: Access-Control-Max-Age {int(text)}s above {max_age:g}s",
                              f"Access-Control-Max-Age: {text}", f"<= {max_age:g}", score=0))
    return parts


def cors(
    probes: Sequence[CorsProbe],
    probe_origin: str,
    allowed_origins: Iterable[str] = (),
    allowed_methods: Iterable[str] | None = None,
    allowed_headers: Iterable[str] | None = None,
    max_age: float | None = None,
) -> Verdict:
    """No wildcard with credentials, no reflected foreign Origin, only allowed origins with credentials;
    granted preflights within the allowed methods/headers and ``max_age``; admin probes grant nothing."""
    allowed = {o.rstrip("/").lower() for o in allowed_origins}
    probe = probe_origin.rstrip("/").lower()
    expected = f"no Access-Control-Allow-Origin for {probe_origin}" + (
        f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""
    )
    parts: list[Verdict] = []
    for p in probes:
        if p.allow_origin is None:
            continue
        if p.admin:
            parts.append(
                fail(
                    "cors-admin-path-granted",
                    f"{p.label}: an admin path sends a CORS grant (Access-Control-Allow-Origin: "
                    f"{shown(p.allow_origin)})",
                    f"Access-Control-Allow-Origin: {shown(p.allow_origin)}",
                    "no Access-Control-Allow-* headers on admin paths",
                    score=-20,
                )
            )
            continue
        parts.extend(cors_grant(p, allowed_methods, allowed_headers, max_age))
        acao = p.allow_origin.strip()
        creds = (p.allow_credentials or "").strip().lower() == "true"
        observed = f"Access-Control-Allow-Origin: {shown(acao)}" + (
            f", Access-Control-Allow-Credentials: {shown(p.allow_credentials)}" if p.allow_credentials else ""
        )
        origin = acao.rstrip("/").lower()
        if origin == "*" and creds:
            parts.append(
                fail(
                    "cors-wildcard-with-credentials",
                    f"{p.label}: Access-Control-Allow-Origin * with credentials",
                    observed,
                    expected,
                    score=-50,
                )
            )
        elif origin == probe and probe not in allowed:
            extra = " with credentials" if creds else ""
            parts.append(
                fail(
                    "cors-origin-reflected",
                    f"{p.label}: arbitrary Origin {probe_origin} reflected in Access-Control-Allow-Origin{extra}",
                    observed,
                    expected,
                    score=-50,
                )
            )
        elif origin == "null" and creds:
            parts.append(
                fail(
                    "cors-null-origin",
                    f"{p.label}: Access-Control-Allow-Origin null with credentials",
                    observed,
                    expected,
                    score=-50,
                )
            )
        elif creds and allowed and origin not in allowed and origin != "*":
            parts.append(
                fail(
                    "cors-origin-not-allowed",
                    f"{p.label}: credentials allowed for origin {acao} not in cors_allowed_origins",
                    observed,
                    expected,
                    score=-20,
                )
            )
    if parts:
        verdict = combine("cors", parts, "")
        return Verdict(
            False, parts[0].name, verdict.reason, parts[0].observed, parts[0].expected, _worst(parts),
            verdict.details
        )
    seen = "; ".join(f"{p.label}: {shown(p.allow_origin)}" for p in probes)
    granted = [p for p in probes if p.allow_methods or p.allow_headers or p.max_age]
    bounded = f"; granted preflights within policy ({len(granted)})" if granted else ""
    admin = [p for p in probes if p.admin]
    quiet = f"; {len(admin)} admin probe(s) without grant" if admin else ""
    return ok(
        "cors-not-implemented-or-restricted",
        f"CORS does not trust the foreign origin {probe_origin}{bounded}{quiet}",
        seen or "(no probes)",
        expected,
    )


# --------------------------------------------------------------------------- cookies


@dataclass(frozen=True)
class Cookie:
    """A Set-Cookie header without its value (values are secrets and never leave this module)."""

    name: str
    attributes: dict[str, str]
    path: str = "/"

    @property
    def secure(self) -> bool:
        return "secure" in self.attributes

    @property
    def httponly(self) -> bool:
        return "httponly" in self.attributes

    @property
    def samesite(self) -> str | None:
        value = self.attributes.get("samesite")
        return value.strip().lower() if value is not None else None

    def describe(self) -> str:
        """Attributes as sent, without the value: ``Path=/; HttpOnly; SameSite=Lax``."""
        shown_attrs = []
        for key, value in self.attributes.items():
            label = _ATTR_LABELS.get(key, key)
            shown_attrs.append(f"{label}={shown(value)}" if value else label)
        return "; ".join(shown_attrs) or "(no attributes)"


_ATTR_LABELS = {
    "secure": "Secure",
    "httponly": "HttpOnly",
    "samesite": "SameSite",
    "path": "Path",
    "domain": "Domain",
    "expires": "Expires",
    "max-age": "Max-Age",
    "partitioned": "Partitioned",
}


def parse_set_cookie(value: str, path: str = "/") -> Cookie:
    """``name=value; Secure; SameSite=Lax`` → Cookie (the value is dropped on purpose)."""
    first, _, rest = value.partition(";")
    name = first.partition("=")[0].strip() if "=" in first else ""
    attributes: dict[str, str] = {}
    for raw in rest.split(";"):
        key, _, arg = raw.partition("=")
        key = key.strip().lower()
        if key:
            attributes.setdefault(key, arg.strip())
    return Cookie(shown(name) if name else "(unnamed)", attributes, path)


def cookie_lifetime(cookie: Cookie, now: datetime) -> float | None:
    """Seconds the browser keeps the cookie: Max-Age wins over Expires (RFC 6265 §5.3); None for a
    session cookie (neither attribute, or one that cannot be parsed and is therefore ignored)."""
    max_age = cookie.attributes.get("max-age")
    if max_age is not None and re.fullmatch(r"-?\d+", max_age.strip()):
        return float(int(max_age.strip()))
    expires = cookie.attributes.get("expires")
    if expires:
        try:
            when = parsedate_to_datetime(expires.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when - now).total_seconds()
    return None


def _days(seconds: float) -> str:
    return f"{seconds / 86400:.3g} days" if seconds >= 86400 else f"{seconds / 3600:.3g} hours"


@dataclass(frozen=True)
class CookieLifetimes:
    """The lifetime policy: cookies whose name matches ``session`` live at most ``max_age`` seconds,
    ``admin_max_age`` when set on one of ``admin_paths``."""

    session: str
    max_age: float
    admin_paths: tuple[str, ...] = ()
    admin_max_age: float = 3600.0


def _lifetime_part(cookie: Cookie, path: str, policy: CookieLifetimes, now: datetime) -> Verdict | None:
    if not re.search(policy.session, cookie.name):
        return None
    lifetime = cookie_lifetime(cookie, now)
    if lifetime is None:
        return None
    admin = path in policy.admin_paths
    bound = policy.admin_max_age if admin else policy.max_age
    if lifetime <= bound:
        return None
    kind = "admin session" if admin else "session"
    return fail(
        "cookies-lifetime-too-long",
        f"{kind} cookie {cookie.name} (Set-Cookie on {path}) lives {_days(lifetime)}, above {_days(bound)}",
        f"{cookie.name}=***; {cookie.describe()}",
        f"Max-Age/Expires <= {bound:.0f}s ({_days(bound)})",
        score=0,
    )


def cookies(set_cookies: Sequence[tuple[str, str]], script_readable: Iterable[str] = (),
            lifetimes: CookieLifetimes | None = None, now: datetime | None = None) -> Verdict:
    """Every Set-Cookie ``(path, value)`` has Secure, HttpOnly (unless script-readable) and SameSite;
    session cookies live no longer than ``lifetimes`` allows (the seeds: 7 days users, 1 hour admin)."""
    readable = {n.lower() for n in script_readable}
    expected = "Secure; HttpOnly; SameSite=Lax|Strict (SameSite=None only with Secure)"
    moment = now or datetime.now(UTC)
    parts: list[Verdict] = []
    seen: list[str] = []
    for path, header in set_cookies:
        cookie = parse_set_cookie(header, path)
        seen.append(f"{cookie.name} on {path}")
        if lifetimes is not None and (too_long := _lifetime_part(cookie, path, lifetimes, moment)) is not None:
            parts.append(too_long)
        where = f"cookie {cookie.name} (Set-Cookie on {path})"
        observed = f"{cookie.name}=***; {cookie.describe()}"
        missing: list[str] = []
        score = 0
        if not cookie.secure:
            missing.append("Secure")
            score -= 20
        if not cookie.httponly and cookie.name.lower() not in readable:
            missing.append("HttpOnly")
            score -= 10
        samesite = cookie.samesite
        if samesite is None or samesite == "":
            missing.append("SameSite")
            score -= 5
        elif samesite not in ("lax", "strict", "none"):
            missing.append(f"a valid SameSite (got {shown(cookie.attributes['samesite'])})")
            score -= 5
        if missing:
            parts.append(
                fail(
                    "cookies-without-flags",
                    f"{where} lacks {', '.join(missing)}",
                    observed,
                    expected,
                    score=score,
                )
            )
    if not set_cookies:
        return ok("cookies-not-found", "no Set-Cookie on the checked paths", "(none)", expected)
    if parts:
        verdict = combine("cookies", parts, "")
        return Verdict(
            False,
            parts[0].name if len({p.name for p in parts}) == 1 else "cookies-without-flags",
            verdict.reason,
            "; ".join(p.observed or "" for p in parts),
            "; ".join(dict.fromkeys(p.expected or expected for p in parts)),
            _worst(parts),
            verdict.details,
        )
    return _scored(
        ok(
            "cookies-secure-with-httponly-sessions-and-samesite",
            f"{len(set_cookies)} cookie(s) with Secure, HttpOnly and SameSite"
            + (f"; session lifetimes within {_days(lifetimes.max_age)}" if lifetimes is not None else ""),
            ", ".join(seen),
            expected,
        ),
        5,
    )


# --------------------------------------------------------------------------- X-XSS-Protection


def xss_protection(headers: Pairs) -> Verdict:
    """X-XSS-Protection per current guidance (OWASP, MDN): the header is deprecated and browsers
    ignore it, and the old XSS auditors it switched on could be abused to leak data; absent or ``0``
    is right, ``1; mode=block`` (what the seeds set) is an advisory finding, anything else fails."""
    expected = "absent, or 0 (rely on Content-Security-Policy)"
    found = values(headers, "X-XSS-Protection")
    observed = shown(_joined(found))
    if not found:
        return ok("x-xss-protection-absent", "X-XSS-Protection absent (deprecated header; CSP protects)",
                  observed, expected)
    tokens = [v.strip().lower().replace(" ", "") for v in found]
    if all(t == "0" for t in tokens):
        return ok("x-xss-protection-disabled", "X-XSS-Protection: 0 (the legacy auditor is off)", observed,
                  expected)
    if all(t.startswith("1;") and "mode=block" in t.split(";")[1:] for t in tokens):
        return advisory("x-xss-protection-legacy",
                        "X-XSS-Protection: 1; mode=block is deprecated (browsers ignore it; set 0 or drop it "
                        "and rely on Content-Security-Policy)", observed, expected)
    return fail("x-xss-protection-unsafe",
                f"X-XSS-Protection: {observed} is neither 0 nor 1; mode=block (filter mode lets the legacy "
                "auditor be abused to leak page content)", observed, expected, score=0)
