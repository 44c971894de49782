"""``checks.load``: the bounded locust run and its thresholds."""

from __future__ import annotations

from golive.durations import Duration
from golive.settings.base import StrictModel


class LoadSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    users: int = 20
    spawn_rate: float = 10
    duration: Duration = 15.0
    thresholds: list[str] = ["p95 < 500ms", "error_rate < 1%"]
