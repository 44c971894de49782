"""Monitoring checks: will the release be watched? (``-m monitoring``)."""

from __future__ import annotations

from golive.monitoring import exposed_metric_names
from golive.registry import check
from golive.rules import monitoring as rules


@check("monitoring.prometheus_targets", over="monitoring_prometheus")
def test_prometheus_targets(prometheus, monitoring_api, settings, evidence):
    targets = monitoring_api(prometheus).targets
    evidence.json("active targets", [t.__dict__ for t in targets])
    verdict = rules.prometheus_targets(targets, settings.monitoring.jobs).about(prometheus.name)
    evidence.judge(verdict)


@check("monitoring.alert_rules", over="monitoring_prometheus")
def test_alert_rules(prometheus, monitoring_api, settings, evidence):
    loaded = monitoring_api(prometheus).alert_rules
    evidence.json("alerting rules", [r.__dict__ for r in loaded])
    verdict = rules.alert_rules(loaded, settings.monitoring.alerts).about(prometheus.name)
    evidence.judge(verdict)


@check("monitoring.alertmanager", over="monitoring_alertmanager")
def test_alertmanager(alertmanager, monitoring_api, evidence):
    api = monitoring_api(alertmanager)
    ready = api.get("/-/ready")
    status = api.get("/api/v2/status") if ready.status == 200 else None
    evidence.json("alertmanager status", status.data if status else {"ready": ready.status})
    verdict = rules.alertmanager(ready.status, status.data if status else None).about(alertmanager.name)
    evidence.judge(verdict)


@check("monitoring.grafana", over="monitoring_grafana")
def test_grafana(grafana, monitoring_api, evidence):
    answer = monitoring_api(grafana).get("/api/health")
    evidence.json("grafana /api/health", answer.data if answer.data is not None else answer.text)
    verdict = rules.grafana(answer.status, answer.data).about(grafana.name)
    evidence.judge(verdict)


@check("monitoring.metrics_endpoint", over="metrics_targets")
def test_metrics_endpoint(target, http, settings, evidence):
    monitoring = settings.monitoring
    response = http.fetch(target, monitoring.metrics_path)
    names = exposed_metric_names(response.text) if response.status == 200 else set()
    evidence.metric("metric_names", len(names))
    evidence.text("metric names", "\n".join(sorted(names)))
    verdict = rules.metrics_endpoint(monitoring.metrics_path, response.status, response.content_type, names,
                                     monitoring.metrics).about(target.name)
    evidence.judge(verdict)


@check("monitoring.error_rate", over="monitoring_prometheus")
def test_error_rate(prometheus, monitoring_api, settings, evidence):
    monitoring = settings.monitoring
    samples = monitoring_api(prometheus).query(monitoring.error_rate_query)
    evidence.json("query result", {"query": monitoring.error_rate_query,
                                   "result": [{"labels": s.labels, "value": s.value} for s in samples]})
    verdict = rules.error_rate(samples, monitoring.max_error_rate, monitoring.error_rate_query)
    verdict = verdict.about(prometheus.name)
    if "value" in verdict.details:
        evidence.metric("error_rate", verdict.details["value"])
    evidence.judge(verdict)
