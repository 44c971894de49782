"""``checks.prerequisites``: what the hosts must have before a deploy."""

from __future__ import annotations

from golive.settings.base import StrictModel


class PrerequisitesSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""
