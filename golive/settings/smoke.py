"""``checks.smoke``: the post-deploy smoke requests."""

from __future__ import annotations

from golive.durations import Duration
from golive.settings.base import StrictModel


class LatencySettings(StrictModel):
    """Sequential samples of the health path and the p95 budget."""

    samples: int = 20
    p95: Duration = 0.5


class SmokeSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    health_path: str = "/api/health"
    healthy_statuses: list[str] = ["ok", "healthy", "up", "pass"]
    latency: LatencySettings = LatencySettings()
