"""``checks.monitoring``: Prometheus, Alertmanager, Grafana and the app's metrics."""

from __future__ import annotations

from golive.settings.base import StrictModel


class MonitoringSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""
