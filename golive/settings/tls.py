"""``checks.tls``: policy for the TLS checks (sslyze)."""

from __future__ import annotations

from golive.settings.base import StrictModel


class TlsSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    policy: str = "intermediate"
    min_days_remaining: int = 30
    require_tls13: bool = False
