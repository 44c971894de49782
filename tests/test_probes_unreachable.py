"""A probe whose target is unreachable or never answers is an error that says so, never a pass, and
never hangs past the profile timeout: every new probe against a closed port and a silent listener
(accepts TCP, never says a word — a hung TLS terminator)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.harness import run_golive
from tests.servers.base import free_port
from tests.servers.nginx_tls import silent_listener

IDS = ("smoke.rate_limit", "smoke.input_validation", "smoke.auth_probes", "smoke.websocket", "http.error_pages",
       "http.compression", "http.static_caching", "http.source_maps")


def test_closed_and_silent_targets_fail_within_the_timeout(tmp_path: Path) -> None:
    with silent_listener() as silent:
        profile = {
            "name": "unreachable", "environment": "staging", "timeout": "1s",
            "targets": [{"name": "closed", "url": f"https://127.0.0.1:{free_port()}"},
                        {"name": "silent", "url": f"https://127.0.0.1:{silent}"}],
            "checks": {"smoke": {
                "rate_limit": {"path": "/login", "max_requests": 20},
                "input_validation": [{"name": "chat", "path": "/api/chat", "method": "POST", "json": {"m": "x"}}],
                "auth_probes": [{"path": "/api/me"}],
                "websocket": {"path": "/ws", "idle": "1s"}}},
        }
        run = run_golive(profile, "-m", "smoke or http", "-k", " or ".join(i.split(".")[1] for i in IDS),
                         tmp_path=tmp_path)
    for subject in ("closed", "silent"):
        for check_id in IDS:
            status, message = run.status(check_id, subject), run.message(check_id, subject)
            assert status in ("failed", "error"), (check_id, subject, status, message)
            words = ("refused",) if subject == "closed" else ("timeout", "timed out")
            assert any(w in message for w in words) or "unreachable" in message, (check_id, subject, message)
    # each check waits the 1 s timeout at most once or twice (connect, then fail fast), never per request
    cases = ET.parse(run.report_dir / "junit.xml").getroot().iter("testcase")
    times = {case.get("name"): float(case.get("time") or 0) for case in cases}
    assert len(times) == 2 * len(IDS), times
    slow = {name: t for name, t in times.items() if t > 3.5}
    assert not slow, slow
