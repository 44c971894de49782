"""Unit tests of the pure monitoring rules and the exposition parser (no network)."""

from __future__ import annotations

import math

import pytest

from golive.monitoring.exposition import ExpositionError, exposed_metric_names
from golive.monitoring.observations import AlertRule, Sample, ScrapeTarget
from golive.rules import monitoring as rules
from golive.settings.monitoring import MonitoringSettings

UP = ScrapeTarget("app", "127.0.0.1:8443", "up", "https://127.0.0.1:8443/metrics")
DOWN = ScrapeTarget("worker", "127.0.0.1:9", "down", "http://127.0.0.1:9/metrics", "connection refused")


def test_targets_all_up_passes_and_down_target_is_named() -> None:
    assert rules.prometheus_targets([UP]).passed
    verdict = rules.prometheus_targets([UP, DOWN]).about("prometheus")
    assert not verdict.passed
    assert (
        "worker http://127.0.0.1:9/metrics down" in verdict.message
        and "connection refused" in verdict.message
    )
    assert "1/2 up" in verdict.message


def test_targets_listed_jobs_only_and_missing_job() -> None:
    assert rules.prometheus_targets([UP, DOWN], jobs=["app"]).passed
    verdict = rules.prometheus_targets([UP], jobs=["app", "db"])
    assert not verdict.passed and "no target for job(s) db" in verdict.message
    assert not rules.prometheus_targets([]).passed


def test_alert_rules_required_names() -> None:
    loaded = [AlertRule("ServiceDown", "critical"), AlertRule("HighErrorRate", "critical")]
    assert rules.alert_rules(loaded, ["ServiceDown", "HighErrorRate"]).passed
    verdict = rules.alert_rules(loaded[:1], ["ServiceDown", "HighErrorRate"]).about("prometheus")
    assert not verdict.passed and "missing alert rule(s) HighErrorRate" in verdict.message
    assert "loaded: ServiceDown" in verdict.message
    assert rules.alert_rules(loaded).passed and not rules.alert_rules([]).passed
    assert not rules.alert_rules([AlertRule("ServiceDown", "g", "err")], ["ServiceDown"]).passed


def test_alertmanager_ready_and_not() -> None:
    doc = {"cluster": {"status": "ready"}, "versionInfo": {"version": "0.25.0"}}
    assert rules.alertmanager(200, doc).passed
    assert rules.alertmanager(200, {"cluster": {"status": "disabled"}}).passed
    assert not rules.alertmanager(503, None).passed
    verdict = rules.alertmanager(200, {"cluster": {"status": "settling"}})
    assert not verdict.passed and "settling" in verdict.message


def test_grafana_health_contract() -> None:
    assert rules.grafana(200, {"commit": "abc", "database": "ok", "version": "11.3.0"}).passed
    verdict = rules.grafana(503, {"database": "failing"}).about("grafana")
    assert not verdict.passed and "database=failing" in verdict.message and "database=ok" in verdict.message


EXPOSITION = """# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",status="200"} 12
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1"} 3
http_request_duration_seconds_sum 0.4
process_resident_memory_bytes 1.2e+07
"""


def test_exposed_names_and_metrics_rule() -> None:
    names = exposed_metric_names(EXPOSITION)
    assert {
        "http_requests_total",
        "http_request_duration_seconds",
        "http_request_duration_seconds_bucket",
        "process_resident_memory_bytes",
    } <= names
    assert rules.metrics_endpoint("/metrics", 200, "text/plain", names, ["http_requests_total"]).passed
    missing = rules.metrics_endpoint("/metrics", 200, "text/plain", names, ["omnitask_commands_total"])
    assert not missing.passed and "lacks omnitask_commands_total" in missing.message
    assert missing.expected == "omnitask_commands_total"
    assert not rules.metrics_endpoint("/metrics", 404, "text/html", set(), ["x"]).passed
    with pytest.raises(ExpositionError, match="not the Prometheus text format"):
        exposed_metric_names("<html>")
    assert not rules.metrics_endpoint("/metrics", 200, "text/html", set(), []).passed


def test_error_rate_rule() -> None:
    assert rules.error_rate([Sample({}, 0.0002)], 0.001, "q").passed
    high = rules.error_rate([Sample({"job": "app"}, 0.25)], 0.001, "q").about("prometheus")
    assert (
        not high.passed
        and "25.000%" in high.message
        and "< 0.100%" in high.message
        and "job=app" in high.message
    )
    assert rules.error_rate([Sample({}, math.nan)], 0.001, "q").passed
    assert not rules.error_rate([], 0.001, "q").passed


def test_monitoring_settings_validate_urls_and_ratio() -> None:
    settings = MonitoringSettings.model_validate(
        {"prometheus_url": "http://127.0.0.1:9090/", "timeout": "2s"}
    )
    assert settings.prometheus_url == "http://127.0.0.1:9090" and settings.timeout == 2
    for bad in ({"grafana_url": "localhost:3000"}, {"max_error_rate": 5}):
        try:
            MonitoringSettings.model_validate(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


# --------------------------------------------------------------------------- issue 19

from golive.monitoring.observations import (  # noqa: E402
    AlertmanagerTarget,
    Dashboard,
    Delivery,
    Silence,
    WatchPoint,
)
from golive.settings.monitoring import (  # noqa: E402
    AlertDelivery,
    AlertRuleSpec,
    PostDeployWatch,
    Threshold,
)


def test_alert_rule_specs_expression_threshold_for_severity_runbook() -> None:
    query = '(sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))) > 0.05'
    rule = AlertRule("HighErrorRate", "g", "ok", query, 120.0, {"severity": "critical"},
                     {"runbook_url": "https://runbooks.example.com/x"})
    spec = AlertRuleSpec.model_validate({"name": "HighErrorRate", "expr": "http_requests_total",
                                         "threshold": "> 0.05", "for": "2m", "severity": "critical",
                                         "runbook_url": True})
    assert rules.alert_rules([rule], [spec]).passed
    loose = AlertRule("HighErrorRate", "g", "ok", query.replace("0.05", "0.5"), 600.0, {"severity": "warning"}, {})
    message = rules.alert_rules([loose], [spec]).message
    for part in ("threshold > 0.5, expected > 0.05", "for 10m, expected 2m", "severity warning, expected critical",
                 "no runbook_url annotation"):
        assert part in message, (part, message)
    assert "does not match /up == 0/" in rules.alert_rules([rule], [AlertRuleSpec(name="HighErrorRate",
                                                                                     expr="up == 0")]).message


def test_alert_wiring() -> None:
    active = [AlertmanagerTarget("http://127.0.0.1:9093/api/v2/alerts", True)]
    assert rules.alert_wiring(active, "http://127.0.0.1:9093").passed
    assert "does not send alerts to 127.0.0.1:9094" in rules.alert_wiring(active, "http://127.0.0.1:9094").message
    dropped = [AlertmanagerTarget("http://127.0.0.1:9094/api/v2/alerts", False)]
    assert "dropped Alertmanager 127.0.0.1:9094" in rules.alert_wiring(dropped, "http://127.0.0.1:9094").message


def test_thresholds_no_data_no_traffic_breach() -> None:
    memory = Threshold(name="memory", max=0.9)
    hits = Threshold(name="cache_hit_rate", min=0.8)
    assert rules.thresholds([(memory, [Sample({}, 0.4)]), (hits, [Sample({}, 0.9)])], 300).passed
    assert "the query returned no series" in rules.thresholds([(memory, [])], 300).message
    nan = rules.thresholds([(hits, [Sample({}, math.nan)])], 300)
    assert nan.passed and nan.kind == "advisory" and "no traffic" in nan.message
    breach = rules.thresholds([(memory, [Sample({"instance": "db1"}, 0.97), Sample({"instance": "app1"}, 0.2)])], 300)
    assert not breach.passed and "memory 97.0% (instance=db1) over 5m" in breach.message and "≤ 90.0%" in breach.message
    custom = Threshold(name="queue_depth", query="max(q)", max=1000)
    assert "queue_depth 5000 over 5m" in rules.thresholds([(custom, [Sample({}, 5000)])], 300).message


def test_threshold_and_delivery_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="exactly one of max or min"):
        Threshold(name="memory", max=0.9, min=0.1)
    with pytest.raises(ValueError, match="no preset query named 'heap'"):
        Threshold(name="heap", max=1)
    with pytest.raises(ValueError, match="comparison like"):
        AlertRuleSpec(name="x", threshold="about 5")
    with pytest.raises(ValueError, match="between 1s and 30m"):
        AlertDelivery.model_validate({"receiver": "r", "wait": "2h"})
    with pytest.raises(ValueError, match="duration: expected between 1s and 24h"):
        PostDeployWatch.model_validate({"duration": "2d"})


def test_silences_and_uptime_probes() -> None:
    left = Silence("1", "active", "maintenance window", "ops", "2026-11-20T10:00:00Z", "alertname=ServiceDown")
    expired = Silence("2", "expired", "old", "ops", "2026-11-01T10:00:00Z", "alertname=X")
    assert rules.silences([expired]).passed
    assert "1 active silence(s): alertname=ServiceDown by ops" in rules.silences([left, expired]).message
    assert rules.silences([left], allowed=["^maintenance"]).passed
    assert rules.uptime_probes([("https://a", [Sample({}, 1.0)])], 1.0, 300).passed
    message = rules.uptime_probes([("https://a", []), ("https://b", [Sample({}, 0.5)])], 0.99, 300).message
    assert "no probe_success series for https://a" in message and "probe_success of https://b averages 50%" in message


def test_alert_delivery_outcomes() -> None:
    spec = AlertDelivery(receiver="team", integration="webhook")
    def delivery(receivers: tuple[str, ...], sent: float, failed: float, counter: str = "x_requests_total",
                 accepted: bool = True) -> Delivery:
        return Delivery("GoliveSyntheticAlert", accepted, receivers, 0, sent, 0, failed, 2.0, "", counter)
    assert rules.alert_delivery(delivery(("team",), 1, 0), spec).passed
    assert "routed to null, not to team" in rules.alert_delivery(delivery(("null",), 1, 0), spec).message
    assert "failed 3 time(s)" in rules.alert_delivery(delivery(("team",), 3, 3), spec).message
    assert "no notification to team through webhook within 60s" in rules.alert_delivery(delivery(("team",), 0, 0),
                                                                                         spec).message
    old = rules.alert_delivery(delivery(("team",), 1, 0, "alertmanager_notifications_total"), spec)
    assert old.passed and "per-attempt counters missing" in old.message
    assert "refused" in rules.alert_delivery(delivery((), 0, 0, accepted=False), spec).message


def test_post_deploy_watch_rule_and_loop() -> None:
    spec = PostDeployWatch.model_validate({"duration": "10s", "interval": "2s", "max_latency": "500ms"})
    calm = [WatchPoint(0, 0.0, 0.1), WatchPoint(2, 0.0005, 0.2)]
    assert rules.post_deploy_watch(calm, spec, 0.001).passed
    slow = [WatchPoint(0, 0.0, 0.1), WatchPoint(4, 0.0, 0.9)]
    assert "latency 900ms at 4s into the post-deploy watch" in rules.post_deploy_watch(slow, spec, 0.001).message
    assert "saw no error-rate data" in rules.post_deploy_watch([WatchPoint(0, None, None)], spec, 0.001).message

    from golive.monitoring.watch import watch

    class FakePrometheus:
        def __init__(self) -> None:
            self.calls = 0

        def query(self, promql: str, cached: bool = True) -> list[Sample]:
            self.calls += 1
            return [Sample({}, 0.0 if "http_requests_total" in promql else 0.1)]

    now = [0.0]
    lines: list[str] = []
    points = watch(FakePrometheus(), spec, "sum(rate(http_requests_total[5m]))", 0.001, lines.append,
                   clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert len(points) == 6 and points[-1].at == 10 and len(lines) == 6  # bounded: duration/interval + 1 polls
    assert lines[0].startswith("post-deploy watch 0s of 10s: error rate 0.000%, latency 100ms")


def test_dashboards() -> None:
    found = [Dashboard("app-health", "App health"), Dashboard("errors", "Errors")]
    assert rules.dashboards(found, ["app-health", "Errors"]).passed
    assert "no dashboard latency" in rules.dashboards(found, ["latency"]).message
