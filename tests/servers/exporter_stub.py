"""A loopback stand-in for the exporters the seeds run (node, postgres, redis) plus queue and
latency metrics, in the Prometheus text format, with the metric names those exporters document.

Values are set per stub: gauges as given, counters growing at a given rate per *second of wall
time* (so that Prometheus' ``rate()`` sees that rate whatever the scrape interval). Real Prometheus
scrapes it; the thresholds golive asks are computed by Prometheus from these series.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tests.servers.stub_http import Stub, start_stub


@dataclass(frozen=True)
class Usage:
    """The state the stub reports: shares in use, per-second rates, queue figures, latency."""

    memory_used: float = 0.25        # share of MemTotal in use
    cpu_busy: float = 0.10           # share of one CPU busy
    disk_used: float = 0.50
    db_connections: int = 20         # of 100 max_connections
    cache_hits_per_s: float = 90.0
    cache_misses_per_s: float = 10.0
    queue_depth: int = 12
    workers: int = 3
    fast_share: float = 1.0          # share of requests under 50 ms (the rest take ~2 s)


def start_exporter_stub(usage: Usage) -> Stub:
    start = time.monotonic()

    def handle(path: str) -> tuple[int, str, bytes]:
        if path.split("?", 1)[0] != "/metrics":
            return 404, "text/plain", b"not found"
        elapsed = time.monotonic() - start
        requests = 50.0 * elapsed
        fast, slow = requests * usage.fast_share, requests * (1 - usage.fast_share)
        lines = [
            "# TYPE node_memory_MemTotal_bytes gauge", "node_memory_MemTotal_bytes 8589934592",
            "# TYPE node_memory_MemAvailable_bytes gauge",
            f"node_memory_MemAvailable_bytes {8589934592 * (1 - usage.memory_used):.0f}",
            "# TYPE node_cpu_seconds_total counter",
            f'node_cpu_seconds_total{{cpu="0",mode="idle"}} {elapsed * (1 - usage.cpu_busy):.3f}',
            f'node_cpu_seconds_total{{cpu="0",mode="user"}} {elapsed * usage.cpu_busy:.3f}',
            "# TYPE node_filesystem_size_bytes gauge",
            'node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 107374182400',
            "# TYPE node_filesystem_avail_bytes gauge",
            f'node_filesystem_avail_bytes{{device="/dev/sda1",fstype="ext4",mountpoint="/"}} '
            f"{107374182400 * (1 - usage.disk_used):.0f}",
            "# TYPE pg_stat_activity_count gauge",
            f'pg_stat_activity_count{{datname="app",state="active"}} {usage.db_connections}',
            "# TYPE pg_settings_max_connections gauge", "pg_settings_max_connections 100",
            "# TYPE redis_keyspace_hits_total counter",
            f"redis_keyspace_hits_total {usage.cache_hits_per_s * elapsed:.1f}",
            "# TYPE redis_keyspace_misses_total counter",
            f"redis_keyspace_misses_total {usage.cache_misses_per_s * elapsed:.1f}",
            "# TYPE app_queue_depth gauge", f'app_queue_depth{{queue="scrape"}} {usage.queue_depth}',
            "# TYPE app_workers_up gauge", f"app_workers_up {usage.workers}",
            "# TYPE http_request_duration_seconds histogram",
        ]
        for le, count in (("0.05", fast), ("0.1", fast), ("0.5", fast), ("1", fast), ("2.5", requests),
                          ("+Inf", requests)):
            lines.append(f'http_request_duration_seconds_bucket{{le="{le}"}} {count:.1f}')
        lines += [f"http_request_duration_seconds_sum {fast * 0.02 + slow * 2:.2f}",
                  f"http_request_duration_seconds_count {requests:.1f}"]
        return 200, "text/plain; version=0.0.4; charset=utf-8", ("\n".join(lines) + "\n").encode()

    return start_stub(handle)
