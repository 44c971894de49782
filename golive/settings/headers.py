"""``checks.headers``: policy for the HTTP security header checks."""

from __future__ import annotations

from golive.settings.base import StrictModel


class HeadersSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    hsts_min_age: int = 31536000
    require_include_subdomains: bool = True
    require_preload: bool = False
