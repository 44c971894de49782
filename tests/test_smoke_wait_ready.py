"""``checks.smoke.wait_ready``: polls health until ready, bounded by the budget (loopback stub)."""

from __future__ import annotations

import json
import time

from golive.fixtures.smoke import wait_ready
from golive.profile import Target
from golive.settings.smoke import SmokeSettings
from tests.servers.base import free_port
from tests.servers.stub_http import start_stub


def _starting_service(unready_answers: int):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def handle(path: str) -> tuple[int, str, bytes]:
        calls["n"] += 1
        if calls["n"] <= unready_answers:
            return 503, "application/json", json.dumps({"status": "starting"}).encode()
        return 200, "application/json", json.dumps({"status": "ok"}).encode()

    return start_stub(handle), calls


def test_wait_ready_polls_until_healthy() -> None:
    stub, calls = _starting_service(unready_answers=3)
    try:
        target = Target(name="web", url=stub.url)
        result = wait_ready(target, SmokeSettings(), timeout=2, budget=10, pause=lambda _s: None)
    finally:
        stub.stop()
    assert result.ready and result.polls == 4 and calls["n"] == 4
    assert result.waited < 5


def test_wait_ready_gives_up_at_the_budget_with_the_last_answer() -> None:
    stub, _ = _starting_service(unready_answers=10_000)
    try:
        start = time.monotonic()
        result = wait_ready(Target(name="web", url=stub.url), SmokeSettings(), timeout=1, budget=0.6)
        elapsed = time.monotonic() - start
    finally:
        stub.stop()
    assert not result.ready and 0.6 <= elapsed < 2.5
    assert "503" in result.last and result.polls >= 2


def test_wait_ready_tolerates_refused_connections_until_the_budget() -> None:
    target = Target(name="web", url=f"http://127.0.0.1:{free_port()}")
    result = wait_ready(target, SmokeSettings(), timeout=1, budget=0.5)
    assert not result.ready and "refused" in result.last and result.polls >= 2
