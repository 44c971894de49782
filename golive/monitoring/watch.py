"""The post-deploy watch: error rate and latency polled for a bounded time, stopping at a breach.

The seeds ask to "monitor error rates for 30 minutes" after the release. The watch polls
Prometheus every ``interval`` for at most ``duration`` (so at most duration/interval + 1 polls, each
under the API's deadline), reports progress after each poll (the terminal shows it), and stops at
the first poll that breaches a threshold: a failing release is reported at once, not after 30
minutes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from golive.monitoring.api import Prometheus
from golive.monitoring.observations import WatchPoint
from golive.settings.monitoring import PostDeployWatch


def _worst(values: list[float]) -> float | None:
    """The highest value of a query's series (NaN when they are all NaN; None: no series)."""
    if not values:
        return None
    real = [v for v in values if not math.isnan(v)]
    return max(real) if real else math.nan


def _shown(value: float | None, fmt: Callable[[float], str]) -> str:
    return "no data" if value is None else "no traffic" if math.isnan(value) else fmt(value)


def breached(point: WatchPoint, max_error_rate: float, max_latency: float | None) -> bool:
    error = point.error_rate is not None and not math.isnan(point.error_rate) and point.error_rate >= max_error_rate
    slow = (max_latency is not None and point.latency is not None and not math.isnan(point.latency)
            and point.latency > max_latency)
    return error or slow


def watch(prometheus: Prometheus, spec: PostDeployWatch, error_query: str, max_error_rate: float,
          progress: Callable[[str], None] = lambda line: None, clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> list[WatchPoint]:
    """Poll until ``spec.duration`` has passed or a threshold is breached; every poll is returned."""
    start = clock()
    points: list[WatchPoint] = []
    polls = int(spec.duration // spec.interval) + 1
    for index in range(polls):
        error = _worst([s.value for s in prometheus.query(error_query, cached=False)])
        latency = _worst([s.value for s in prometheus.query(spec.latency_query, cached=False)])
        point = WatchPoint(clock() - start, error, latency)
        points.append(point)
        progress(f"post-deploy watch {point.at:.0f}s of {spec.duration:.0f}s: error rate "
                 f"{_shown(error, lambda v: f'{v:.3%}')}, latency {_shown(latency, lambda v: f'{v * 1000:.0f}ms')}")
        if breached(point, max_error_rate, spec.max_latency):
            break
        due = start + (index + 1) * spec.interval
        if due - start > spec.duration:
            break
        sleep(max(0.0, due - clock()))
    return points
