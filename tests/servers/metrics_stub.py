"""A loopback application ``/metrics`` endpoint whose request counters grow on every scrape.

Each scrape adds ``ok_per_scrape`` 200-answers and ``errors_per_scrape`` 500-answers to
``http_requests_total``, so Prometheus' ``rate()`` sees a steady, known 5xx share:
errors / (ok + errors). ``extra_metrics`` adds more gauge names (e.g. ``app_build_info``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from tests.servers.stub_http import Stub, start_stub


def start_metrics_stub(ok_per_scrape: int = 100, errors_per_scrape: int = 0,
                       extra_metrics: Sequence[str] = ("app_build_info",)) -> Stub:
    """An app metrics endpoint with a fixed error share and the given extra metric names."""
    lock = threading.Lock()
    counts = {"200": 0, "500": 0}

    def handle(path: str) -> tuple[int, str, bytes]:
        if path.split("?", 1)[0] != "/metrics":
            return 404, "text/plain", b"not found"
        with lock:
            counts["200"] += ok_per_scrape
            counts["500"] += errors_per_scrape
            lines = ["# HELP http_requests_total HTTP requests by status.",
                     "# TYPE http_requests_total counter"]
            lines += [f'http_requests_total{{method="GET",status="{s}"}} {n}' for s, n in counts.items()]
        for name in extra_metrics:
            lines += [f"# TYPE {name} gauge", f"{name} 1"]
        return 200, "text/plain; version=0.0.4; charset=utf-8", ("\n".join(lines) + "\n").encode()

    return start_stub(handle)
