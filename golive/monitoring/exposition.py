"""The Prometheus text exposition format, read with ``prometheus_client``'s own parser.

An application's ``/metrics`` (``monitoring.metrics_endpoint``) and Alertmanager's notification
counters (``monitoring.alert_delivery``) are both in this format; the reference implementation
parses them (no hand-written grammar).
"""

from __future__ import annotations

from collections.abc import Callable


class ExpositionError(ValueError):
    """The text is not in the Prometheus exposition format (the parser's own words)."""


def _families(text: str) -> list:
    from prometheus_client.parser import text_string_to_metric_families

    try:
        return list(text_string_to_metric_families(text))
    except (ValueError, TypeError, IndexError) as exc:
        raise ExpositionError(f"not the Prometheus text format: {exc}") from None


def exposed_metric_names(text: str) -> set[str]:
    """Metric names in a Prometheus text exposition: the families' names (a counter's family is
    named without ``_total``) and every sample name (``_total``, a histogram's ``_bucket``/``_sum``/
    ``_count``), so the profile can list either."""
    names: set[str] = set()
    for family in _families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def counter_sum(text: str, name: str, match: Callable[[dict[str, str]], bool] = lambda labels: True) -> float | None:
    """The sum of the samples of ``name`` whose labels ``match`` (None: no such sample at all)."""
    values = [s.value for family in _families(text) for s in family.samples if s.name == name and match(s.labels)]
    return sum(values) if values else None
