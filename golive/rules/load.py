"""Pure judgements of a load run: thresholds, generator health, the production guard.

The observation is the JSON summary written by ``golive.load.run`` (built from locust's stats
objects): ``{"total": {...}, "entries": [{...}], "generator": {...}, "aborted": ...}`` where each
stats block has ``requests``, ``failures``, ``error_rate`` (fraction), ``avg``, ``min``, ``max``,
``p50``..``p99`` (milliseconds) and ``rps``. No network, no locust: unit-tested with plain dicts.
"""

from __future__ import annotations

from typing import Any

from golive.load.thresholds import Threshold, format_value
from golive.verdict import Verdict, fail, ok

CPU_UNRELIABLE = 90.0
"""Generator CPU (percent of one core, the ceiling of a gevent process) above which it measures itself."""
NEARLY_ALL_FAILED = 0.95
"""Failed fraction from which a run did not load the target at all (a closed port, a wrong host, every
request refused): no threshold can pass on it, whatever it says — a refused connection is fast, so
latency thresholds would otherwise pass on nothing but errors."""
ERRORS_SHOWN = 3


def find_entry(summary: dict[str, Any], scenario: str | None) -> dict[str, Any] | None:
    """The stats block a threshold judges: the aggregate, or the request named ``scenario``.

    ``scenario`` matches ``"<METHOD> <name>"`` (``GET /api/health``) or the bare name.
    """
    if scenario is None:
        return summary.get("total")
    wanted = scenario.strip()
    for entry in summary.get("entries", []):
        if wanted in (f"{entry.get('method', '')} {entry.get('name', '')}", entry.get("name")):
            return entry
    method, _, name = wanted.partition(" ")
    for entry in summary.get("entries", []):
        if name and entry.get("name") == name and str(entry.get("method", "")).upper() == method.upper():
            return entry
    return None


def _requests(n: int) -> str:
    return f"{n:,} request{'s' if n != 1 else ''}"


def judge(threshold: Threshold, summary: dict[str, Any], baseline: dict[str, Any] | None = None) -> Verdict:
    """One threshold against one run.

    Message shape: ``p95 812 ms over the 500 ms limit (1,204 requests)``; the check adds the subject.
    A relative threshold without a baseline passes with a note (the first run records it).
    """
    entry = find_entry(summary, threshold.scenario)
    if entry is None:
        known = ", ".join(f"{e.get('method')} {e.get('name')}" for e in summary.get("entries", [])) or "none"
        return fail("load-scenario-missing", f"no requests recorded for scenario {threshold.scenario!r}",
                    observed=f"requests recorded: {known}", expected=threshold.text)
    unusable = run_unusable(summary, entry, threshold.scenario)
    if unusable is not None and unusable.name == "load-no-requests":
        return Verdict(False, unusable.name, unusable.reason + _aborted(summary), unusable.observed,
                       threshold.text, -10, unusable.details)
    verdict = _judge_metric(threshold, summary, entry, baseline)
    if unusable is None:
        return verdict
    if verdict.passed:  # nothing but errors: no threshold may pass on that
        return Verdict(False, unusable.name, unusable.reason + _aborted(summary), unusable.observed,
                       f"{threshold.text} on a run whose requests mostly succeed", -10, unusable.details)
    errors = unusable.details.get("errors")
    return Verdict(False, verdict.name, verdict.reason + (f" — errors: {errors}" if errors else ""), verdict.observed,
                   verdict.expected, verdict.score, verdict.details)


def _judge_metric(threshold: Threshold, summary: dict[str, Any], entry: dict[str, Any],
                  baseline: dict[str, Any] | None) -> Verdict:
    """The threshold's metric against its limit, on a run that sent requests."""
    scope = f"{threshold.scenario}: " if threshold.scenario else ""
    count = int(entry.get("requests", 0))
    metric = threshold.metric
    value = float(entry[metric])
    limit = threshold.limit
    basis = ""
    if threshold.relative:
        base_entry = find_entry(baseline, threshold.scenario) if baseline else None
        if base_entry is None or base_entry.get(metric) is None:
            return ok("load-baseline-recorded",
                      f"{scope}{metric} {format_value(metric, value)} ({_requests(count)}); no baseline yet: "
                      "this run's stats are recorded as the baseline",
                      observed=format_value(metric, value), expected=threshold.text, baseline_missing=True)
        base_value = float(base_entry[metric])
        assert threshold.factor is not None
        limit = base_value * threshold.factor
        basis = f" (baseline {format_value(metric, base_value)} × {threshold.factor:g})"
    assert limit is not None
    shown, shown_limit = format_value(metric, value), format_value(metric, limit)
    label = "error rate" if metric == "error_rate" else ("throughput" if metric == "rps" else metric)
    figures = _requests(count)
    if metric == "error_rate":
        figures = f"{int(entry.get('failures', 0)):,} of {_requests(count)} failed"
    details = {"value": value, "limit": limit, "requests": count, "metric": metric}
    if threshold.holds(value, limit):
        side = "within" if threshold.upper_bound else "above"
        word = "limit" if threshold.upper_bound else "minimum"
        return ok("load-threshold-met",
                  f"{scope}{label} {shown} {side} the {shown_limit}{basis} {word} ({figures})",
                  observed=shown, expected=threshold.text, **details)
    side = "over" if threshold.upper_bound else "under"
    word = "limit" if threshold.upper_bound else "minimum"
    reason = f"{scope}{label} {shown} {side} the {shown_limit}{basis} {word} ({figures})" + _aborted(summary)
    return fail("load-threshold-breached", reason, observed=shown, expected=threshold.text, **details)


def _aborted(summary: dict[str, Any]) -> str:
    aborted = summary.get("aborted")
    if not aborted:
        return ""
    return f"; run aborted after {float(aborted.get('after_s', 0)):.1f}s by '{aborted.get('threshold')}'"


def error_breakdown(summary: dict[str, Any], scenario: str | None = None, limit: int = ERRORS_SHOWN) -> str:
    """The most frequent errors of a run (or of one scenario): ``ConnectionRefusedError(...) ×10,827``."""
    errors = summary.get("errors") or []
    if scenario is not None:
        wanted = scenario.strip()
        errors = [e for e in errors if wanted in (e.get("name"), f"{e.get('method', '')} {e.get('name', '')}")]
    ranked = sorted(errors, key=lambda e: -int(e.get("occurrences", 0)))
    shown = [f"{e.get('error')} ×{int(e.get('occurrences', 0)):,} on {e.get('method', '')} {e.get('name', '')}"
             for e in ranked[:limit]]
    if len(ranked) > limit:
        shown.append(f"{len(ranked) - limit} more kind(s)")
    return "; ".join(shown)


def run_unusable(summary: dict[str, Any], entry: dict[str, Any], scenario: str | None = None) -> Verdict | None:
    """A run (or a scenario of it) that sent nothing, or whose requests (nearly) all failed.

    Such a run did not measure the target: it fails every threshold, whatever the threshold says
    (``p95 < 500ms`` must not pass on 10,827 refused connections). None when the run is usable.
    """
    scope = f"{scenario}: " if scenario else ""
    count, failures = int(entry.get("requests", 0)), int(entry.get("failures", 0))
    errors = error_breakdown(summary, scenario)
    if count == 0:
        return fail("load-no-requests",
                    f"{scope}no request completed during the load run, so no threshold can be judged"
                    + (f" — errors: {errors}" if errors else ""),
                    observed="0 requests", errors=errors)
    if failures / count >= NEARLY_ALL_FAILED:
        percent = failures / count * 100
        return fail("load-requests-failed",
                    f"{scope}{failures:,} of {_requests(count)} failed ({percent:.0f} %): a run whose requests "
                    "(nearly) all failed measured no service, so no threshold can pass on it"
                    + (f" — errors: {errors}" if errors else ""),
                    observed=f"{percent:.0f} % failed", requests=count, failures=failures, errors=errors)
    return None


def generator_health(generator: dict[str, Any] | None, limit: float = CPU_UNRELIABLE) -> Verdict:
    """Whether the load generator had headroom: a saturated generator measures itself, not the target.

    ``generator`` is the summary's sampling block: ``cpu_avg``/``cpu_max`` in percent of one core
    for the busiest generator process, and locust's own ``cpu_warning`` flag.
    """
    workers = (generator or {}).get("workers")
    if workers:
        return _workers_health(workers, limit)
    if not generator or not generator.get("samples"):
        return ok("generator-unsampled", "generator CPU not sampled (run too short)")
    avg = float(generator.get("cpu_avg", 0.0))
    peak = float(generator.get("cpu_max", 0.0))
    if avg > limit or generator.get("cpu_warning"):
        return fail("generator-saturated",
                    f"results unreliable: load generator CPU at {avg:.0f} % on average (peak {peak:.0f} %), "
                    f"above {limit:.0f} %; add workers (checks.load.workers) or lower users",
                    observed=f"{avg:.0f} %", expected=f"<= {limit:.0f} %", score=0)
    return ok("generator-healthy", f"load generator CPU {avg:.0f} % on average (peak {peak:.0f} %)",
              observed=f"{avg:.0f} %", expected=f"<= {limit:.0f} %")


def _workers_health(workers: list[dict[str, Any]], limit: float) -> Verdict:
    """Per worker of a distributed run (locust's heartbeat CPU readings): the saturated ones, named."""
    sampled = [w for w in workers if w.get("samples")]
    saturated = [w for w in sampled if float(w.get("cpu_avg", 0.0)) > limit or w.get("cpu_warning")]
    if saturated:
        named = ", ".join(f"{w['name']} ({float(w.get('cpu_avg', 0)):.0f} % on average, peak "
                          f"{float(w.get('cpu_max', 0)):.0f} %)" for w in saturated)
        word = "worker" if len(saturated) == 1 else "workers"
        return fail("generator-saturated",
                    f"results unreliable: generator CPU saturated on {word} {named}, above {limit:.0f} % of "
                    "one core; add workers (checks.load.workers / remote_workers) or lower users",
                    observed=", ".join(w["name"] for w in saturated), expected=f"<= {limit:.0f} % per worker",
                    score=0)
    if not sampled:
        return ok("generator-unsampled", "worker CPU not sampled (run too short)")
    busiest = max(sampled, key=lambda w: float(w.get("cpu_avg", 0.0)))
    return ok("generator-healthy",
              f"{len(workers)} workers; busiest {busiest['name']} at {float(busiest['cpu_avg']):.0f} % CPU on average",
              observed=f"{float(busiest['cpu_avg']):.0f} %", expected=f"<= {limit:.0f} % per worker")


def lost_workers(generator: dict[str, Any] | None) -> list[str]:
    """One note per worker lost mid-run: the thresholds are then judged on the aggregated stats."""
    workers = (generator or {}).get("workers") or []
    lost = [w for w in workers if w.get("lost")]
    kept = len(workers) - len(lost)
    return [f"worker {w['name']} {w.get('lost_how') or 'was lost'} after {float(w.get('lost_after_s') or 0):.1f}s "
            f"of load ({int(w.get('requests', 0)):,} requests from it); thresholds judged on the aggregated "
            f"stats, {kept} of {len(workers)} workers to the end" for w in lost]


def production_guard(is_production: bool, profile_allows: bool, cli_allows: bool) -> Verdict:
    """Load against production needs both ``allow_load: true`` in the profile and ``--allow-load``."""
    if not is_production:
        return ok("load-allowed", "not a production environment")
    if profile_allows and cli_allows:
        return ok("load-allowed",
                  "production load allowed by the profile (allow_load: true) and --allow-load")
    missing = [what for what, given in (("allow_load: true in the profile", profile_allows),
                                        ("--allow-load on the command line", cli_allows)) if not given]
    return fail("load-refused-production",
                "refusing to load a production environment; to allow it, set allow_load: true in the "
                "profile AND pass --allow-load on the command line (missing: " + ", ".join(missing) + ")",
                observed="environment: production", expected="allow_load: true and --allow-load")
