"""Monitoring rules: pure judgements of what Prometheus, Alertmanager and Grafana reported.

Inputs are the typed observations of ``golive.monitoring.observations`` (scrape targets, alert
rules, query samples, silences, the synthetic alert's delivery, watch polls...); outputs are
``Verdict``s that name what is down, missing or over its threshold, the observed and the expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from golive.durations import format_duration
from golive.monitoring.observations import (
    AlertmanagerTarget,
    AlertRule,
    Dashboard,
    Delivery,
    Sample,
    ScrapeTarget,
    Silence,
    WatchPoint,
)
from golive.settings.monitoring import AlertDelivery, AlertRuleSpec, PostDeployWatch, Threshold
from golive.verdict import Verdict, advisory, combine, fail, ok


def _list(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def prometheus_targets(targets: Sequence[ScrapeTarget], jobs: Sequence[str] = ()) -> Verdict:
    """Every active target up; with ``jobs``, every listed job has targets and all of them are up."""
    considered = [t for t in targets if not jobs or t.job in jobs]
    missing = [j for j in jobs if not any(t.job == j for t in targets)]
    down = [t for t in considered if t.health != "up"]
    scope = f"jobs {', '.join(jobs)}" if jobs else "all targets"
    if not targets:
        return fail("no-targets", "Prometheus has no active scrape targets", observed="0 targets",
                    expected=f"{scope} up")
    problems: list[str] = []
    if missing:
        problems.append(f"no target for job(s) {_list(missing)}")
    if down:
        detail = _list(f"{t.job} {t.scrape_url or t.instance} {t.health}"
                       + (f" ({t.last_error[:80]})" if t.last_error else "") for t in down)
        problems.append(f"{len(down)} of {len(considered)} target(s) not up: {detail}")
    if problems:
        return fail("targets-down", "; ".join(problems),
                    observed=f"{len(considered) - len(down)}/{len(considered)} up", expected=f"{scope} up")
    return ok("targets-up", f"{len(considered)} scrape target(s) up ({scope})",
              observed=f"{len(considered)}/{len(considered)} up")


_TOP_COMPARISON = re.compile(r"(==|!=|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)*\s*$")


def _threshold_of(query: str) -> tuple[str, float] | None:
    """The comparison at the end of an alert expression: ``(...) > 0.05`` → (">", 0.05)."""
    match = _TOP_COMPARISON.search(query)
    return (match.group(1), float(match.group(2))) if match else None


def _rule_parts(spec: AlertRuleSpec, rule: AlertRule) -> list[str]:
    """What differs between a loaded rule and the profile's spec, in words."""
    wrong = []
    if spec.expr and not re.search(spec.expr, rule.query):
        wrong.append(f"expression {rule.query!r} does not match /{spec.expr}/")
    if spec.threshold:
        op, value = spec.threshold.split()[0], float(spec.threshold.split()[-1])
        seen = _threshold_of(rule.query)
        if seen is None or seen[0] != op or not math.isclose(seen[1], value):
            shown = f"{seen[0]} {seen[1]:g}" if seen else "none"
            wrong.append(f"threshold {shown}, expected {op} {value:g}")
    if spec.for_ is not None and not math.isclose(rule.duration, spec.for_):
        wrong.append(f"for {format_duration(rule.duration)}, expected {format_duration(spec.for_)}")
    if spec.severity and rule.labels.get("severity") != spec.severity:
        wrong.append(f"severity {rule.labels.get('severity', 'unset')}, expected {spec.severity}")
    if spec.runbook_url and not rule.annotations.get("runbook_url", "").strip():
        wrong.append("no runbook_url annotation")
    if rule.health not in ("ok", "unknown", ""):
        wrong.append(f"fails to evaluate ({rule.health})")
    return wrong


def alert_rules(rules: Sequence[AlertRule], required: Sequence[str | AlertRuleSpec] = ()) -> Verdict:
    """The required alerting rules are loaded, with the expression, threshold, ``for``, severity and
    runbook annotation the profile asks for (and evaluate without error)."""
    specs = [r if isinstance(r, AlertRuleSpec) else AlertRuleSpec(name=r) for r in required]
    names = {r.name for r in rules}
    if not specs:
        if rules:
            return ok("alert-rules-present", f"Prometheus has {len(names)} alerting rule(s) loaded")
        return fail("no-alert-rules", "Prometheus has no alerting rules loaded", observed="0 rules",
                    expected="at least one alerting rule (list them in checks.monitoring.alerts)")
    missing = [s.name for s in specs if s.name not in names]
    parts: list[str] = []
    if missing:
        parts.append(f"missing alert rule(s) {_list(missing)}")
    for spec in specs:
        loaded = [r for r in rules if r.name == spec.name]
        if loaded and all(_rule_parts(spec, r) for r in loaded):
            parts.append(f"{spec.name}: " + "; ".join(_rule_parts(spec, loaded[0])))
    if parts:
        return fail("alert-rules-missing", "; ".join(parts),
                    observed=f"loaded: {_list(sorted(names), 8) or 'none'}" if missing else None,
                    expected=f"alerting rules {', '.join(s.name for s in specs)} as configured")
    checked = sum(1 for s in specs if s.expr or s.threshold or s.for_ is not None or s.runbook_url or s.severity)
    detail = f" ({checked} with expression/threshold/for/labels as configured)" if checked else ""
    return ok("alert-rules-loaded", f"Prometheus has the alert rules {', '.join(s.name for s in specs)}{detail}")


def alert_wiring(alertmanagers: Sequence[AlertmanagerTarget], expected_url: str) -> Verdict:
    """Prometheus lists the configured Alertmanager among its active alertmanagers."""
    want = urlsplit(expected_url)
    want_port = want.port or (443 if want.scheme == "https" else 80)

    def same(url: str) -> bool:
        seen = urlsplit(url)
        return seen.hostname == want.hostname and (seen.port or (443 if seen.scheme == "https" else 80)) == want_port

    active = [a.url for a in alertmanagers if a.active]
    if any(same(u) for u in active):
        return ok("alert-wiring", f"Prometheus sends alerts to {want.hostname}:{want_port} "
                  f"({len(active)} active Alertmanager(s))")
    dropped = [a.url for a in alertmanagers if not a.active and same(a.url)]
    seen = _list(active) or "none"
    reason = (f"Prometheus dropped Alertmanager {want.hostname}:{want_port}" if dropped else
              f"Prometheus does not send alerts to {want.hostname}:{want_port}")
    return fail("alert-wiring", f"{reason} (active: {seen})", observed=None,
                expected=f"{want.hostname}:{want_port} in /api/v1/alertmanagers (alerting.alertmanagers in "
                         "prometheus.yml)")


def alertmanager(ready_status: int, status_doc: Any) -> Verdict:
    """``/-/ready`` answers 200; ``/api/v2/status`` reports the cluster ready (or clustering off)."""
    if ready_status != 200:
        return fail("alertmanager-not-ready", f"Alertmanager /-/ready answered {ready_status}",
                    observed=str(ready_status), expected="200")
    cluster = (status_doc or {}).get("cluster", {}) if isinstance(status_doc, dict) else {}
    state = cluster.get("status")
    if state not in (None, "ready", "disabled"):
        return fail("alertmanager-cluster", f"Alertmanager cluster status {state}",
                    observed=str(state), expected="ready")
    info = status_doc.get("versionInfo") if isinstance(status_doc, dict) else None
    version = (info or {}).get("version", "?")
    return ok("alertmanager-ready", f"Alertmanager ready (version {version}, cluster {state or 'n/a'})")


def grafana(status: int, doc: Any) -> Verdict:
    """Grafana's documented health contract: 200 and ``"database": "ok"``."""
    database = doc.get("database") if isinstance(doc, dict) else None
    if status != 200 or database != "ok":
        return fail("grafana-unhealthy",
                    f"Grafana /api/health answered {status}, database {database or 'unknown'}",
                    observed=f"{status}, database={database}", expected="200, database=ok")
    return ok("grafana-ok", f"Grafana healthy (version {doc.get('version', '?')}, database ok)")


def metrics_endpoint(path: str, status: int, content_type: str, names: set[str],
                     required: Sequence[str]) -> Verdict:
    """The metrics path answers 200 in the text format and exposes every required name."""
    if status != 200:
        return fail("metrics-status", f"metrics {path} answered {status}", observed=str(status),
                    expected="200")
    if not names:
        return fail("metrics-empty",
                    f"metrics {path} exposes no metric ({content_type or 'no content type'})",
                    observed="no samples", expected="Prometheus text exposition")
    missing = [n for n in required if n not in names]
    if missing:
        return fail("metrics-missing", f"metrics {path} lacks {_list(missing)}",
                    observed=f"{len(names)} names exposed, {len(missing)} required missing",
                    expected=", ".join(required))
    return ok("metrics-ok", f"metrics {path} exposes {len(names)} names incl. {_list(required)}")


def error_rate(samples: Sequence[Sample], threshold: float, query: str) -> Verdict:
    """The query's value(s) stay below ``threshold``; NaN (0/0: no requests) passes, no series fails."""
    if not samples:
        return fail("error-rate-no-data", f"error-rate query returned no series: {query}",
                    observed="no data", expected=f"< {threshold:.3%} (is the request counter scraped?)")
    values = [s.value for s in samples if not math.isnan(s.value)]
    if not values:
        return ok("error-rate-no-traffic", f"error rate undefined (no requests in the window): {query}",
                  observed="NaN", expected=f"< {threshold:.3%}")
    worst = max(values)
    labels = next((s.labels for s in samples if s.value == worst), {})
    where = f" for {', '.join(f'{k}={v}' for k, v in labels.items())}" if labels else ""
    if worst >= threshold:
        return fail("error-rate-high", f"error rate {worst:.3%}{where} at or above {threshold:.3%}",
                    observed=f"{worst:.3%}", expected=f"< {threshold:.3%}", value=worst)
    return ok("error-rate-ok", f"error rate {worst:.3%}{where} below {threshold:.3%}",
              observed=f"{worst:.3%}", value=worst)


_RATIOS = ("memory", "cpu", "disk", "db_connections", "cache_hit_rate")


def _fmt(value: float, name: str) -> str:
    """The presets' ratios (usage shares, hit rate) as percentages; any other query's value as is."""
    return f"{value:.1%}" if name in _RATIOS and not math.isnan(value) else f"{value:g}"


def thresholds(results: Sequence[tuple[Threshold, Sequence[Sample]]], window: float) -> Verdict:
    """Every series of every threshold query within its bound over the window; a query without any
    series fails (nothing was observed); NaN only (0/0: no traffic) is a finding, not a pass."""
    parts: list[Verdict] = []
    seen: list[str] = []
    over = f" over {format_duration(window)}" if window else ""
    for spec, samples in results:
        bound = f"≤ {_fmt(spec.max, spec.name)}" if spec.max is not None else f"≥ {_fmt(spec.min, spec.name)}"
        if not samples:
            parts.append(fail(f"{spec.name}-no-data", f"{spec.name}: the query returned no series ({spec.promql})",
                              "no data", f"{bound} (is the exporter scraped?)"))
            continue
        values = [s for s in samples if not math.isnan(s.value)]
        if not values:
            parts.append(advisory(f"{spec.name}-no-traffic", f"{spec.name}: undefined{over} (0/0: no traffic)",
                                  "NaN", bound))
            continue
        worst = max(values, key=lambda x: x.value) if spec.max is not None else min(values, key=lambda x: x.value)
        where = ", ".join(f"{k}={v}" for k, v in worst.labels.items() if k != "__name__")
        where = f" ({where})" if where else ""
        breach = worst.value > spec.max if spec.max is not None else worst.value < spec.min  # type: ignore[operator]
        if breach:
            parts.append(fail(f"{spec.name}-breach", f"{spec.name} {_fmt(worst.value, spec.name)}{where}{over}",
                              _fmt(worst.value, spec.name), bound, value=worst.value))
        else:
            seen.append(f"{spec.name} {_fmt(worst.value, spec.name)} ({bound})")
    return combine("thresholds", parts, "within thresholds" + over + ": " + "; ".join(seen))


def silences(found: Sequence[Silence], allowed: Sequence[str] = ()) -> Verdict:
    """No active silence is left (a maintenance window's silence mutes real alerts after it)."""
    active = [s for s in found if s.state == "active"]
    kept = [s for s in active if not any(re.search(p, s.comment) for p in allowed)]
    if not kept:
        note = f" ({len(active) - len(kept)} allowed)" if len(active) != len(kept) else ""
        return ok("silences-clear", f"no active silence{note}")
    shown = _list(f"{s.matchers} by {s.created_by or '?'} until {s.ends_at[:16]} ({s.comment[:40]!r})" for s in kept)
    return fail("silences-active", f"{len(kept)} active silence(s): {shown}", f"{len(kept)} active",
                "none (expire the maintenance window's silences: amtool silence expire ID)")


def uptime_probes(results: Sequence[tuple[str, Sequence[Sample]]], min_success: float, window: float) -> Verdict:
    """Each target has a ``probe_success`` series and it averages ≥ ``min_success`` over the window."""
    parts: list[Verdict] = []
    seen = []
    for target, samples in results:
        values = [s.value for s in samples if not math.isnan(s.value)]
        if not values:
            parts.append(fail("probe-missing", f"no probe_success series for {target}: no uptime probe watches it",
                              "no series", "a blackbox-exporter probe scraped by Prometheus"))
        elif min(values) < min_success:
            parts.append(fail("probe-failing", f"probe_success of {target} averages {min(values):.0%} over "
                              f"{format_duration(window)}", f"{min(values):.0%}", f"≥ {min_success:.0%}"))
        else:
            seen.append(f"{target} {min(values):.0%}")
    return combine("uptime_probes", parts, f"uptime probes green over {format_duration(window)}: " + ", ".join(seen))


def alert_delivery(observed: Delivery, spec: AlertDelivery) -> Verdict:
    """The synthetic alert was accepted, routed to the receiver and delivered through the integration."""
    via = f" through {spec.integration}" if spec.integration else ""
    if not observed.accepted:
        return fail("delivery-refused", f"Alertmanager refused the synthetic alert: {observed.detail}",
                    "refused", "200 from POST /api/v2/alerts")
    if spec.receiver not in observed.receivers:
        return fail("delivery-misrouted", f"synthetic alert routed to {', '.join(observed.receivers) or 'no receiver'}"
                    f", not to {spec.receiver}", ", ".join(observed.receivers) or "none",
                    f"receiver {spec.receiver} (route matching labels {dict(sorted(spec.labels.items()))})")
    if observed.sent_after is None or observed.sent_before is None:
        return fail("delivery-unknown", "Alertmanager's notification counters are unreadable (/metrics)",
                    "unreadable", "alertmanager_notifications_total")
    attempts = observed.sent_after - observed.sent_before
    failures = (observed.failed_after or 0) - (observed.failed_before or 0)
    if attempts > failures:
        caveat = ("" if "requests" in observed.counter else
                  "; per-attempt counters missing (Alertmanager < 0.25): a failure would count only after retries")
        return ok("delivered", f"synthetic alert delivered to {spec.receiver}{via} in {observed.waited:.1f}s "
                  f"({attempts - failures:g} successful request(s){caveat})")
    if failures:
        return fail("delivery-failed", f"notification to {spec.receiver}{via} failed {failures:g} time(s)",
                    f"{failures:g} failed", "a successful notification")
    return fail("delivery-timeout", f"no notification to {spec.receiver}{via} within {format_duration(spec.wait)}",
                "no notification", f"a notification within {format_duration(spec.wait)} (group_wait shorter than "
                "the wait?)")


def post_deploy_watch(points: Sequence[WatchPoint], spec: PostDeployWatch, max_error_rate: float) -> Verdict:
    """No poll breached the error rate or the latency; a watch that never saw data fails."""
    def shown(value: float | None, percent: bool) -> str:
        if value is None:
            return "no data"
        if math.isnan(value):
            return "no traffic"
        return f"{value:.3%}" if percent else f"{value * 1000:.0f}ms"

    for point in points:
        if point.error_rate is not None and not math.isnan(point.error_rate) and point.error_rate >= max_error_rate:
            return fail("watch-error-rate", f"error rate {point.error_rate:.3%} at {format_duration(point.at)} "
                        "into the post-deploy watch", f"{point.error_rate:.3%}", f"< {max_error_rate:.3%}")
        if (spec.max_latency is not None and point.latency is not None and not math.isnan(point.latency)
                and point.latency > spec.max_latency):
            return fail("watch-latency", f"latency {point.latency * 1000:.0f}ms at {format_duration(point.at)} into "
                        "the post-deploy watch", f"{point.latency * 1000:.0f}ms",
                        f"≤ {spec.max_latency * 1000:.0f}ms")
    if not points or all(p.error_rate is None for p in points):
        return fail("watch-no-data", "the post-deploy watch saw no error-rate data (no series)", "no data",
                    "the request counter scraped by Prometheus")
    errors = [p.error_rate for p in points if p.error_rate is not None and not math.isnan(p.error_rate)]
    latencies = [p.latency for p in points if p.latency is not None and not math.isnan(p.latency)]
    return ok("watch-ok", f"watched {format_duration(points[-1].at)} ({len(points)} polls): error rate ≤ "
              f"{shown(max(errors) if errors else math.nan, True)}, latency ≤ "
              f"{shown(max(latencies) if latencies else math.nan, False)}")


def dashboards(found: Sequence[Dashboard], wanted: Sequence[str]) -> Verdict:
    """Grafana lists each wanted dashboard (by uid or title)."""
    missing = [w for w in wanted if not any(w in (d.uid, d.title) for d in found)]
    if missing:
        return fail("dashboards-missing", f"Grafana has no dashboard {_list(missing)}",
                    f"{len(found)} dashboard(s): {_list(sorted(d.title for d in found))}", ", ".join(wanted))
    return ok("dashboards", f"Grafana lists the dashboards {', '.join(wanted)}")
