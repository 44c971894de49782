"""smoke.* (and monitoring.metrics_endpoint) proven both ways against the demo target.

Two golive runs serve every assertion: the sound demo target as ``web``; and one run whose
profile holds one flawed demo target per flaw (each with exactly that defect), named after the
flaw, plus a target nobody listens on. Each check's result on each subject then says whether that
flaw was caught, with a message naming the subject, the observed and the expected value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from golive.demo import app as demo_app
from tests.harness import GoliveRun, run_golive
from tests.servers.base import free_port

pytestmark = pytest.mark.xdist_group("smoke_selftest")  # its module fixtures start once, on one worker

FLAW_FAILS: dict[str, dict[str, list[str]]] = {
    "health_503": {
        "smoke.health": ["/api/health answered 503", "expected: 200"],
        "smoke.endpoints": ["GET /api/health (health) answered 503"],
    },
    "health_unhealthy": {
        "smoke.health": ["status='unhealthy'", "expected: status in ok/healthy/up/pass"],
        "smoke.endpoints": ["GET /api/health (health) JSON status", "expected: JSON subset"],
    },
    "health_html_error": {"smoke.health": ["/api/health answered 500", "<", "expected: 200"]},
    "health_slow": {"smoke.latency": ["p95 over budget", "p50 ", "p99 ", "max ", "p95 ≤ 300ms"]},
    "component_down": {
        "smoke.health_deep": ["unhealthy component(s): components.redis=down", "expected: every component in"]
    },
    "version_old": {"smoke.version": ["serves version 1.4.1", "not 1.4.2"]},
    "auth_not_enforced": {
        "smoke.auth_required": [
            "POST /api/hooks/deploy answered 200 without credentials",
            "GET /api/private answered 200 without credentials",
            "expected: 401/403",
        ]
    },
    "metrics_missing": {
        "monitoring.metrics_endpoint": [
            "metrics /metrics lacks http_requests_total",
            "expected: http_requests_total",
        ]
    },
}
STILL_PASSES = {
    "health_slow": ["smoke.health", "smoke.version", "smoke.auth_required"],
    "component_down": ["smoke.health", "smoke.latency", "smoke.endpoints"],
    "version_old": ["smoke.health", "smoke.health_deep", "smoke.auth_required", "smoke.endpoints"],
    "auth_not_enforced": ["smoke.health", "smoke.version", "smoke.health_deep"],
    "metrics_missing": ["smoke.health", "smoke.endpoints", "smoke.latency"],
}
"""A flaw is caught by its own check, not by accident: the other checks on that subject pass."""
SUBJECT = {flaw: flaw.replace("_", "-") for flaw in FLAW_FAILS} | {"auth_not_enforced": "unprotected"}
"""Subject per flaw. Not "auth-not-enforced": the redactor masks the word after any "...auth...: "."""
IDS = (
    "smoke.health",
    "smoke.health_deep",
    "smoke.endpoints",
    "smoke.auth_required",
    "smoke.latency",
    "smoke.version",
    "monitoring.metrics_endpoint",
)
BEARER = {"Authorization": "Bearer ${DEMO_API_KEY}"}


def checks_settings(wait_ready: str | None = None) -> dict[str, Any]:
    """What a team would write for the demo's service (the seeds' smoke requests)."""
    smoke: dict[str, Any] = {
        "expected_version_env": "DEMO_EXPECTED_VERSION",
        "latency": {"samples": 6, "p95": "300ms", "p50": "250ms"},
        "protected": [
            {"path": demo_app.PROTECTED_PATH, "headers": BEARER},
            {"path": demo_app.HOOK_PATH, "method": "POST", "json": {"ref": "v1"}, "headers": BEARER},
        ],
        "endpoints": [
            {
                "name": "health",
                "path": "/api/health",
                "expect": {"json": {"status": "ok"}, "headers": {"X-App-Version": "*"}, "max_latency": "2s"},
            },
            {
                "name": "hook",
                "method": "POST",
                "path": demo_app.HOOK_PATH,
                "headers": BEARER,
                "json": {"ref": "v1.4.2"},
                "expect": {"status": 200, "json": {"accepted": True}},
            },
            {
                "name": "models",
                "path": "/api/models/available",
                "expect": {"json_has": ["total_models"], "content_type": "application/json"},
            },
            {
                "name": "chat",
                "method": "POST",
                "path": "/api/chat",
                "json": {"message": "ping"},
                "expect": {"json_paths": {"reply": "You said: ping"}},
            },
            {
                "name": "embed",
                "path": "/embed.js",
                "expect": {"content_type": "application/javascript", "headers": {"Cache-Control": "max-age"}},
            },
        ],
    }
    if wait_ready:
        smoke["wait_ready"] = wait_ready
    return {"smoke": smoke, "monitoring": {"metrics": ["http_requests_total", "app_build_info"]}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, demo_target: Callable[..., Any]) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("smoke")
    sound = demo_target()
    env = {"DEMO_API_KEY": sound.token, "DEMO_EXPECTED_VERSION": sound.version}
    base = {"environment": "staging", "timeout": "3s"}
    sound_run = run_golive(
        {
            "name": "smoke-sound",
            **base,
            "targets": [sound.target_dict("web")],
            "checks": checks_settings(wait_ready="10s"),
        },
        "-m",
        "smoke or monitoring",
        tmp_path=root / "sound",
        env=env,
    )
    targets = [demo_target(flaw).target_dict(SUBJECT[flaw]) for flaw in FLAW_FAILS]
    targets.append({"name": "gone", "url": f"https://127.0.0.1:{free_port()}"})
    flawed_run = run_golive(
        {"name": "smoke-flawed", **base, "targets": targets, "checks": checks_settings()},
        "-m",
        "smoke or monitoring",
        tmp_path=root / "flawed",
        env=env,
    )
    return {"sound": sound_run, "flawed": flawed_run, "token": sound.token}


def test_sound_demo_passes_every_smoke_check(runs: dict[str, Any]) -> None:
    run: GoliveRun = runs["sound"]
    for check_id in IDS:
        assert run.status(check_id, "web") == "passed", (
            check_id,
            run.message(check_id, "web"),
            run.output[-3000:],
        )
    endpoints = [r for r in run.item("smoke.endpoints")["results"] if r["subject"] == "web"]
    assert len(endpoints) == 5 and all(r["status"] == "passed" for r in endpoints)
    assert len([r for r in run.item("smoke.auth_required")["results"] if r["status"] == "passed"]) == 2


def test_wait_ready_time_is_in_the_evidence(runs: dict[str, Any]) -> None:
    result = runs["sound"].result("smoke.health", "web")
    assert result["metrics"]["wait_ready_s"] < 10
    assert any("for health: ready" in note for note in result["notes"])


@pytest.mark.parametrize("flaw", sorted(FLAW_FAILS))
def test_flawed_demo_fails_its_check_naming_subject_observed_expected(
    runs: dict[str, Any], flaw: str
) -> None:
    run: GoliveRun = runs["flawed"]
    subject = SUBJECT[flaw]
    for check_id, parts in FLAW_FAILS[flaw].items():
        assert run.status(check_id, subject) == "failed", (check_id, run.output[-3000:])
        failed = [
            r for r in run.item(check_id)["results"] if r["subject"] == subject and r["status"] == "failed"
        ]
        message = " | ".join(r["message"] for r in failed)
        assert message.startswith(f"{subject}: "), message
        for part in parts:
            assert part in message, (part, message)
    for check_id in STILL_PASSES.get(flaw, []):
        assert run.status(check_id, subject) == "passed", (check_id, run.message(check_id, subject))


def test_unreachable_target_fails_its_smoke_checks_quickly(runs: dict[str, Any]) -> None:
    run: GoliveRun = runs["flawed"]
    for check_id in ("smoke.health", "smoke.latency", "smoke.health_deep"):
        assert run.status(check_id, "gone") == "error"
        assert "unreachable" in run.message(check_id, "gone")
    assert run.signoff["verdict"] == "NO-GO"


def test_no_credential_in_reports_or_output(runs: dict[str, Any]) -> None:
    for key in ("sound", "flawed"):
        run: GoliveRun = runs[key]
        assert runs["token"] not in run.report_text()
        assert runs["token"] not in run.output
