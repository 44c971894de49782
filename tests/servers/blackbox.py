"""A real blackbox exporter (Debian ``prometheus-blackbox-exporter``) on loopback.

One module, ``http_2xx`` (GET, any 2xx is success, 3 s timeout); readiness polled on its own
``/metrics``; stopped by PID. Prometheus scrapes ``/probe?module=http_2xx&target=<url>``.
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

BLACKBOX = shutil.which("prometheus-blackbox-exporter") or "/usr/bin/prometheus-blackbox-exporter"
CONFIG = {"modules": {"http_2xx": {"prober": "http", "timeout": "3s",
                                    "http": {"preferred_ip_protocol": "ip4", "valid_status_codes": []}}}}


def require_blackbox() -> None:
    if not Path(BLACKBOX).exists():
        pytest.skip("blackbox exporter not installed (Debian package prometheus-blackbox-exporter)")


@dataclass
class BlackboxExporter:
    process: ServerProcess
    address: str

    def scrape_config(self, targets: list[str], job: str = "blackbox") -> dict[str, Any]:
        """The documented Prometheus job: targets become ``__param_target`` and ``instance``."""
        return {
            "job_name": job, "metrics_path": "/probe", "params": {"module": ["http_2xx"]},
            "static_configs": [{"targets": targets}],
            "relabel_configs": [
                {"source_labels": ["__address__"], "target_label": "__param_target"},
                {"source_labels": ["__param_target"], "target_label": "instance"},
                {"target_label": "__address__", "replacement": self.address},
            ],
        }

    def stop(self) -> None:
        self.process.stop()


def start_blackbox(root: Path) -> BlackboxExporter:
    require_blackbox()
    root.mkdir(parents=True, exist_ok=True)
    (root / "blackbox.yml").write_text(yaml.safe_dump(CONFIG))
    port = free_port()

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    process = start_process(
        "blackbox", [BLACKBOX, f"--config.file={root / 'blackbox.yml'}", f"--web.listen-address=127.0.0.1:{port}",
                     "--log.level=warn"], root / "blackbox.log", ready, timeout=30)
    return BlackboxExporter(process, f"127.0.0.1:{port}")
