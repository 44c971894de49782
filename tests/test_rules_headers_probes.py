"""Unit tests of the header rules issue 17 extends: X-XSS-Protection, CORS grants, cookie lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from golive.profile import ProfileError
from golive.rules import headers as r
from tests.test_probes_settings import load

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEEK = 7 * 86400.0
POLICY = r.CookieLifetimes(r"(?i)(sess|sid)", WEEK, ("/admin/",), 3600.0)


@pytest.mark.parametrize(("value", "kind"), [
    (None, "pass"), ("0", "pass"), ("1; mode=block", "advisory"), ("1;mode=block", "advisory"),
    ("1", "fail"), ("1; report=https://r.example", "fail"), ("yes", "fail"),
])
def test_xss_protection_follows_current_guidance(value: str | None, kind: str) -> None:
    pairs = [("X-XSS-Protection", value)] if value is not None else []
    verdict = r.xss_protection(pairs)
    assert verdict.kind == kind, verdict
    if kind == "fail":
        assert value in verdict.message and "expected: absent, or 0" in verdict.message


def _grant(methods: str | None = None, headers: str | None = None, max_age: str | None = None,
           admin: bool = False) -> r.CorsProbe:
    return r.CorsProbe("preflight OPTIONS /", "https://app.example", "true", 204, methods, headers, max_age, admin)


def test_cors_grant_within_policy_passes() -> None:
    verdict = r.cors([_grant("GET, POST", "content-type", "600")], "https://evil.invalid", ["https://app.example"],
                     ["GET", "POST"], None, 86400)
    assert verdict.passed and "granted preflights within policy (1)" in verdict.message


@pytest.mark.parametrize(("probe", "words"), [
    (_grant("GET, TRACE"), ["Access-Control-Allow-Methods grants TRACE", "methods within GET, POST"]),
    (_grant("*"), ["Access-Control-Allow-Methods grants *"]),
    (_grant(headers="*"), ["Access-Control-Allow-Headers grants *", "(no *)"]),
    (_grant(headers="x-debug"), ["grants x-debug", "within content-type"]),
    (_grant(max_age="31536000"), ["Access-Control-Max-Age 31536000s above 86400s"]),
    (_grant(max_age="soon"), ["Access-Control-Max-Age is not a number"]),
    (_grant(admin=True), ["an admin path sends a CORS grant", "no Access-Control-Allow-* headers"]),
])
def test_cors_broad_grants_fail_naming_the_header(probe: r.CorsProbe, words: list[str]) -> None:
    allowed_headers = ["content-type"] if probe.allow_headers == "x-debug" else None
    verdict = r.cors([probe], "https://evil.invalid", ["https://app.example"], ["GET", "POST"], allowed_headers,
                     86400)
    assert not verdict.passed
    for word in words:
        assert word in verdict.message, (word, verdict.message)


def test_cors_admin_probe_without_grant_passes() -> None:
    quiet = r.CorsProbe("admin GET /admin/", None, None, 200, admin=True)
    assert r.cors([quiet], "https://evil.invalid").passed


@pytest.mark.parametrize(("cookie", "path", "lifetime_ok"), [
    ("sid=v4lue-9; Max-Age=3600; Secure; HttpOnly; SameSite=Lax", "/", True),
    ("sid=v4lue-9; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax", "/", False),
    ("sid=v4lue-9; Expires=Wed, 20 Nov 2030 12:00:00 GMT; Secure; HttpOnly; SameSite=Lax", "/", False),
    ("sid=v4lue-9; Expires=Sat, 21 Nov 2026 12:00:00 GMT; Secure; HttpOnly; SameSite=Lax", "/", True),
    ("sid=v4lue-9; Max-Age=3600; Expires=Wed, 20 Nov 2030 12:00:00 GMT; Secure; HttpOnly; SameSite=Lax", "/", True),
    ("sid=v4lue-9; Expires=garbage; Secure; HttpOnly; SameSite=Lax", "/", True),
    ("sid=v4lue-9; Secure; HttpOnly; SameSite=Lax", "/", True),
    ("theme=dark; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax", "/", True),
    ("sid=v4lue-9; Max-Age=86400; Secure; HttpOnly; SameSite=Lax", "/admin/", False),
    ("sid=v4lue-9; Max-Age=1800; Secure; HttpOnly; SameSite=Lax", "/admin/", True),
])
def test_cookie_lifetime_bound(cookie: str, path: str, lifetime_ok: bool) -> None:
    verdict = r.cookies([(path, cookie)], (), POLICY, NOW)
    assert verdict.passed is lifetime_ok, verdict.message
    if not lifetime_ok:
        assert "cookie sid" in verdict.message and "above" in verdict.message
        assert "v4lue-9" not in verdict.message  # the value never shows


def test_new_header_keys_are_validated_with_their_path(tmp_path) -> None:
    for checks, key in (({"headers": {"cors_allowed_methods": ["GET", "not a method"]}},
                         "checks.headers.cors_allowed_methods"),
                        ({"headers": {"cors_max_age": 600}}, "checks.headers.cors_max_age"),
                        ({"headers": {"session_cookies": "(unclosed"}}, "checks.headers.session_cookies"),
                        ({"headers": {"cookie_max_age": "0s"}}, "checks.headers.cookie_max_age")):
        with pytest.raises(ProfileError) as caught:
            load(tmp_path, {"checks": checks})
        assert caught.value.key == key, caught.value
