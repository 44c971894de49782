"""``checks.monitoring``: Prometheus, Alertmanager, Grafana, the app's metrics, what they report.

The monitoring stack is optional: each of ``prometheus_url``, ``alertmanager_url`` and
``grafana_url`` turns its checks on when set (no URL, no test, no noise); with both Prometheus and
Alertmanager, ``monitoring.alert_wiring`` checks that one sends to the other. ``metrics`` (required
metric names of the app's own ``metrics_path``) turns ``monitoring.metrics_endpoint`` on. The
threshold items (``resource_usage``, ``db_connections``, ``cache_hit_rate``, ``queues``), the alert
delivery, the uptime probes, the post-deploy watch and the dashboards run when their block is set.
"""

# pydantic copies field defaults per instance, so list/dict defaults are safe here.

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel

DEFAULT_ERROR_RATE_QUERY = (
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'
)
"""The seeds' HighErrorRate expression, summed over the jobs: share of 5xx answers in 5 minutes."""

DEFAULT_LATENCY_QUERY = (
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"
)
"""p95 latency in seconds from the seeds' prom-client histogram ``http_request_duration_seconds``."""

PRESET_QUERIES: dict[str, str] = {
    # node-exporter (seed 001 scrapes it): share of memory in use, CPU busy, fullest filesystem
    "memory": "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
    "cpu": '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
    "disk": '1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} '
            '/ node_filesystem_size_bytes{fstype!~"tmpfs|overlay"}',
    # postgres_exporter: connections in use out of max_connections
    "db_connections": "sum by (instance) (pg_stat_activity_count) / on (instance) max by (instance) "
                      "(pg_settings_max_connections)",
    # redis_exporter: keyspace hits / (hits + misses)
    "cache_hit_rate": "sum(rate(redis_keyspace_hits_total[5m])) / (sum(rate(redis_keyspace_hits_total[5m])) "
                      "+ sum(rate(redis_keyspace_misses_total[5m])))",
}
"""Default PromQL of the named thresholds (the exporters the seeds run: node, postgres, redis)."""

_COMPARISON = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")


def _url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an absolute http:// or https:// URL; got {value!r}")
    return value.rstrip("/")


class AlertRuleSpec(StrictModel):
    """A required alerting rule: its ``name`` and, when given, its expression (``expr``, a regex
    searched in the expression as Prometheus prints it), the comparison at the top of the
    expression (``threshold``: ``"> 0.05"``), its ``for`` duration (exact), its ``severity`` label,
    and a ``runbook_url`` annotation (``require_runbook_url`` sets the default)."""

    name: str
    expr: str | None = None
    threshold: str | None = None
    for_: Duration | None = Field(default=None, alias="for")
    severity: str | None = None
    runbook_url: bool | None = None

    @field_validator("expr")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc}): {value!r}") from None
        return value

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, value: str | None) -> str | None:
        if value is not None and not _COMPARISON.match(value):
            raise ValueError(f"expected a comparison like '> 0.05' or '<= 3'; got {value!r}")
        return value


class Threshold(StrictModel):
    """A PromQL query every series of which must stay at most ``max`` (or at least ``min``) over
    the window; ``query`` defaults to the preset of ``name`` (memory, cpu, disk, db_connections,
    cache_hit_rate)."""

    name: str
    query: str | None = None
    max: float | None = None
    min: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if (self.max is None) == (self.min is None):
            raise ValueError("give exactly one of max or min")
        if self.query is None and self.name not in PRESET_QUERIES:
            raise ValueError(f"no preset query named {self.name!r}: give a query (presets: "
                             f"{', '.join(sorted(PRESET_QUERIES))})")
        return self

    @property
    def promql(self) -> str:
        return self.query or PRESET_QUERIES[self.name]


class AlertDelivery(StrictModel):
    """The synthetic alert: routed to ``receiver`` by Alertmanager (its labels plus ``labels`` must
    match the route), delivered through ``integration`` (webhook, slack, email, pagerduty... the
    notifier whose counters confirm it; default any) within ``wait`` (longer than the route's
    ``group_wait``)."""

    receiver: str
    integration: str | None = None
    labels: dict[str, str] = {}
    wait: Duration = 60.0

    @field_validator("wait")
    @classmethod
    def _bounded(cls, value: float) -> float:
        if not 1 <= value <= 1800:
            raise ValueError(f"expected between 1s and 30m; got {value:g}s")
        return value


class UptimeProbes(StrictModel):
    """Blackbox-exporter probes Prometheus scrapes: for each of ``targets`` (the probed URL as the
    series' ``label``, default ``instance``), ``probe_success`` exists and averages at least
    ``min_success`` over the window. No ``targets``: every target's health URL (``url`` +
    ``checks.smoke.health_path``)."""

    targets: list[str] = []
    label: str = "instance"
    job: str | None = None
    min_success: float = Field(default=1.0, ge=0, le=1)


class PostDeployWatch(StrictModel):
    """Watch error rate and latency for ``duration`` (the seeds' "monitor error rates for 30
    minutes"), polling Prometheus every ``interval``; fails at the first breach."""

    duration: Duration = 1800.0
    interval: Duration = 30.0
    error_rate_query: str | None = None
    max_error_rate: float | None = Field(default=None, ge=0, le=1)
    latency_query: str = DEFAULT_LATENCY_QUERY
    max_latency: Duration | None = 0.5

    @model_validator(mode="after")
    def _bounded(self) -> PostDeployWatch:
        if not 1 <= self.duration <= 86400:
            raise ValueError("duration: expected between 1s and 24h")
        if not 0.5 <= self.interval <= self.duration:
            raise ValueError("interval: expected between 500ms and the duration")
        return self


class Silences(StrictModel):
    """Active Alertmanager silences are findings (a maintenance window left behind mutes real
    alerts), except those whose comment matches one of ``allowed`` (regexes)."""

    allowed: list[str] = []


class MonitoringSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    prometheus_url: str | None = None
    alertmanager_url: str | None = None
    grafana_url: str | None = None
    grafana_token: str | None = Field(default=None, repr=False)
    jobs: list[str] = []
    alerts: list[str | AlertRuleSpec] = []
    require_runbook_url: bool = False
    metrics_path: str = "/metrics"
    metrics: list[str] = []
    error_rate_query: str = DEFAULT_ERROR_RATE_QUERY
    max_error_rate: float = 0.001
    window: Duration = 300.0
    resource_usage: list[Threshold] = []
    db_connections: Threshold | None = None
    cache_hit_rate: Threshold | None = None
    queues: list[Threshold] = []
    alert_delivery: AlertDelivery | None = None
    uptime_probes: UptimeProbes | None = None
    post_deploy_watch: PostDeployWatch | None = None
    silences: Silences = Silences()
    dashboards: list[str] = []
    timeout: Duration = 5.0

    _urls = field_validator("prometheus_url", "alertmanager_url", "grafana_url")(classmethod(lambda cls, v: _url(v)))

    @field_validator("max_error_rate")
    @classmethod
    def _ratio(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError(f"expected a ratio between 0 and 1 (0.001 = 0.1 %); got {value}")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: float) -> float:
        if value and not 1 <= value <= 7 * 86400:
            raise ValueError("expected 0 (instant) or between 1s and 7d")
        return value

    @property
    def alert_specs(self) -> list[AlertRuleSpec]:
        """``alerts`` as specs (a bare name asks for the rule only), with the runbook default."""
        specs = [a if isinstance(a, AlertRuleSpec) else AlertRuleSpec(name=a) for a in self.alerts]
        return [s if s.runbook_url is not None else s.model_copy(update={"runbook_url": self.require_runbook_url})
                for s in specs]

