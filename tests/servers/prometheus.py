"""A real Prometheus (Debian ``prometheus``) on loopback with a config the test writes.

Scrape and evaluation intervals are 1s so that targets turn up/down and ``rate()`` has two
samples within seconds; readiness is polled on ``/-/ready`` and then on the API (targets scraped,
rules loaded), never slept. Storage lives in the test's tmp dir; the process is stopped by PID.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml

from golive.settings.monitoring import DEFAULT_ERROR_RATE_QUERY
from tests.servers.base import ServerProcess, free_port, start_process, wait_until

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

ALERT_RULES = {
    "groups": [{
        "name": "critical_alerts",
        "rules": [
            {"alert": "ServiceDown", "expr": "up == 0", "for": "1m", "labels": {"severity": "critical"},
             "annotations": {"summary": "Service {{ $labels.job }} is down"}},
            {"alert": "HighErrorRate",
             "expr": f"({DEFAULT_ERROR_RATE_QUERY}) > 0.05",
             "for": "2m", "labels": {"severity": "critical"},
             "annotations": {"summary": "High error rate detected"}},
        ],
    }],
}
"""The seeds' critical alerts (seed 001), with the error-rate expression summed over jobs."""

RULES_WITHOUT_ALERTS = {
    "groups": [{"name": "recording", "rules": [
        {"record": "job:http_requests:rate5m", "expr": "sum by (job) (rate(http_requests_total[5m]))"},
    ]}],
}
"""A rule file with a recording rule but none of the required alerts."""


def require_prometheus() -> None:
    if not Path(PROMETHEUS).exists():
        pytest.skip("prometheus is not installed (Debian package prometheus)")


@dataclass(frozen=True)
class ScrapeJob:
    """One scrape job: name, the full URL of its metrics endpoint, optional TLS trust."""

    job: str
    url: str
    ca_file: str | None = None
    server_name: str | None = None


@dataclass
class PrometheusServer:
    process: ServerProcess
    url: str

    def api(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            return json.load(response)

    def wait_scraped(self, timeout: float = 20) -> None:
        """Every active target has been scraped at least once (health no longer "unknown")."""

        def scraped() -> bool:
            targets = self.api("/api/v1/targets?state=active")["data"]["activeTargets"]
            return bool(targets) and all(t["health"] != "unknown" for t in targets)

        wait_until(scraped, timeout, "prometheus targets scraped", interval=0.2)

    def wait_query(self, promql: str, timeout: float = 20) -> None:
        """``promql`` returns at least one series (e.g. ``rate()`` has its two samples)."""

        def answered() -> bool:
            result = self.api("/api/v1/query?query=" + quote(promql))["data"]["result"]
            return bool(result) and result[0]["value"][1] not in ("NaN",)

        wait_until(answered, timeout, f"prometheus query {promql!r}", interval=0.2)

    def wait_value(self, promql: str, accept: Callable[[float], bool], timeout: float = 40) -> None:
        """Every series of ``promql`` has a value ``accept`` takes (a readiness poll on the data)."""

        def holds() -> bool:
            result = self.api("/api/v1/query?query=" + quote(promql))["data"]["result"]
            return bool(result) and all(accept(float(r["value"][1])) for r in result)

        wait_until(holds, timeout, f"prometheus query {promql!r} holding", interval=0.5)

    def stop(self) -> None:
        self.process.stop()


def _scrape_config(job: ScrapeJob) -> dict[str, Any]:
    parts = urlsplit(job.url)
    config: dict[str, Any] = {
        "job_name": job.job, "scheme": parts.scheme, "metrics_path": parts.path or "/metrics",
        "static_configs": [{"targets": [parts.netloc]}],
    }
    if job.ca_file or job.server_name:
        tls = {"ca_file": job.ca_file, "server_name": job.server_name}
        config["tls_config"] = {k: v for k, v in tls.items() if v}
    return config


def start_prometheus(root: Path, jobs: Sequence[ScrapeJob], rules: dict[str, Any] | None = None,
                     alertmanager_url: str | None = None,
                     extra_scrape_configs: Sequence[dict[str, Any]] = ()) -> PrometheusServer:
    """Write prometheus.yml (+ rules.yml) under ``root``, start Prometheus, wait for /-/ready.
    ``extra_scrape_configs`` are written as given (e.g. a blackbox-exporter job)."""
    require_prometheus()
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [_scrape_config(j) for j in jobs] + list(extra_scrape_configs),
    }
    if rules is not None:
        (root / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
        config["rule_files"] = [str(root / "rules.yml")]
    if alertmanager_url:
        targets = [urlsplit(alertmanager_url).netloc]
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": targets}]}]}
    (root / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    process = start_process(
        "prometheus",
        [PROMETHEUS, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        root / "prometheus.log", ready, timeout=30,
    )
    return PrometheusServer(process, url)
