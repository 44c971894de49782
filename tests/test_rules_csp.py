"""headers.csp, headers.frame_options and headers.referrer_policy against CSP Level 3 and the
Referrer Policy spec: table-driven over real response header sets, each sound and defective.

The sound policies are the shapes real sites send (a host-allowlist policy with default-src
'none', Google's nonce + 'strict-dynamic' "strict CSP", a hash-based policy); every defective one
differs by the one source or token the issue names, and the message must name that source.
"""

from __future__ import annotations

import pytest

from golive.rules import csp as c
from golive.rules import headers as r

CSP = "Content-Security-Policy"
HASH = "'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='"

SOUND = {
    "host allowlist, default-src 'none'": (
        "default-src 'none'; base-uri 'self'; connect-src 'self' api.example.com; form-action 'self'; "
        "frame-ancestors 'none'; img-src 'self' data: assets.example.com; script-src assets.example.com; "
        "style-src 'unsafe-inline' assets.example.com"
    ),
    "strict CSP (nonce + strict-dynamic, fallbacks inert)": (
        "object-src 'none'; base-uri 'self'; script-src 'nonce-r4nd0mN0nc3' 'strict-dynamic' https: http: "
        "'unsafe-inline'; report-uri /csp-report"
    ),
    "hash neutralises 'unsafe-inline'": f"default-src 'self'; script-src {HASH} 'unsafe-inline'; object-src 'none'",
    "'wasm-unsafe-eval' is not 'unsafe-eval'": "default-src 'self'; script-src 'wasm-unsafe-eval'; object-src 'none'",
    "keywords are case-insensitive": "DEFAULT-SRC 'SELF'; Script-Src 'Self' 'NONCE-AbC123'; OBJECT-SRC 'NONE'",
    "first of a repeated directive wins": "default-src 'self'; script-src 'self'; script-src 'unsafe-inline' *",
    "wildcard subdomain of a registrable domain": "default-src 'self'; script-src https://*.example.com",
    "'none' governs object-src via default-src": "default-src 'none'; script-src 'self'",
}

DEFECTIVE = {
    "insecure scheme http:": (
        "default-src 'self'; script-src 'self' http:; object-src 'none'",
        ["http:", "insecure scheme"],
    ),
    "insecure host source ftp://": (
        "default-src 'self'; script-src 'self' ftp://cdn.example; object-src 'none'",
        ["ftp://cdn.example", "insecure scheme ftp://"],
    ),
    "insecure host source http://": (
        "default-src 'self'; script-src http://cdn.example.com/js/; object-src 'none'",
        ["http://cdn.example.com/js/"],
    ),
    "insecure scheme ws:": ("default-src 'self'; script-src 'self' ws:; object-src 'none'", ["ws:"]),
    "wildcard host https://*": (
        "default-src 'self'; script-src https://*; object-src 'none'",
        ["https://*", "wildcard"],
    ),
    "wildcard *": ("default-src 'self'; script-src 'self' *; object-src 'none'", ["allows *", "wildcard host"]),
    "wildcard over a TLD *.com": ("default-src 'self'; script-src *.com; object-src 'none'", ["*.com", ".com domain"]),
    "bare scheme https:": (
        "default-src 'self' https:; object-src 'none'",
        ["default-src allows https:", "bare scheme"],
    ),
    "bare scheme data:": ("default-src 'self'; script-src 'self' data:; object-src 'none'", ["data:", "bare scheme"]),
    "bare scheme blob:": ("default-src 'self'; script-src 'self' blob:; object-src 'none'", ["blob:"]),
    "'unsafe-eval'": ("default-src 'self'; script-src 'self' 'unsafe-eval'; object-src 'none'", ["'unsafe-eval'"]),
    "'unsafe-inline' without nonce": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'",
        ["'unsafe-inline'"],
    ),
    "glued nonce does not neutralise": (
        "default-src 'self'; script-src 'unsafe-inline' 'nonce-abc''strict-dynamic'; object-src 'none'",
        ["'unsafe-inline'", "glued without whitespace"],
    ),
    "sha1 is no hash source": (
        "default-src 'self'; script-src 'unsafe-inline' 'sha1-B2yPHKaXnvFWtRCh'; object-src 'none'",
        ["'unsafe-inline'", "'sha1-B2yPHKaXnvFWtRCh'", "not a valid nonce/hash"],
    ),
    "nonce outside the base64 alphabet": (
        "default-src 'self'; script-src 'unsafe-inline' 'nonce-ab!cd'; object-src 'none'",
        ["'unsafe-inline'", "'nonce-ab!cd'"],
    ),
    "unquoted nonce": (
        "default-src 'self'; script-src 'unsafe-inline' nonce-abc; object-src 'none'",
        ["'unsafe-inline'"],
    ),
    "first of a repeated directive wins (the unsafe one)": (
        "default-src 'self'; script-src 'unsafe-inline'; script-src 'self'; object-src 'none'",
        ["'unsafe-inline'", "script-src repeated"],
    ),
    "directive names are case-insensitive": ("SCRIPT-SRC 'UNSAFE-INLINE'; OBJECT-SRC 'NONE'", ["'UNSAFE-INLINE'"]),
    "object-src wildcard": ("default-src 'self'; object-src *", ["object-src allows *"]),
    "object-src bare scheme": ("default-src 'self'; object-src https:", ["object-src allows https:"]),
    "nothing governs scripts": ("img-src 'self'", ["script-src not set", "object-src not set"]),
}


@pytest.mark.parametrize("policy", list(SOUND.values()), ids=list(SOUND))
def test_sound_policies_pass(policy: str) -> None:
    verdict = r.csp([(CSP, policy), ("X-Content-Type-Options", "nosniff")])
    assert verdict.passed and verdict.kind == "pass", verdict.message
    assert "restricts scripts and objects" in verdict.message


@pytest.mark.parametrize(("policy", "fragments"), list(DEFECTIVE.values()), ids=list(DEFECTIVE))
def test_defective_policies_fail_naming_the_source(policy: str, fragments: list[str]) -> None:
    verdict = r.csp([(CSP, policy)])
    assert not verdict.passed, verdict.message
    for fragment in fragments:
        assert fragment in verdict.message, verdict.message
    assert "expected:" in verdict.message and verdict.score < 0


def test_repeated_directive_is_noted_even_when_passing() -> None:
    verdict = r.csp([(CSP, SOUND["first of a repeated directive wins"])])
    assert "script-src repeated (the first one wins" in verdict.message


def test_source_grammar() -> None:
    kinds = {
        "'self'": "keyword",
        "'SELF'": "keyword",
        "'wasm-unsafe-eval'": "keyword",
        "'nonce-AbC+/_-=='": "nonce",
        HASH: "hash",
        "'SHA384-abc'": "hash",
        "https:": "scheme",
        "example.com": "host",
        "*.example.com:*": "host",
        "https://cdn.example.com/js/app.js": "host",
        "'nonce-a''self'": "invalid",
        "'sha1-abc'": "invalid",
        "'nonce-'": "invalid",
        "'unsafe-everything'": "invalid",
        "https://cdn.example.com;": "invalid",
    }
    for token, kind in kinds.items():
        assert c.classify(token).kind == kind, token
    assert c.classify("'NONCE-AbC'").norm == "'nonce-AbC'"  # the value keeps its case
    assert c.classify("HTTPS://CDN.Example.COM/Path").norm == "https://cdn.example.com/Path"


def test_parse_follows_csp3() -> None:
    policy = c.parse_policy("Script-Src 'self'; script-src *; img-src \u00e9; ; bad_name x; object-src")
    assert [s.text for s in policy.get("script-src") or ()] == ["'self'"]
    assert policy.get("object-src") == ()
    assert c.is_none(policy.get("object-src") or ())
    assert policy.get("img-src") is None
    notes = " | ".join(policy.ignored)
    assert "script-src repeated" in notes and "not ASCII" in notes and "bad_name" in notes
    assert c.is_none([c.classify("'none'")]) and not c.is_none([c.classify("'none'"), c.classify("'self'")])


def test_several_policies_intersect() -> None:
    loose = (CSP, "default-src * 'unsafe-inline'")
    strict = (CSP, "default-src 'self'")
    assert r.csp([loose, strict]).passed
    assert r.csp([(CSP, "default-src * 'unsafe-inline', default-src 'self'")]).passed  # comma = two policies
    assert not r.csp([loose]).passed


# ------------------------------------------------------------------ object-src with script-src 'none'


def test_object_src_with_script_none_is_a_documented_setting() -> None:
    for policy in ("script-src 'none'", "script-src 'none'; object-src *"):
        strict = r.csp([(CSP, policy)])
        assert not strict.passed, policy
        assert "checks.headers.csp_require_object_src" in strict.message and "plugins" in strict.message
        relaxed = r.csp([(CSP, policy)], require_object_src=False)
        assert relaxed.passed, relaxed.message
    # the setting is about script-src 'none' only: elsewhere object-src stays required
    assert not r.csp([(CSP, "script-src 'self'")], require_object_src=False).passed


# ------------------------------------------------------------------ <meta> delivery


def test_meta_policy_counts_for_scripts_but_not_for_frame_ancestors() -> None:
    meta = ["default-src 'self'; object-src 'none'; frame-ancestors 'none'"]
    verdict = r.csp([], meta=meta)
    assert verdict.passed and "(from <meta>)" in verdict.message
    assert "frame-ancestors ignored in a <meta> policy" in verdict.message
    framing = r.frame_options([], meta=meta)
    assert not framing.passed and "frame-ancestors in a <meta> policy is ignored" in framing.message
    assert r.frame_options([(CSP, "frame-ancestors 'none'")]).passed
    assert not r.csp([], meta=["default-src 'self' 'unsafe-inline'; object-src 'none'"]).passed


def test_meta_policies_are_read_from_the_head() -> None:
    body = (
        b"<!doctype html><html><head><meta charset=utf-8>"
        b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
        b'<META NAME="referrer" CONTENT="no-referrer"></head>'
        b'<body><meta http-equiv="content-security-policy" content="script-src *"></body></html>'
    )
    found = c.meta_policies(body, "text/html; charset=utf-8")
    assert found.csp == ["default-src 'self'"] and found.referrer == ["no-referrer"]
    assert c.meta_policies(body, "application/json").csp == []
    assert c.meta_policies(b"<html><head><meta http-equiv=", "text/html").csp == []


# ------------------------------------------------------------------ Referrer-Policy

RP = "Referrer-Policy"
REFERRER = [
    ("no-referrer", "pass", ["sends no Referer at all"]),
    ("same-origin", "pass", ["full URL (path and query) to this origin only, nothing to other sites"]),
    ("strict-origin", "pass", ["origin only", "never the path", "nothing to plain HTTP"]),
    ("strict-origin-when-cross-origin", "pass", ["full URL to this origin", "origin only", "nothing to plain HTTP"]),
    ("origin", "advisory", ["origin (scheme, host, port; never the path or query) to every site, plain HTTP"]),
    ("origin-when-cross-origin", "advisory", ["full URL to this origin", "never the path or query", "plain HTTP"]),
    ("no-referrer-when-downgrade", "fail", ["full URL (path and query) to every other HTTPS site", "leak"]),
    ("unsafe-url", "fail", ["full URL (path and query) to every site, plain HTTP included", "leak"]),
    ("bogus", "fail", ["no valid policy", "strict-origin-when-cross-origin"]),
    ("", "fail", ["no valid policy"]),
    (None, "fail", ["header missing", "each browser decides"]),
]


@pytest.mark.parametrize(("value", "kind", "fragments"), REFERRER, ids=[str(v[0]) for v in REFERRER])
def test_referrer_policy_says_what_it_sends_to_whom(value: str | None, kind: str, fragments: list[str]) -> None:
    verdict = r.referrer_policy([] if value is None else [(RP, value)])
    assert verdict.kind == kind, verdict.message
    for fragment in fragments:
        assert fragment in verdict.message, verdict.message
    assert "leaks the URL" not in verdict.message


def test_origin_policies_never_claim_the_path_leaks() -> None:
    for value in ("origin", "origin-when-cross-origin"):
        message = r.referrer_policy([(RP, value)]).message
        assert "never the path" in message and "leak" not in message


def test_referrer_meta_overrides_header_and_last_known_token_wins() -> None:
    assert r.referrer_policy([(RP, "unsafe-url")], meta=["no-referrer"]).kind == "pass"
    assert r.referrer_policy([], meta=["strict-origin"]).kind == "pass"
    assert r.referrer_policy([(RP, "unsafe-url, strict-origin-when-cross-origin")]).kind == "pass"
    assert r.referrer_policy([(RP, "no-referrer, unsafe-url")]).kind == "fail"
    assert r.referrer_policy([(RP, "origin, made-up-future-token")]).kind == "advisory"
