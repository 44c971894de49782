"""``checks.headers``: policy for the HTTP security header, cookie, CORS, redirect and exposure checks.

Every key has a default that matches the seeds' guidance and Mozilla's HTTP Observatory, so a
profile only writes what it wants to relax or tighten. Relaxations are named (``csp_allow`` lists
the exact directive/source pairs a team accepts) so that an exception is visible in the profile and
cannot silently widen.
"""

# pydantic copies field defaults per instance, so list defaults are safe here.

from __future__ import annotations

import re

from pydantic import Field, field_validator

from golive.durations import Duration
from golive.settings.base import StrictModel

GRADES: tuple[str, ...] = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F")
"""Letter grades, best first (Observatory scale)."""

_CSP_EXCEPTION = re.compile(r"^[a-z-]+\s+\S+$")


class HeadersSettings(StrictModel):
    """Every key has a default; see the README's profile reference.

    - ``hsts_min_age``: minimum Strict-Transport-Security max-age, seconds (default one year).
    - ``require_include_subdomains`` / ``require_preload``: HSTS directives the policy wants.
    - ``path``: the page whose response headers are judged (same-origin redirects followed).
    - ``csp_allow``: accepted CSP exceptions, each ``"<directive> <source>"``
      (e.g. ``"script-src 'unsafe-inline'"``).
    - ``cors_allowed_origins``: origins that may be reflected with credentials.
    - ``cors_probe_origin``: the foreign Origin sent by the CORS probes.
    - ``cors_paths``: paths probed with the foreign Origin and a preflight (default ``["/"]``).
    - ``cookie_paths``: paths whose Set-Cookie headers are judged (default: ``/`` and the smoke
      health path).
    - ``script_readable_cookies``: cookie names allowed without HttpOnly (e.g. a CSRF token).
    - ``exposure_paths``: extra paths that must not expose content (added to the built-in list).
    - ``min_grade``: lowest acceptable Observatory-style grade (``headers.grade``); none by default.
    - ``permissions_policy_required``: make a missing Permissions-Policy a failure (advisory item).
    - ``redirect_max_hops``: redirects followed by ``http.https_redirect``.
    - ``csp_require_object_src``: object-src must be restricted even when script-src is 'none'
      (CSP Evaluator's view, default); false accepts it, as the HTTP Observatory does.
    - ``allow_temporary_redirect``: accept a 302/307 redirect to HTTPS (the Observatory does);
      default false: browsers do not remember a temporary redirect, so 301/308 is asked for.
    - ``cors_allowed_methods`` / ``cors_allowed_headers``: what a CORS preflight may grant
      (``*`` and methods outside the set fail); ``cors_max_age``: the longest preflight cache.
    - ``cors_admin_paths``: paths that must send no CORS grant at all, even to allowed origins.
    - ``session_cookies``: regex of the cookie names whose lifetime is bounded;
      ``cookie_max_age`` (default 7d) / ``admin_cookie_max_age`` (default 1h, for cookies set on
      ``admin_cookie_paths``): the longest Max-Age/Expires they may carry.
    """

    hsts_min_age: int = Field(31536000, ge=0)
    require_include_subdomains: bool = True
    require_preload: bool = False
    path: str = "/"
    csp_allow: list[str] = []
    cors_allowed_origins: list[str] = []
    cors_probe_origin: str = "https://golive-probe.invalid"
    cors_paths: list[str] = ["/"]
    cookie_paths: list[str] | None = None
    script_readable_cookies: list[str] = []
    exposure_paths: list[str] = []
    min_grade: str | None = None
    permissions_policy_required: bool = False
    redirect_max_hops: int = Field(3, ge=1, le=10)
    csp_require_object_src: bool = True
    allow_temporary_redirect: bool = False
    cors_allowed_methods: list[str] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    cors_allowed_headers: list[str] | None = None
    cors_max_age: Duration = Field(86400.0, ge=0)
    cors_admin_paths: list[str] = []
    session_cookies: str = r"(?i)(sess|sid|auth|token|jwt|login)"
    cookie_max_age: Duration = Field(7 * 86400.0, gt=0)
    admin_cookie_paths: list[str] = []
    admin_cookie_max_age: Duration = Field(3600.0, gt=0)

    @field_validator("cors_allowed_methods")
    @classmethod
    def _methods(cls, value: list[str]) -> list[str]:
        upper = [v.strip().upper() for v in value]
        bad = [v for v in upper if not re.fullmatch(r"[A-Z]+", v)]
        if bad:
            raise ValueError(f"expected HTTP method names (GET, POST...); got {bad}")
        return upper

    @field_validator("cors_allowed_headers")
    @classmethod
    def _header_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        bad = [v for v in value if not re.fullmatch(r"[A-Za-z0-9-]+", v.strip())]
        if bad:
            raise ValueError(f"expected header names (Content-Type, Authorization...); got {bad}")
        return [v.strip().lower() for v in value]

    @field_validator("session_cookies")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"expected a regular expression; {exc}") from None
        return value

    @field_validator("csp_allow")
    @classmethod
    def _csp_exceptions(cls, value: list[str]) -> list[str]:
        cleaned = []
        for entry in value:
            text = " ".join(entry.split()).lower()
            if not _CSP_EXCEPTION.match(text):
                raise ValueError(
                    f"expected '<directive> <source>' like \"script-src 'unsafe-inline'\"; got {entry!r}"
                )
            cleaned.append(text)
        return cleaned

    @field_validator("min_grade")
    @classmethod
    def _grade(cls, value: str | None) -> str | None:
        if value is None:
            return value
        grade = value.strip().upper()
        if grade not in GRADES:
            raise ValueError(f"expected one of {', '.join(GRADES)}; got {value!r}")
        return grade

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return [v.rstrip("/").lower() for v in value]

    def cookie_paths_for(self, health_path: str) -> list[str]:
        """The cookie paths, defaulting to ``/`` and the smoke health path (deduplicated)."""
        paths = self.cookie_paths if self.cookie_paths is not None else ["/", health_path]
        return list(dict.fromkeys(paths))
