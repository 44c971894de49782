"""Read-only access to the monitoring stack: Prometheus, Alertmanager and Grafana HTTP APIs.

One ``MonitoringApi`` per configured service, each with its own httpx client and timeout; every
answer is parsed into a small typed observation (``ScrapeTarget``, ``AlertRule``, ``Sample``...)
and cached for the session, so the judging rules in ``golive.rules.monitoring`` never see HTTP.
A service that cannot be reached raises ``golive.http.FetchError`` (classified "unreachable").

APIs used (documented, stable):
- Prometheus ``/api/v1/targets?state=active``, ``/api/v1/rules?type=alert``, ``/api/v1/query``.
- Alertmanager ``/-/ready`` and ``/api/v2/status``.
- Grafana ``/api/health`` (``{"commit": ..., "database": "ok", "version": ...}``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from golive.http import FetchError


@dataclass(frozen=True)
class ServiceEndpoint:
    """A monitoring service named in the profile: the subject of its checks."""

    name: str
    url: str
    timeout: float


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
    """A loaded alerting rule."""

    name: str
    group: str
    health: str = "ok"


@dataclass(frozen=True)
class Sample:
    """One element of an instant-query result: labels and value (NaN allowed)."""

    labels: dict[str, str] = field(default_factory=dict)
    value: float = math.nan


class MonitoringApi:
    """HTTP access to one monitoring service with a timeout on every request."""

    def __init__(self, endpoint: ServiceEndpoint) -> None:
        import httpx  # lazily: plugin start-up stays light
        self.endpoint = endpoint
        self._client = httpx.Client(timeout=endpoint.timeout, trust_env=False, follow_redirects=True,
                                    headers={"User-Agent": "golive", "Accept": "application/json"})
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], Answer] = {}
        self._down: FetchError | None = None

    def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        """GET ``path``; cached; raises ``FetchError`` when the service does not answer."""
        import httpx  # lazily: plugin start-up stays light
        key = (path, tuple(sorted((params or {}).items())))
        if key in self._cache:
            return self._cache[key]
        url = self.endpoint.url.rstrip("/") + path
        if self._down is not None:
            raise FetchError(self.endpoint.name, url,
                             f"{self._down.reason} (already found unreachable this run)")
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException:
            self._down = FetchError(self.endpoint.name, url,
                                    f"no answer within the {self.endpoint.timeout:g}s timeout")
            raise self._down from None
        except httpx.HTTPError as exc:
            reason = "connection refused" if "refused" in str(exc) or "111" in str(exc) else str(exc)
            self._down = FetchError(self.endpoint.name, url, reason or type(exc).__name__)
            raise self._down from None
        try:
            data = response.json()
        except ValueError:
            data = None
        answer = Answer(str(response.url), response.status_code, data, response.text[:4000])
        self._cache[key] = answer
        return answer

    def api_data(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The ``data`` of a Prometheus-style ``{"status": "success", "data": ...}`` answer."""
        answer = self.get(path, params)
        body = answer.data if isinstance(answer.data, dict) else {}
        if answer.status != 200 or body.get("status") != "success":
            problem = body.get("error") or answer.text[:200]
            raise FetchError(self.endpoint.name, answer.url, f"answered {answer.status}: {problem}",
                             unreachable=False)
        return body.get("data")

    def close(self) -> None:
        self._client.close()


class Prometheus(MonitoringApi):
    """The Prometheus queries golive's checks need."""

    @cached_property
    def targets(self) -> list[ScrapeTarget]:
        data = self.api_data("/api/v1/targets", {"state": "active"}) or {}
        return [ScrapeTarget(job=t.get("labels", {}).get("job", t.get("scrapePool", "")),
                             instance=t.get("labels", {}).get("instance", ""),
                             health=t.get("health", "unknown"),
                             scrape_url=t.get("scrapeUrl", ""), last_error=t.get("lastError", ""))
                for t in data.get("activeTargets", [])]

    @cached_property
    def alert_rules(self) -> list[AlertRule]:
        data = self.api_data("/api/v1/rules", {"type": "alert"}) or {}
        return [AlertRule(r.get("name", ""), g.get("name", ""), r.get("health", "ok"))
                for g in data.get("groups", []) for r in g.get("rules", [])
                if r.get("type", "alerting") == "alerting"]

    def query(self, promql: str) -> list[Sample]:
        """An instant query; scalars become one unlabelled sample."""
        data = self.api_data("/api/v1/query", {"query": promql}) or {}
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return [Sample({}, _float(result[1]))]
        if kind == "vector":
            return [Sample(dict(r.get("metric", {})), _float(r.get("value", [0, "NaN"])[1]))
                    for r in result or []]
        return []


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)")
_DECLARED = re.compile(r"^#\s+(?:TYPE|HELP)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\b")


def exposed_metric_names(text: str) -> set[str]:
    """Metric names in a Prometheus text exposition: sample names and the names TYPE/HELP declare.

    A histogram ``http_request_duration_seconds`` shows as ``..._bucket``/``_sum``/``_count``
    samples; its declared name counts too, so the profile can list either.
    """
    names: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        match = _DECLARED.match(line) if line.startswith("#") else _SAMPLE.match(line + " ")
        if match:
            names.add(match.group(1))
    return names
