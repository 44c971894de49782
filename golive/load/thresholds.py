"""k6-style threshold expressions: ``p95 < 500ms``, ``error_rate < 1%``, ``rps > 100``.

Grammar (one expression per threshold; spaces are free)::

    [<scenario>:] <metric> <op> <limit> [abort [after <duration>]]
    metric : p50 | p75 | p90 | p95 | p99 | avg | min | max | error_rate | rps
    op     : <  <=  >  >=
    limit  : <number>ms | <number>s          (latency metrics)
           | <number>%                        (error_rate)
           | <number>                         (rps)
           | baseline [* <factor>]            (relative: the last GO run's value times factor)

``<scenario>`` selects one request of the run ("GET /api/health", or the scenario's name); without
it the threshold judges the aggregate of all requests. Pure module: no locust import, so the
profile loader, the rules and the load subprocess (for ``abort``) all share one parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

LATENCY_METRICS = ("p50", "p75", "p90", "p95", "p99", "avg", "min", "max")
METRICS = (*LATENCY_METRICS, "error_rate", "rps")
_OPS = ("<=", ">=", "<", ">")

_EXPR = re.compile(
    r"^\s*(?P<metric>[a-z_0-9]+)\s*(?P<op><=|>=|<|>)\s*(?P<limit>.+?)"
    r"(?:\s+(?P<abort>abort)(?:\s+after\s+(?P<grace>\S+))?)?\s*$"
)
_NUMBER = r"(\d+(?:\.\d+)?)"
_LATENCY = re.compile(rf"^{_NUMBER}\s*(ms|s)$")
_PERCENT = re.compile(rf"^{_NUMBER}\s*%$")
_PLAIN = re.compile(rf"^{_NUMBER}$")
_BASELINE = re.compile(rf"^baseline(?:\s*\*\s*{_NUMBER})?$")
_GRACE = re.compile(rf"^{_NUMBER}(ms|s|m)$")


class ThresholdError(ValueError):
    """An expression that is not a threshold; the message says what the grammar expects."""


@dataclass(frozen=True)
class Threshold:
    """One parsed threshold.

    ``limit`` is in canonical units: milliseconds for latency, a fraction (0.01) for error_rate,
    requests per second for rps; None when ``factor`` makes it relative to the baseline.
    """

    text: str
    metric: str
    op: str
    limit: float | None
    factor: float | None = None
    scenario: str | None = None
    abort: bool = False
    grace: float = 5.0

    @property
    def relative(self) -> bool:
        return self.factor is not None

    @property
    def label(self) -> str:
        """A compact form for test ids: ``p95<500ms``, ``GET/api/health:p95<200ms``."""
        return re.sub(r"\s+", "", self.text)

    def holds(self, value: float, limit: float) -> bool:
        """Whether ``value`` satisfies ``op limit``."""
        return {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[self.op]

    def with_abort(self, grace: float) -> Threshold:
        return replace(self, abort=True, grace=grace)

    @property
    def upper_bound(self) -> bool:
        """True for ``<``/``<=`` (the value must stay under the limit)."""
        return self.op in ("<", "<=")


def parse_threshold(text: str, default_grace: float = 5.0) -> Threshold:
    """Parse one expression or raise ``ThresholdError`` naming the expected form."""
    if not isinstance(text, str) or not text.strip():
        raise ThresholdError(f"expected a threshold like 'p95 < 500ms'; got {text!r}")
    scenario: str | None = None
    body = text
    head, sep, tail = text.rpartition(":")
    if sep and _EXPR.match(tail):
        scenario = head.strip()
        body = tail
        if not scenario:
            raise ThresholdError(f"empty scenario before ':' in {text!r}; expected 'GET /path: p95 < 200ms'")
    match = _EXPR.match(body)
    if not match:
        raise ThresholdError(
            "expected '<metric> <op> <limit>' like 'p95 < 500ms', 'error_rate < 1%', 'rps > 100'; "
            f"got {text!r}"
        )
    metric, op, raw = match.group("metric"), match.group("op"), match.group("limit").strip()
    if metric not in METRICS:
        raise ThresholdError(f"unknown metric {metric!r} in {text!r}; expected one of {', '.join(METRICS)}")
    limit, factor = _limit(metric, raw, text)
    grace = default_grace
    if match.group("grace"):
        g = _GRACE.match(match.group("grace"))
        if not g:
            raise ThresholdError(f"expected 'abort after <duration>' like 'abort after 5s' in {text!r}")
        grace = float(g.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[g.group(2)]
    return Threshold(text.strip(), metric, op, limit, factor, scenario, bool(match.group("abort")), grace)


def _limit(metric: str, raw: str, text: str) -> tuple[float | None, float | None]:
    base = _BASELINE.match(raw)
    if base:
        return None, float(base.group(1)) if base.group(1) else 1.0
    if metric in LATENCY_METRICS:
        found = _LATENCY.match(raw)
        if not found:
            raise ThresholdError(f"{metric} needs a duration with a unit (500ms, 1.5s) or 'baseline * 1.1'; "
                                 f"got {raw!r} in {text!r}")
        return float(found.group(1)) * (1.0 if found.group(2) == "ms" else 1000.0), None
    if metric == "error_rate":
        found = _PERCENT.match(raw)
        if not found:
            raise ThresholdError(f"error_rate needs a percentage (1%, 0.1%); got {raw!r} in {text!r}")
        value = float(found.group(1))
        if value > 100:
            raise ThresholdError(f"error_rate limit above 100% in {text!r}")
        return value / 100.0, None
    found = _PLAIN.match(raw)
    if not found:
        raise ThresholdError(f"rps needs a number of requests per second (rps > 100); "
                             f"got {raw!r} in {text!r}")
    return float(found.group(1)), None


def format_value(metric: str, value: float) -> str:
    """A measured or limit value in the unit people read: ``812 ms``, ``1.5 %``, ``85.2 req/s``."""
    if metric == "error_rate":
        percent = value * 100
        return f"{percent:.2g} %" if percent < 1 else f"{percent:.1f} %".replace(".0 %", " %")
    if metric == "rps":
        return f"{value:,.0f} req/s" if value == int(value) else f"{value:,.1f} req/s"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
