"""Unit tests of the pure header rules and the grade (no network)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.rules import grade as grade_rules
from golive.rules import headers as r
from golive.settings.headers import GRADES, HeadersSettings

YEAR = 31536000
GOOD_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'"


def h(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return list(pairs)


# ------------------------------------------------------------------ HSTS


def test_hsts_sound() -> None:
    v = r.hsts(h(("Strict-Transport-Security", f"max-age={YEAR}; includeSubDomains")), YEAR)
    assert v.passed and v.score == 0


def test_hsts_preload_bonus_and_required_preload() -> None:
    assert (
        r.hsts(h(("strict-transport-security", f"max-age={YEAR}; includeSubDomains; preload")), YEAR).score
        == 5
    )
    v = r.hsts(h(("Strict-Transport-Security", f"max-age={YEAR}; includeSubDomains")), YEAR, preload=True)
    assert not v.passed and "preload" in v.message and "checks.headers.require_preload" in v.message


@pytest.mark.parametrize(
    ("value", "name", "words"),
    [
        (None, "hsts-not-implemented", ["missing", "(absent)", f"max-age>={YEAR}"]),
        (
            "max-age=300; includeSubDomains",
            "hsts-max-age-too-low",
            ["max-age=300", f"below {YEAR}", "checks.headers.hsts_min_age"],
        ),
        (
            f"max-age={YEAR}",
            "hsts-no-include-subdomains",
            ["includeSubDomains", "checks.headers.require_include_subdomains"],
        ),
        ("includeSubDomains", "hsts-header-invalid", ["invalid", "max-age"]),
        ("max-age=abc", "hsts-header-invalid", ["invalid"]),
        (f"max-age={YEAR}; max-age=1; includeSubDomains", "hsts-header-invalid", ["repeated"]),
        ("", "hsts-header-invalid", ["(empty)"]),
    ],
)
def test_hsts_failures(value: str | None, name: str, words: list[str]) -> None:
    pairs = [] if value is None else [("Strict-Transport-Security", value)]
    v = r.hsts(pairs, YEAR)
    assert not v.passed and v.name == name and v.score < 0
    for word in words:
        assert word in v.message, v.message


def test_hsts_first_header_counts() -> None:
    v = r.hsts(
        h(("Strict-Transport-Security", "max-age=10"), ("Strict-Transport-Security", f"max-age={YEAR}")),
        YEAR,
        include_subdomains=False,
    )
    assert not v.passed and "max-age=10" in v.message


def test_hsts_include_subdomains_optional() -> None:
    assert r.hsts(h(("Strict-Transport-Security", f"max-age={YEAR}")), YEAR, include_subdomains=False).passed


# ------------------------------------------------------------------ CSP


def test_csp_sound_and_default_none_bonus() -> None:
    assert r.csp(h(("Content-Security-Policy", GOOD_CSP))).score == 5
    assert r.csp(h(("Content-Security-Policy", "default-src 'none'"))).score == 10


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ("default-src 'self'; script-src 'self' 'unsafe-inline'", ["script-src allows 'unsafe-inline'"]),
        ("default-src 'self' 'unsafe-eval'", ["default-src allows 'unsafe-eval'"]),
        ("default-src *", ["default-src allows *"]),
        ("default-src 'self'; script-src 'self' http: data:", ["http:", "data:"]),
        ("default-src 'self'; script-src https://cdn.example http://old.example", ["http://old.example"]),
        ("img-src 'self'", ["script-src not set", "object-src not set"]),
        ("default-src 'self'; object-src *", ["object-src allows *"]),
    ],
)
def test_csp_unsafe_sources_reported_per_directive(policy: str, words: list[str]) -> None:
    v = r.csp(h(("Content-Security-Policy", policy)))
    assert not v.passed and v.score < 0
    for word in words:
        assert word in v.message, v.message
    assert "expected:" in v.message


def test_csp_missing_empty_and_garbage() -> None:
    assert r.csp([]).name == "csp-not-implemented"
    assert "(empty)" in r.csp(h(("Content-Security-Policy", "  "))).message
    v = r.csp(h(("Content-Security-Policy", "\u00e9\u00e9\u00e9; ;;")))
    assert not v.passed and v.name == "csp-header-invalid"


def test_csp_nonce_and_strict_dynamic_neutralise_unsafe_inline() -> None:
    assert r.csp(
        h(("Content-Security-Policy", "default-src 'self'; script-src 'nonce-abc' 'unsafe-inline'"))
    ).passed
    assert r.csp(
        h(
            (
                "Content-Security-Policy",
                "object-src 'none'; script-src 'strict-dynamic' 'nonce-x' https: 'unsafe-inline'",
            )
        )
    ).passed


def test_csp_named_exception_allows_exactly_that() -> None:
    policy = h(
        ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'")
    )
    v = r.csp(policy, allow=["script-src 'unsafe-inline'"])
    assert not v.passed and "'unsafe-eval'" in v.reason and "'unsafe-inline'" not in v.reason
    assert r.csp(policy, allow=["script-src 'unsafe-inline'", "script-src 'unsafe-eval'"]).passed


def test_csp_several_policies_intersect() -> None:
    loose = ("Content-Security-Policy", "default-src * 'unsafe-inline'")
    strict = ("Content-Security-Policy", "default-src 'self'")
    assert r.csp(h(loose, strict)).passed
    assert not r.csp(h(loose)).passed


# ------------------------------------------------------------------ small headers


def test_content_type_options() -> None:
    assert r.content_type_options(h(("X-Content-Type-Options", "NoSniff "))).passed
    assert r.content_type_options([]).name == "x-content-type-options-not-implemented"
    bad = r.content_type_options(h(("X-Content-Type-Options", "sniff-away")))
    assert not bad.passed and "sniff-away" in bad.message and "nosniff" in bad.message


def test_frame_options() -> None:
    assert r.frame_options(h(("X-Frame-Options", "sameorigin"))).passed
    assert r.frame_options(h(("Content-Security-Policy", "frame-ancestors 'self'"))).score == 5
    assert not r.frame_options([]).passed
    assert "ALLOW-FROM" in r.frame_options(h(("X-Frame-Options", "ALLOW-FROM https://x"))).message
    assert not r.frame_options(h(("X-Frame-Options", "DENY"), ("X-Frame-Options", "SAMEORIGIN"))).passed
    assert not r.frame_options(h(("Content-Security-Policy", "frame-ancestors *"))).passed


def test_permissions_policy() -> None:
    good = h(("Permissions-Policy", 'camera=(), geolocation=(self "https://maps.example"), fullscreen=*'))
    assert r.permissions_policy(good, required=True).passed
    missing = r.permissions_policy([])
    assert missing.passed and missing.kind == "advisory" and "permissions_policy_required" in missing.message
    assert not r.permissions_policy([], required=True).passed
    bad = r.permissions_policy(h(("Permissions-Policy", "camera 'none'")))
    assert not bad.passed and "cannot be parsed" in bad.message


def test_server_disclosure() -> None:
    assert r.server_disclosure(h(("Server", "nginx"))).passed
    v = r.server_disclosure(h(("Server", "nginx/1.22.1"), ("X-Powered-By", "PHP/8.2")))
    assert not v.passed and "nginx/1.22.1" in v.message and "X-Powered-By" in v.message
    assert not r.server_disclosure(h(("Server", "Apache/2"))).passed
    assert r.server_disclosure(h(("Server", "cloudflare"))).passed


# ------------------------------------------------------------------ CORS

PROBE = "https://golive-probe.invalid"


def test_cors() -> None:
    assert r.cors([r.CorsProbe("GET /", None, None)], PROBE).passed
    assert r.cors([r.CorsProbe("GET /", "*", None)], PROBE).passed
    star = r.cors([r.CorsProbe("GET /", "*", "true")], PROBE)
    assert not star.passed and star.name == "cors-wildcard-with-credentials"
    reflected = r.cors([r.CorsProbe("preflight OPTIONS /", PROBE, None)], PROBE)
    assert not reflected.passed and "reflected" in reflected.message and "preflight" in reflected.message
    assert r.cors([r.CorsProbe("GET /", PROBE, "true")], PROBE, [PROBE + "/"]).passed
    fixed = [r.CorsProbe("GET /", "https://app.example", "true")]
    assert r.cors(fixed, PROBE, ["https://app.example"]).passed
    assert not r.cors(fixed, PROBE, ["https://other.example"]).passed


# ------------------------------------------------------------------ cookies


def test_cookies_sound_and_missing_flags_without_values() -> None:
    assert r.cookies([("/", "sid=s3cr3tvalue; Path=/; Secure; HttpOnly; SameSite=Lax")]).passed
    assert r.cookies([]).passed
    v = r.cookies(
        [
            ("/", "sid=s3cr3tvalue; Path=/; HttpOnly"),
            ("/api/health", "csrf=tok3nvalue; Secure; SameSite=Strict"),
        ]
    )
    assert not v.passed
    assert "sid" in v.message and "Secure" in v.message and "SameSite" in v.message and "csrf" in v.message
    assert "s3cr3tvalue" not in v.message and "tok3nvalue" not in v.message
    readable = r.cookies([("/", "csrf=x; Secure; SameSite=Strict")], script_readable=["CSRF"])
    assert readable.passed
    assert not r.cookies([("/", "a=b; Secure; HttpOnly; SameSite=sometimes")]).passed


# ------------------------------------------------------------------ bad input never crashes

header_names = st.sampled_from(
    [
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Server",
        "X-Powered-By",
        "Set-Cookie",
        "Access-Control-Allow-Origin",
    ]
)
header_values = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(min_size=5000, max_size=9000),
    st.text(alphabet="\u00e9\u4e2d\U0001f600;=,' \t", max_size=50),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(header_names, header_values), max_size=6))
def test_every_rule_gives_a_verdict_for_any_header_values(pairs: list[tuple[str, str]]) -> None:
    verdicts = {
        "hsts": r.hsts(pairs, YEAR),
        "csp": r.csp(pairs),
        "xcto": r.content_type_options(pairs),
        "xfo": r.frame_options(pairs),
        "rp": r.referrer_policy(pairs),
        "pp": r.permissions_policy(pairs, True),
        "server": r.server_disclosure(pairs),
        "cors": r.cors([r.cors_probe("GET /", pairs)], PROBE),
        "cookies": r.cookies([("/", v) for k, v in pairs if k == "Set-Cookie"]),
    }
    for verdict in verdicts.values():
        assert isinstance(verdict.message, str) and verdict.name
        assert len(verdict.message) < 4000  # oversized values are cut, not echoed whole
    assert grade_rules.letter(grade_rules.score(verdicts)) in GRADES


# ------------------------------------------------------------------ grade


def test_grade_scale_and_bonuses() -> None:
    ok = r.hsts(h(("Strict-Transport-Security", f"max-age={YEAR}; includeSubDomains; preload")), YEAR)
    csp = r.csp(h(("Content-Security-Policy", "default-src 'none'")))
    assert grade_rules.score({"a": ok, "b": csp}) == 115
    assert grade_rules.letter(115) == "A+" and grade_rules.letter(90) == "A" and grade_rules.letter(0) == "F"
    missing = {"hsts": r.hsts([], YEAR), "csp": r.csp([]), "b": csp}
    assert grade_rules.score(missing) == 55  # bonuses do not apply below 90
    v = grade_rules.grade(missing, "B")
    assert not v.passed and "C" in v.message and "B or better" in v.message and "headers" not in v.name
    below_a = grade_rules.grade(missing)
    assert below_a.passed and below_a.kind == "advisory" and "below A" in below_a.message
    assert below_a.details["grade"] == "C"
    assert grade_rules.grade(missing, "C").kind == "advisory"
    assert grade_rules.grade({"csp": csp}).kind == "pass"


def test_grade_never_negative() -> None:
    many = {str(i): r.csp([]) for i in range(10)}
    assert grade_rules.score(many) == 0 and grade_rules.letter(0) == "F"


def test_settings_validation() -> None:
    s = HeadersSettings(csp_allow=["script-src   'UNSAFE-INLINE'"], min_grade="b+")
    assert s.csp_allow == ["script-src 'unsafe-inline'"] and s.min_grade == "B+"
    assert s.cookie_paths_for("/api/health") == ["/", "/api/health"]
    with pytest.raises(ValueError):
        HeadersSettings(min_grade="Z")
    with pytest.raises(ValueError):
        HeadersSettings(csp_allow=["unsafe-inline"])
