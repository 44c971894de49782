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
    scope = f"{threshold.scenario}: " if threshold.scenario else ""
    entry = find_entry(summary, threshold.scenario)
    if entry is None:
        known = ", ".join(f"{e.get('method')} {e.get('name')}" for e in summary.get("entries", [])) or "none"
        return fail("load-scenario-missing", f"no requests recorded for scenario {threshold.scenario!r}",
                    observed=f"requests recorded: {known}", expected=threshold.text)
    count = int(entry.get("requests", 0))
    if count == 0:
        return fail("load-no-requests", f"{scope}no request completed during the load run",
                    observed="0 requests", expected=threshold.text)
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
    reason = f"{scope}{label} {shown} {side} the {shown_limit}{basis} {word} ({figures})"
    aborted = summary.get("aborted")
    if aborted:
        after = float(aborted.get("after_s", 0))
        reason += f"; run aborted after {after:.1f}s by '{aborted.get('threshold')}'"
    return fail("load-threshold-breached", reason, observed=shown, expected=threshold.text, **details)


def generator_health(generator: dict[str, Any] | None, limit: float = CPU_UNRELIABLE) -> Verdict:
    """Whether the load generator had headroom: a saturated generator measures itself, not the target.

    ``generator`` is the summary's sampling block: ``cpu_avg``/``cpu_max`` in percent of one core
    for the busiest generator process, and locust's own ``cpu_warning`` flag.
    """
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
