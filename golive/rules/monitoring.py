"""Monitoring rules: pure judgements of what Prometheus, Alertmanager and Grafana reported.

Inputs are the typed observations of ``golive.monitoring`` (scrape targets, alert rules, query
samples, health documents); outputs are ``Verdict``s that name what is down or missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from golive.monitoring import AlertRule, Sample, ScrapeTarget
from golive.verdict import Verdict, fail, ok


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


def alert_rules(rules: Sequence[AlertRule], required: Sequence[str] = ()) -> Verdict:
    """The required alerting rules are loaded (and evaluate without error)."""
    names = {r.name for r in rules}
    if not required:
        if rules:
            return ok("alert-rules-present", f"Prometheus has {len(names)} alerting rule(s) loaded")
        return fail("no-alert-rules", "Prometheus has no alerting rules loaded", observed="0 rules",
                    expected="at least one alerting rule (list them in checks.monitoring.alerts)")
    missing = [n for n in required if n not in names]
    broken = sorted({r.name for r in rules if r.name in required and r.health not in ("ok", "unknown", "")})
    if missing or broken:
        parts = []
        if missing:
            parts.append(f"missing alert rule(s) {_list(missing)}")
        if broken:
            parts.append(f"rule(s) failing to evaluate: {_list(broken)}")
        return fail("alert-rules-missing", "; ".join(parts),
                    observed=f"loaded: {_list(sorted(names), 8) or 'none'}",
                    expected=f"alerting rules {', '.join(required)} loaded")
    return ok("alert-rules-loaded", f"Prometheus has the alert rules {', '.join(required)}")


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
