"""What the monitoring stack reported, as typed observations (data only: no I/O, no judgement).

The rules (``golive.rules.monitoring``) import these types, never the other way round, so every
rule can be unit-tested on hand-made observations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ServiceEndpoint:
    """A monitoring service named in the profile: the subject of its checks."""

    name: str
    url: str
    timeout: float
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Answer:
    """One HTTP answer of a monitoring API: status and parsed JSON (None when not JSON)."""

    url: str
    status: int
    data: Any
    text: str


@dataclass(frozen=True)
class ScrapeTarget:
    """An active Prometheus scrape target."""

    job: str
    instance: str
    health: str
    scrape_url: str
    last_error: str = ""


@dataclass(frozen=True)
class AlertRule:
    """A loaded alerting rule: name, group, health and, from ``/api/v1/rules``, its expression
    (``query``, as Prometheus prints it), its ``for`` (``duration``, seconds), labels, annotations."""

    name: str
    group: str
    health: str = "ok"
    query: str = ""
    duration: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """One element of an instant-query result: labels and value (NaN allowed)."""

    labels: dict[str, str] = field(default_factory=dict)
    value: float = math.nan


@dataclass(frozen=True)
class AlertmanagerTarget:
    """An Alertmanager Prometheus sends alerts to (``/api/v1/alertmanagers``)."""

    url: str
    active: bool


@dataclass(frozen=True)
class Silence:
    """An Alertmanager silence (``/api/v2/silences``)."""

    id: str
    state: str
    comment: str
    created_by: str
    ends_at: str
    matchers: str


@dataclass(frozen=True)
class Delivery:
    """What happened to golive's synthetic alert: accepted by Alertmanager, the receivers its route
    chose, and the integration's attempt/failure counters before and after (None: unreadable),
    read from ``counter`` (per attempt on Alertmanager ≥ 0.25, per notification before)."""

    alertname: str
    accepted: bool
    receivers: tuple[str, ...]
    sent_before: float | None
    sent_after: float | None
    failed_before: float | None
    failed_after: float | None
    waited: float
    detail: str = ""
    counter: str = ""


@dataclass(frozen=True)
class WatchPoint:
    """One poll of the post-deploy watch: seconds since start, error rate and latency (NaN: no data)."""

    at: float
    error_rate: float | None
    latency: float | None


@dataclass(frozen=True)
class Dashboard:
    """A dashboard Grafana's search API lists."""

    uid: str
    title: str
    url: str = ""
