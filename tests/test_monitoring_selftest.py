"""monitoring.* proven both ways against a real Prometheus and Alertmanager on loopback.

The sound stack: Prometheus scraping an app whose 5xx share is 0, with the seeds' alert rules
(ServiceDown, HighErrorRate) loaded; a ready Alertmanager; a healthy Grafana. The flawed stack:
Prometheus with one scrape target down, a rule file without those alerts, an app answering 25 %
5xx and lacking a required metric, Alertmanager not running, Grafana's database failing.

Grafana is not packaged by Debian: its check runs against ``tests/servers/grafana_stub.py``, a
loopback server that speaks Grafana's documented ``/api/health`` contract.
One golive run per stack serves all six ids.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.settings.monitoring import DEFAULT_ERROR_RATE_QUERY
from tests.harness import GoliveRun, run_golive
from tests.servers.alertmanager import start_alertmanager
from tests.servers.base import free_port
from tests.servers.grafana_stub import start_grafana_stub
from tests.servers.metrics_stub import start_metrics_stub
from tests.servers.prometheus import ALERT_RULES, RULES_WITHOUT_ALERTS, ScrapeJob, start_prometheus

IDS = (
    "monitoring.prometheus_targets",
    "monitoring.alert_rules",
    "monitoring.alertmanager",
    "monitoring.grafana",
    "monitoring.metrics_endpoint",
    "monitoring.error_rate",
)
REQUIRED_METRICS = ["http_requests_total", "app_build_info"]


def _profile(name: str, app_url: str, monitoring: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "environment": "staging",
        "timeout": "3s",
        "targets": [{"name": "app", "url": app_url}],
        "checks": {
            "monitoring": {
                "timeout": "3s",
                "alerts": ["ServiceDown", "HighErrorRate"],
                "metrics": REQUIRED_METRICS,
                **monitoring,
            }
        },
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, GoliveRun]]:
    """Start both stacks, wait until Prometheus has data, run golive once per stack."""
    root = tmp_path_factory.mktemp("monitoring")
    with contextlib.ExitStack() as stack:
        sound_app = start_metrics_stub(ok_per_scrape=100, errors_per_scrape=0)
        stack.callback(sound_app.stop)
        flawed_app = start_metrics_stub(ok_per_scrape=75, errors_per_scrape=25, extra_metrics=())
        stack.callback(flawed_app.stop)
        grafana_ok = start_grafana_stub(database_ok=True)
        stack.callback(grafana_ok.stop)
        grafana_bad = start_grafana_stub(database_ok=False)
        stack.callback(grafana_bad.stop)
        alertmanager = start_alertmanager(root / "alertmanager")
        stack.callback(alertmanager.stop)
        sound_prom = start_prometheus(
            root / "prom-sound", [ScrapeJob("app", sound_app.url + "/metrics")], ALERT_RULES, alertmanager.url
        )
        stack.callback(sound_prom.stop)
        down = f"http://127.0.0.1:{free_port()}/metrics"
        flawed_prom = start_prometheus(
            root / "prom-flawed",
            [ScrapeJob("app", flawed_app.url + "/metrics"), ScrapeJob("worker", down)],
            RULES_WITHOUT_ALERTS,
        )
        stack.callback(flawed_prom.stop)
        for prom in (sound_prom, flawed_prom):
            prom.wait_scraped()
            prom.wait_query(DEFAULT_ERROR_RATE_QUERY)
        sound = run_golive(
            _profile(
                "monitoring-sound",
                sound_app.url,
                {
                    "prometheus_url": sound_prom.url,
                    "alertmanager_url": alertmanager.url,
                    "grafana_url": grafana_ok.url,
                    "jobs": ["app"],
                },
            ),
            "-m",
            "monitoring",
            tmp_path=root / "run-sound",
        )
        flawed = run_golive(
            _profile(
                "monitoring-flawed",
                flawed_app.url,
                {
                    "prometheus_url": flawed_prom.url,
                    "alertmanager_url": f"http://127.0.0.1:{free_port()}",
                    "grafana_url": grafana_bad.url,
                },
            ),
            "-m",
            "monitoring",
            tmp_path=root / "run-flawed",
        )
        yield {"sound": sound, "flawed": flawed}


SUBJECT = {
    "monitoring.prometheus_targets": "prometheus",
    "monitoring.alert_rules": "prometheus",
    "monitoring.error_rate": "prometheus",
    "monitoring.alertmanager": "alertmanager",
    "monitoring.grafana": "grafana",
    "monitoring.metrics_endpoint": "app",
}


def test_sound_stack_passes_every_monitoring_check(runs: dict[str, GoliveRun]) -> None:
    run = runs["sound"]
    for check_id in IDS:
        assert run.status(check_id, SUBJECT[check_id]) == "passed", (
            check_id,
            run.message(check_id, SUBJECT[check_id]),
            run.output[-2000:],
        )


EXPECTED_FAILURES = {
    "monitoring.prometheus_targets": ["prometheus:", "worker", "down", "1/2 up"],
    "monitoring.alert_rules": [
        "prometheus:",
        "missing alert rule(s) ServiceDown, HighErrorRate",
        "expected:",
    ],
    "monitoring.alertmanager": ["alertmanager", "unreachable", "connection refused"],
    "monitoring.grafana": ["grafana:", "503", "database=failing", "expected: 200, database=ok"],
    "monitoring.metrics_endpoint": ["app:", "lacks app_build_info", "expected:"],
    "monitoring.error_rate": ["prometheus:", "error rate 25.000%", "< 0.100%"],
}


@pytest.mark.parametrize("check_id", IDS)
def test_flawed_stack_fails_each_check_naming_subject_observed_expected(
    runs: dict[str, GoliveRun], check_id: str
) -> None:
    run = runs["flawed"]
    subject = SUBJECT[check_id]
    unreachable = "unreachable" in EXPECTED_FAILURES[check_id]  # could not observe: an error, not a finding
    assert run.status(check_id, subject) == ("error" if unreachable else "failed"), run.output[-2000:]
    message = run.message(check_id, subject)
    for part in EXPECTED_FAILURES[check_id]:
        assert part in message, (part, message)


def test_monitoring_checks_not_collected_without_urls(tmp_path: Path) -> None:
    app = start_metrics_stub()
    try:
        run = run_golive(
            {"name": "no-monitoring", "targets": [{"name": "app", "url": app.url}]},
            "-m",
            "monitoring",
            tmp_path=tmp_path,
        )
    finally:
        app.stop()
    results = {i["id"]: i for i in run.signoff["items"] if i["id"] in IDS}
    assert results and all(not item["results"] for item in results.values()), results
