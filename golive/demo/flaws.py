"""The demo target's flaws: each one defect, everything else staying sound.

golive proves every check both ways: the sound demo passes, and a demo with exactly the defect a
check looks for fails it. A flaw is therefore data, not code: ``FLAWS`` names and describes it,
``_CHANGES`` says which field of the sound ``Behaviour`` it changes. ``behaviour(flaws, version)``
builds the behaviour once per server; the app reads fields, it never asks "is flaw X on?".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

VERSION = "1.4.2"
"""The release the sound demo reports."""

ALLOWED_ORIGIN = "https://app.demo.golive.test"
"""The one cross origin the demo's CORS policy trusts (with credentials)."""

HSTS = "max-age=63072000; includeSubDomains; preload"
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
PERMISSIONS = "camera=(), microphone=(), geolocation=()"

FLAWS: dict[str, str] = {
    "hsts_missing": "no Strict-Transport-Security header",
    "hsts_short": "Strict-Transport-Security max-age=300 (five minutes)",
    "hsts_no_subdomains": "Strict-Transport-Security without includeSubDomains",
    "csp_missing": "no Content-Security-Policy header",
    "csp_unsafe_inline": "Content-Security-Policy script-src allows 'unsafe-inline'",
    "csp_unsafe_eval": "Content-Security-Policy script-src allows 'unsafe-eval'",
    "nosniff_missing": "no X-Content-Type-Options: nosniff",
    "frame_options_missing": "neither X-Frame-Options nor CSP frame-ancestors (clickjacking)",
    "referrer_unsafe": "Referrer-Policy: unsafe-url",
    "permissions_policy_missing": "no Permissions-Policy header",
    "server_version": "Server: nginx/1.22.1 and X-Powered-By: Express disclose the stack",
    "cors_wildcard_credentials": "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true",
    "cors_reflect_origin": "any Origin reflected in Access-Control-Allow-Origin, with credentials",
    "cookie_insecure": "session cookie without Secure",
    "cookie_no_httponly": "session cookie without HttpOnly",
    "cookie_no_samesite": "session cookie without SameSite",
    "redirect_302": "plain HTTP redirects to HTTPS with 302 (temporary) instead of 301",
    "redirect_http_location": "plain HTTP answers 301 to an http:// location",
    "redirect_other_host": "plain HTTP answers 301 to https://evil.example.invalid/",
    "no_redirect": "plain HTTP serves the site (200) instead of redirecting",
    "exposure_git": "/.git/config serves a git config",
    "exposure_env": "/.env serves KEY=VALUE lines with a database password",
    "exposure_listing": "/backup/ serves a directory listing",
    "exposure_stacktrace": "/api/crash and error pages answer 500 with a Python traceback",
    "soft_404": "unknown paths answer 200 with the home page (not a defect: a trap for naive scanners)",
    "health_503": "/api/health answers 503",
    "health_unhealthy": '/api/health answers 200 {"status": "unhealthy"}',
    "health_html_error": "/api/health answers 500 with an HTML error page",
    "health_slow": "/api/health sleeps GOLIVE_DEMO_SLOW_MS (default 400 ms) before answering",
    "component_down": "comprehensive health reports redis down (connection refused)",
    "version_old": "reports the previous release (1.4.1 instead of 1.4.2)",
    "auth_not_enforced": "/api/private and /api/hooks/deploy answer 200 without credentials",
    "metrics_missing": "/metrics lacks http_requests_total",
    "errors_under_load": "/api/health answers 503 when more than 4 requests are in flight",
    "slow_under_load": "every request sleeps 40 ms per request in flight",
    "input_raises": "/api/chat raises on malformed input (500) instead of answering 400/413/415/422",
    "jwt_alg_none": "/api/account accepts unsigned (alg: none) JWTs",
    "jwt_expired_accepted": "/api/account accepts expired JWTs",
    "websocket_refused": "/ws refuses the WebSocket upgrade (403), as a proxy without Upgrade headers would",
    "rate_limit_missing": "/login has no rate limit (the sound demo answers 429 after 10 requests a second)",
    "compression_off": "text answers are never gzip-compressed",
    "assets_short_cache": "hashed assets answer Cache-Control: public, max-age=60 (no immutable)",
    "html_public_cache": "HTML pages answer Cache-Control: public, max-age=3600",
    "source_maps_served": "/static/*.js.map serves the bundle's source map",
    "verbose_errors": "404 and error pages show the server's versions and a source file path",
    "xss_protection_legacy": "X-XSS-Protection: 1; mode=block (deprecated: an advisory finding, still GO)",
    "cookie_long_lived": "the session cookie lives a year (Max-Age=31536000)",
    "cors_broad_preflight": "CORS preflights of the trusted origin grant every method and header (*), for a year",
}

Redirect = Literal["https", "http_location", "other_host", "none"]
Cors = Literal["allowlist", "wildcard", "reflect"]
Health = Literal["ok", "503", "unhealthy", "html_error", "slow"]


@dataclass(frozen=True)
class Behaviour:
    """What the demo serves; the defaults are the sound service."""

    version: str = VERSION
    hsts: str | None = HSTS
    csp: str | None = CSP
    nosniff: bool = True
    frame_options: str | None = "DENY"
    referrer_policy: str | None = "strict-origin-when-cross-origin"
    permissions_policy: str | None = PERMISSIONS
    server: str = "golive-demo"
    powered_by: str | None = None
    cors: Cors = "allowlist"
    cookie_secure: bool = True
    cookie_httponly: bool = True
    cookie_samesite: str | None = "Lax"
    redirect: Redirect = "https"
    redirect_status: int = 301
    exposed: frozenset[str] = frozenset()
    """Any of ``git``, ``env``, ``listing``, ``stacktrace``."""
    soft_404: bool = False
    health: Health = "ok"
    component_down: bool = False
    auth_enforced: bool = True
    request_metrics: bool = True
    errors_under_load: bool = False
    slow_under_load: bool = False
    validates_input: bool = True
    jwt_alg_none: bool = False
    jwt_verify_exp: bool = True
    websocket: bool = True
    rate_limit: int | None = 10
    """Requests per second and client on /login (None: no limit)."""
    compression: bool = True
    asset_cache: str = "public, max-age=31536000, immutable"
    html_cache: str = "no-cache"
    source_maps: bool = False
    verbose_errors: bool = False
    xss_protection: str | None = None
    cookie_max_age: int = 8 * 3600
    cors_preflight: Literal["policy", "broad"] = "policy"
    flaws: frozenset[str] = frozenset()

    def security_headers(self, https: bool) -> list[tuple[str, str]]:
        """The security headers of every response (HSTS only over HTTPS, as RFC 6797 wants)."""
        pairs: list[tuple[str, str] | None] = [
            ("Strict-Transport-Security", self.hsts) if https and self.hsts else None,
            ("Content-Security-Policy", self.csp) if self.csp else None,
            ("X-Content-Type-Options", "nosniff") if self.nosniff else None,
            ("X-Frame-Options", self.frame_options) if self.frame_options else None,
            ("Referrer-Policy", self.referrer_policy) if self.referrer_policy else None,
            ("Permissions-Policy", self.permissions_policy) if self.permissions_policy else None,
            ("Server", self.server),
            ("X-Powered-By", self.powered_by) if self.powered_by else None,
            ("X-App-Version", self.version),
            ("X-XSS-Protection", self.xss_protection) if self.xss_protection else None,
        ]
        return [p for p in pairs if p is not None]

    def cookie(self, value: str) -> str:
        """The ``Set-Cookie`` value of the session cookie."""
        parts = [f"session={value}", "Path=/", f"Max-Age={self.cookie_max_age}"]
        if self.cookie_secure:
            parts.append("Secure")
        if self.cookie_httponly:
            parts.append("HttpOnly")
        if self.cookie_samesite:
            parts.append(f"SameSite={self.cookie_samesite}")
        return "; ".join(parts)

    def allowed_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for a request from ``origin`` (None: no CORS)."""
        if self.cors == "wildcard":
            return "*"
        if origin is None:
            return None
        if self.cors == "reflect" or origin.rstrip("/").lower() == ALLOWED_ORIGIN:
            return origin
        return None


_CHANGES: dict[str, dict[str, Any]] = {
    "hsts_missing": {"hsts": None},
    "hsts_short": {"hsts": "max-age=300; includeSubDomains"},
    "hsts_no_subdomains": {"hsts": "max-age=63072000"},
    "csp_missing": {"csp": None},
    "csp_unsafe_inline": {"csp": CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")},
    "csp_unsafe_eval": {"csp": CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")},
    "nosniff_missing": {"nosniff": False},
    "frame_options_missing": {"frame_options": None, "csp": CSP.replace("; frame-ancestors 'none'", "")},
    "referrer_unsafe": {"referrer_policy": "unsafe-url"},
    "permissions_policy_missing": {"permissions_policy": None},
    "server_version": {"server": "nginx/1.22.1", "powered_by": "Express"},
    "cors_wildcard_credentials": {"cors": "wildcard"},
    "cors_reflect_origin": {"cors": "reflect"},
    "cookie_insecure": {"cookie_secure": False},
    "cookie_no_httponly": {"cookie_httponly": False},
    "cookie_no_samesite": {"cookie_samesite": None},
    "redirect_302": {"redirect_status": 302},
    "redirect_http_location": {"redirect": "http_location"},
    "redirect_other_host": {"redirect": "other_host"},
    "no_redirect": {"redirect": "none"},
    "exposure_git": {"exposed": {"git"}},
    "exposure_env": {"exposed": {"env"}},
    "exposure_listing": {"exposed": {"listing"}},
    "exposure_stacktrace": {"exposed": {"stacktrace"}},
    "soft_404": {"soft_404": True},
    "health_503": {"health": "503"},
    "health_unhealthy": {"health": "unhealthy"},
    "health_html_error": {"health": "html_error"},
    "health_slow": {"health": "slow"},
    "component_down": {"component_down": True},
    "version_old": {"version": "previous"},
    "auth_not_enforced": {"auth_enforced": False},
    "metrics_missing": {"request_metrics": False},
    "errors_under_load": {"errors_under_load": True},
    "slow_under_load": {"slow_under_load": True},
    "input_raises": {"validates_input": False},
    "jwt_alg_none": {"jwt_alg_none": True},
    "jwt_expired_accepted": {"jwt_verify_exp": False},
    "websocket_refused": {"websocket": False},
    "rate_limit_missing": {"rate_limit": None},
    "compression_off": {"compression": False},
    "assets_short_cache": {"asset_cache": "public, max-age=60"},
    "html_public_cache": {"html_cache": "public, max-age=3600"},
    "source_maps_served": {"source_maps": True},
    "verbose_errors": {"verbose_errors": True},
    "xss_protection_legacy": {"xss_protection": "1; mode=block"},
    "cookie_long_lived": {"cookie_max_age": 31536000},
    "cors_broad_preflight": {"cors_preflight": "broad"},
}
assert _CHANGES.keys() == FLAWS.keys(), "every flaw has a description and a change"


def check_flaws(flaws: Iterable[str]) -> frozenset[str]:
    """The flaw names as a set; ValueError naming the unknown ones and listing the known ones."""
    chosen = frozenset(f.strip() for f in flaws if f.strip())
    unknown = sorted(chosen - FLAWS.keys())
    if unknown:
        raise ValueError(f"unknown demo flaw(s): {', '.join(unknown)}; known flaws: {', '.join(FLAWS)}")
    return chosen


def previous_version(version: str) -> str:
    """The release before ``version`` (last number minus one: 1.4.2 → 1.4.1, 2.0.0 → 2.0.0-rc1)."""
    match = re.match(r"^(.*?)(\d+)(\D*)$", version)
    if not match or int(match.group(2)) == 0:
        return f"{version}-rc1"
    head, number, tail = match.groups()
    return f"{head}{int(number) - 1}{tail}"


def behaviour(flaws: Iterable[str] = (), version: str = VERSION) -> Behaviour:
    """The sound behaviour with each flaw's change applied (each flaw touches its own fields)."""
    chosen = check_flaws(flaws)
    changes: dict[str, Any] = {"version": version, "flaws": chosen}
    exposed: set[str] = set()
    for name in sorted(chosen):
        change = dict(_CHANGES[name])
        exposed |= change.pop("exposed", set())
        if change.get("version") == "previous":
            change["version"] = previous_version(version)
        if "csp" in change and "csp" in changes and changes["csp"] is not None and change["csp"] is not None:
            # Two CSP flaws at once (e.g. unsafe-inline and no frame-ancestors): combine both edits.
            change["csp"] = _merge_csp(changes["csp"], change["csp"])
        changes.update(change)
    changes["exposed"] = frozenset(exposed)
    return dataclasses.replace(Behaviour(), **changes)


def _merge_csp(first: str, second: str) -> str:
    """A CSP carrying both flaws' edits of the sound CSP."""
    result = first
    if "frame-ancestors" not in second:
        result = result.replace("; frame-ancestors 'none'", "")
    for keyword in ("'unsafe-inline'", "'unsafe-eval'"):
        if keyword in second and keyword not in result:
            result = result.replace("script-src 'self'", f"script-src 'self' {keyword}", 1)
    return result
