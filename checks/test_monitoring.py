"""Monitoring checks: will the release be watched, and is it healthy under watch? (``-m monitoring``)."""

from __future__ import annotations

import uuid

from golive.monitoring.exposition import ExpositionError, exposed_metric_names
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
    verdict = rules.alert_rules(loaded, settings.monitoring.alert_specs).about(prometheus.name)
    evidence.judge(verdict)


@check("monitoring.alert_wiring", over="monitoring_wiring")
def test_alert_wiring(prometheus, monitoring_api, settings, evidence):
    found = monitoring_api(prometheus).alertmanagers
    evidence.json("alertmanagers", [a.__dict__ for a in found])
    evidence.judge(rules.alert_wiring(found, settings.monitoring.alertmanager_url).about(prometheus.name))


@check("monitoring.alertmanager", over="monitoring_alertmanager")
def test_alertmanager(alertmanager, monitoring_api, evidence):
    api = monitoring_api(alertmanager)
    ready = api.get("/-/ready")
    status = api.get("/api/v2/status") if ready.status == 200 else None
    evidence.json("alertmanager status", status.data if status else {"ready": ready.status})
    verdict = rules.alertmanager(ready.status, status.data if status else None).about(alertmanager.name)
    evidence.judge(verdict)


@check("monitoring.silences_cleared", over="monitoring_alertmanager")
def test_silences_cleared(alertmanager, monitoring_api, settings, evidence):
    found = monitoring_api(alertmanager).silences()
    evidence.json("silences", [s.__dict__ for s in found])
    evidence.judge(rules.silences(found, settings.monitoring.silences.allowed).about(alertmanager.name))


@check("monitoring.alert_delivery", over="monitoring_delivery")
def test_alert_delivery(alertmanager, monitoring_api, settings, evidence):
    from golive.monitoring.delivery import deliver

    spec = settings.monitoring.alert_delivery
    delivery = deliver(monitoring_api(alertmanager), spec, uuid.uuid4().hex[:12])
    evidence.json("synthetic alert", delivery.__dict__)
    evidence.metric("alert_delivery_seconds", round(delivery.waited, 2))
    evidence.judge(rules.alert_delivery(delivery, spec).about(alertmanager.name))


@check("monitoring.grafana", over="monitoring_grafana")
def test_grafana(grafana, monitoring_api, evidence):
    answer = monitoring_api(grafana).get("/api/health")
    evidence.json("grafana /api/health", answer.data if answer.data is not None else answer.text)
    verdict = rules.grafana(answer.status, answer.data).about(grafana.name)
    evidence.judge(verdict)


@check("monitoring.dashboards", over="monitoring_dashboards")
def test_dashboards(grafana, monitoring_api, settings, evidence):
    found = monitoring_api(grafana).dashboards()
    evidence.json("dashboards", [d.__dict__ for d in found])
    evidence.judge(rules.dashboards(found, settings.monitoring.dashboards).about(grafana.name))


@check("monitoring.metrics_endpoint", over="metrics_targets")
def test_metrics_endpoint(target, http, settings, evidence):
    monitoring = settings.monitoring
    response = http.fetch(target, monitoring.metrics_path)
    try:
        names = exposed_metric_names(response.text) if response.status == 200 else set()
    except ExpositionError:
        names = set()
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


def _over_window(promql: str, window: float, bound_is_max: bool) -> str:
    """The worst value of the query over the window (a subquery), or the instant value (window 0)."""
    if not window:
        return promql
    step = max(1, int(window // 20))
    return f"{'max' if bound_is_max else 'min'}_over_time(({promql})[{int(window)}s:{step}s])"


def _thresholds(prometheus, monitoring_api, settings, evidence, specs):
    window = settings.monitoring.window
    api = monitoring_api(prometheus)
    results = []
    for spec in specs:
        query = _over_window(spec.promql, window, spec.max is not None)
        results.append((spec, api.query(query)))
        evidence.json(f"{spec.name} query", {"query": query, "result": [s.__dict__ for s in results[-1][1]]})
    evidence.judge(rules.thresholds(results, window).about(prometheus.name))


@check("monitoring.resource_usage", over="monitoring_resource_usage")
def test_resource_usage(prometheus, monitoring_api, settings, evidence):
    _thresholds(prometheus, monitoring_api, settings, evidence, settings.monitoring.resource_usage)


@check("monitoring.db_connections", over="monitoring_db_connections")
def test_db_connections(prometheus, monitoring_api, settings, evidence):
    _thresholds(prometheus, monitoring_api, settings, evidence, [settings.monitoring.db_connections])


@check("monitoring.cache_hit_rate", over="monitoring_cache_hit_rate")
def test_cache_hit_rate(prometheus, monitoring_api, settings, evidence):
    _thresholds(prometheus, monitoring_api, settings, evidence, [settings.monitoring.cache_hit_rate])


@check("smoke.queue_processing", over="monitoring_queues")
def test_queue_processing(prometheus, monitoring_api, settings, evidence):
    _thresholds(prometheus, monitoring_api, settings, evidence, settings.monitoring.queues)


@check("monitoring.uptime_probe", over="monitoring_uptime")
def test_uptime_probe(prometheus, monitoring_api, settings, profile, evidence):
    spec, window = settings.monitoring.uptime_probes, settings.monitoring.window or 300
    targets = spec.targets or [t.url.rstrip("/") + settings.smoke.health_path for t in profile.targets]
    job = f',job="{spec.job}"' if spec.job else ""
    results = []
    for url in targets:
        selector = f'probe_success{{{spec.label}="{url}"{job}}}'
        results.append((url, monitoring_api(prometheus).query(f"avg_over_time({selector}[{int(window)}s])")))
    evidence.json("probe_success", {url: [s.value for s in samples] for url, samples in results})
    evidence.judge(rules.uptime_probes(results, spec.min_success, window).about(prometheus.name))


@check("monitoring.post_deploy_watch", over="monitoring_watch")
def test_post_deploy_watch(prometheus, monitoring_api, settings, evidence, progress):
    from golive.monitoring.watch import watch

    monitoring = settings.monitoring
    spec = monitoring.post_deploy_watch
    error_query = spec.error_rate_query or monitoring.error_rate_query
    max_error = spec.max_error_rate if spec.max_error_rate is not None else monitoring.max_error_rate
    points = watch(monitoring_api(prometheus), spec, error_query, max_error, progress)
    evidence.json("post-deploy watch", [p.__dict__ for p in points])
    evidence.metric("watch_polls", len(points))
    evidence.judge(rules.post_deploy_watch(points, spec, max_error).about(prometheus.name))
