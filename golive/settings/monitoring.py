"""``checks.monitoring``: Prometheus, Alertmanager, Grafana and the app's metrics.

The monitoring stack is optional: each of ``prometheus_url``, ``alertmanager_url`` and
``grafana_url`` turns its checks on when set (no URL, no test, no noise). ``metrics`` (required
metric names of the app's own ``metrics_path``) turns ``monitoring.metrics_endpoint`` on.
"""

# pydantic copies field defaults per instance, so list/dict defaults are safe here.

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import field_validator

from golive.durations import Duration
from golive.settings.base import StrictModel

DEFAULT_ERROR_RATE_QUERY = (
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'
)
"""The seeds' HighErrorRate expression, summed over the jobs: share of 5xx answers in 5 minutes."""


class MonitoringSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    prometheus_url: str | None = None
    alertmanager_url: str | None = None
    grafana_url: str | None = None
    jobs: list[str] = []
    alerts: list[str] = []
    metrics_path: str = "/metrics"
    metrics: list[str] = []
    error_rate_query: str = DEFAULT_ERROR_RATE_QUERY
    max_error_rate: float = 0.001
    timeout: Duration = 5.0

    @field_validator("prometheus_url", "alertmanager_url", "grafana_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an absolute http:// or https:// URL; got {value!r}")
        return value.rstrip("/")

    @field_validator("max_error_rate")
    @classmethod
    def _ratio(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError(f"expected a ratio between 0 and 1 (0.001 = 0.1 %); got {value}")
        return value
