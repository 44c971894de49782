"""Access to the monitoring stack: Prometheus, Alertmanager and Grafana HTTP APIs.

One client per configured service, each request under a *total* deadline (the service's timeout:
``golive.deadline``), so a stalled or dripping API costs one timeout, not the rest of the run.
Answers are parsed into the typed observations of ``golive.monitoring.observations`` and cached
for the session (reads only; the synthetic alert of ``golive.monitoring.delivery`` is the one write,
``post``). A service that cannot be reached raises ``golive.http.FetchError`` ("unreachable").

APIs used (documented, stable):
- Prometheus ``/api/v1/targets``, ``/api/v1/rules?type=alert``, ``/api/v1/query``,
  ``/api/v1/alertmanagers``.
- Alertmanager ``/-/ready``, ``/api/v2/status``, ``/api/v2/silences``, ``/api/v2/alerts`` (GET and
  POST), ``/metrics``.
- Grafana ``/api/health``, ``/api/search?type=dash-db`` (with the profile's token).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from golive.http import FetchError
from golive.monitoring.observations import (
    AlertmanagerTarget,
    AlertRule,
    Answer,
    Dashboard,
    Sample,
    ScrapeTarget,
    ServiceEndpoint,
    Silence,
)


class MonitoringApi:
    """HTTP access to one monitoring service, every request within the service's total deadline."""

    def __init__(self, endpoint: ServiceEndpoint) -> None:
        import httpx  # lazily: plugin start-up stays light

        from golive.deadline import DeadlineTransport

        self.endpoint = endpoint
        headers = {"User-Agent": "golive", "Accept": "application/json"}
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        self._client = httpx.Client(timeout=endpoint.timeout, trust_env=False, follow_redirects=True,
                                    headers=headers, transport=DeadlineTransport())
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], Answer] = {}
        self._down: FetchError | None = None

    def _send(self, method: str, path: str, params: dict[str, str] | None = None, body: Any = None) -> Answer:
        import httpx

        from golive.deadline import within

        url = self.endpoint.url.rstrip("/") + path
        if self._down is not None:
            raise FetchError(self.endpoint.name, url, f"{self._down.reason} (already found unreachable this run)")
        try:
            with within(self.endpoint.timeout):
                response = self._client.request(method, url, params=params, json=body)
        except httpx.TimeoutException:
            self._down = FetchError(self.endpoint.name, url,
                                    f"no complete answer within the {self.endpoint.timeout:g}s deadline")
            raise self._down from None
        except httpx.HTTPError as exc:
            reason = "connection refused" if "refused" in str(exc) or "111" in str(exc) else str(exc)
            self._down = FetchError(self.endpoint.name, url, reason or type(exc).__name__)
            raise self._down from None
        try:
            data = response.json()
        except ValueError:
            data = None
        return Answer(str(response.url), response.status_code, data, response.text[:200_000])

    def get(self, path: str, params: dict[str, str] | None = None, cached: bool = True) -> Answer:
        """GET ``path`` (cached unless ``cached=False``); raises ``FetchError`` when the service does
        not answer within the deadline."""
        key = (path, tuple(sorted((params or {}).items())))
        if cached and key in self._cache:
            return self._cache[key]
        answer = self._send("GET", path, params)
        self._cache[key] = answer
        return answer

    def post(self, path: str, body: Any) -> Answer:
        """POST JSON (never cached)."""
        return self._send("POST", path, body=body)

    def api_data(self, path: str, params: dict[str, str] | None = None, cached: bool = True) -> Any:
        """The ``data`` of a Prometheus-style ``{"status": "success", "data": ...}`` answer."""
        answer = self.get(path, params, cached)
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
        return [AlertRule(r.get("name", ""), g.get("name", ""), r.get("health", "ok"), str(r.get("query", "")),
                          float(r.get("duration") or 0), dict(r.get("labels") or {}), dict(r.get("annotations") or {}))
                for g in data.get("groups", []) for r in g.get("rules", [])
                if r.get("type", "alerting") == "alerting"]

    @cached_property
    def alertmanagers(self) -> list[AlertmanagerTarget]:
        data = self.api_data("/api/v1/alertmanagers") or {}
        return ([AlertmanagerTarget(str(a.get("url", "")), True) for a in data.get("activeAlertmanagers", [])]
                + [AlertmanagerTarget(str(a.get("url", "")), False) for a in data.get("droppedAlertmanagers", [])])

    def query(self, promql: str, cached: bool = True) -> list[Sample]:
        """An instant query; scalars become one unlabelled sample."""
        data = self.api_data("/api/v1/query", {"query": promql}, cached) or {}
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return [Sample({}, _float(result[1]))]
        if kind == "vector":
            return [Sample(dict(r.get("metric", {})), _float(r.get("value", [0, "NaN"])[1]))
                    for r in result or []]
        return []


class Alertmanager(MonitoringApi):
    """The Alertmanager reads (and the one write: a synthetic alert) golive's checks need."""

    def silences(self) -> list[Silence]:
        answer = self.get("/api/v2/silences")
        if answer.status != 200 or not isinstance(answer.data, list):
            raise FetchError(self.endpoint.name, answer.url, f"answered {answer.status}: {answer.text[:200]}",
                             unreachable=False)
        found = []
        for item in answer.data:
            matchers = ", ".join(f"{m.get('name')}{'=~' if m.get('isRegex') else '='}{m.get('value')}"
                                 for m in item.get("matchers") or [])
            found.append(Silence(str(item.get("id", "")), str((item.get("status") or {}).get("state", "")),
                                 str(item.get("comment", "")), str(item.get("createdBy", "")),
                                 str(item.get("endsAt", "")), matchers))
        return found

    def alerts(self, filters: list[str]) -> list[dict[str, Any]]:
        """``GET /api/v2/alerts?filter=…`` (uncached: the synthetic alert's state changes)."""
        import httpx

        params = httpx.QueryParams([("filter", f) for f in filters])
        answer = self.get("/api/v2/alerts?" + str(params), cached=False)
        return answer.data if answer.status == 200 and isinstance(answer.data, list) else []

    def metrics_text(self) -> str:
        """``/metrics`` (uncached): the notification counters."""
        return self.get("/metrics", cached=False).text


class Grafana(MonitoringApi):
    """Grafana's health and dashboard search."""

    def dashboards(self) -> list[Dashboard]:
        answer = self.get("/api/search", {"type": "dash-db", "limit": "5000"})
        if answer.status != 200 or not isinstance(answer.data, list):
            raise FetchError(self.endpoint.name, answer.url,
                             f"/api/search answered {answer.status} (a service account token with "
                             "dashboards:read is needed: checks.monitoring.grafana_token)", unreachable=False)
        return [Dashboard(str(d.get("uid", "")), str(d.get("title", "")), str(d.get("url", "")))
                for d in answer.data]


def client_for(endpoint: ServiceEndpoint) -> MonitoringApi:
    """The right client class for a service name."""
    return {"prometheus": Prometheus, "alertmanager": Alertmanager, "grafana": Grafana}.get(
        endpoint.name, MonitoringApi)(endpoint)


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan
