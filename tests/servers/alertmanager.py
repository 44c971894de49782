"""A real Alertmanager (Debian ``prometheus-alertmanager``) on loopback, clustering off.

A minimal config (one receiver that sends nowhere) in the test's tmp dir; readiness polled on
``/-/ready``; stopped by PID.
"""

from __future__ import annotations

import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.base import ServerProcess, free_port, start_process

ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"

CONFIG = {"route": {"receiver": "null", "group_wait": "1s"}, "receivers": [{"name": "null"}]}


def require_alertmanager() -> None:
    if not Path(ALERTMANAGER).exists():
        pytest.skip("alertmanager is not installed (Debian package prometheus-alertmanager)")


@dataclass
class AlertmanagerServer:
    process: ServerProcess
    url: str

    def stop(self) -> None:
        self.process.stop()


def webhook_config(url: str) -> dict[str, Any]:
    """Alerts labelled ``golive_test="true"`` go to the ``team-webhook`` receiver (a webhook at
    ``url``) at once (group_wait 1 s, grouped by every label); the rest go nowhere."""
    return {
        "route": {"receiver": "null", "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h",
                  "routes": [{"matchers": ['golive_test="true"'], "receiver": "team-webhook", "group_by": ["..."],
                              "group_wait": "1s", "group_interval": "1s"}]},
        "receivers": [{"name": "null"},
                      {"name": "team-webhook", "webhook_configs": [{"url": url, "send_resolved": False}]}],
    }


def start_alertmanager(root: Path, config: dict[str, Any] | None = None) -> AlertmanagerServer:
    """Start Alertmanager on a free loopback port and wait until /-/ready answers 200."""
    require_alertmanager()
    root.mkdir(parents=True, exist_ok=True)
    (root / "alertmanager.yml").write_text(yaml.safe_dump(config or CONFIG))
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    process = start_process(
        "alertmanager",
        [ALERTMANAGER, f"--config.file={root / 'alertmanager.yml'}", f"--storage.path={root / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
        root / "alertmanager.log", ready, timeout=30,
    )
    return AlertmanagerServer(process, url)
