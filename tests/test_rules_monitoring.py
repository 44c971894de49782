"""Unit tests of the pure monitoring rules and the exposition parser (no network)."""

from __future__ import annotations

import math

from golive.monitoring import AlertRule, Sample, ScrapeTarget, exposed_metric_names
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
    assert not rules.metrics_endpoint("/metrics", 200, "text/html", exposed_metric_names("<html>"), []).passed


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
