"""Unit tests of the pure smoke rules (no network): each rule passes the sound case and fails,
naming observed and expected, on each defect."""

from __future__ import annotations

import json
from typing import Any

import pytest

from golive.http import Observed
from golive.rules import smoke as rules
from golive.settings.smoke import Expect, SmokeSettings

HEALTHY = ["ok", "healthy", "up", "pass"]


def response(
    status: int = 200,
    body: Any = None,
    content_type: str = "application/json",
    path: str = "/api/health",
    elapsed: float = 0.01,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
) -> Observed:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    return Observed(
        url=f"https://app.test{path}",
        method=method,
        status=status,
        headers=(("Content-Type", content_type), *headers),
        body=raw,
        elapsed=elapsed,
    )


@pytest.mark.parametrize("body", [{"status": "ok"}, {"status": "Healthy", "db": "up"}])
def test_health_passes_on_200_with_healthy_status(body: dict[str, Any]) -> None:
    assert rules.health(response(body=body), HEALTHY).passed


def test_health_plain_text_ok_passes_and_html_fails() -> None:
    assert rules.health(response(body=b"OK", content_type="text/plain"), HEALTHY).passed
    verdict = rules.health(
        response(body=b"<html><h1>Bad Gateway</h1></html>", content_type="text/html"), HEALTHY
    )
    assert not verdict.passed and "HTML" in verdict.message and "Bad Gateway" in verdict.message


def test_health_503_fails_with_status_and_excerpt() -> None:
    verdict = rules.health(response(503, {"status": "unhealthy", "error": "db down"}), HEALTHY)
    assert not verdict.passed
    assert "503" in verdict.message and "expected: 200" in verdict.message and "db down" in verdict.message


def test_health_unhealthy_status_fails_naming_field() -> None:
    verdict = rules.health(response(body={"status": "unhealthy"}), HEALTHY).about("web")
    assert not verdict.passed
    assert verdict.message.startswith("web: ") and "status='unhealthy'" in verdict.message
    assert "ok/healthy/up/pass" in verdict.message


def test_health_json_without_status_field_fails_unless_disabled() -> None:
    assert not rules.health(response(body={"uptime": 3}), HEALTHY).passed
    assert rules.health(response(body={"uptime": 3}), HEALTHY, status_field="").passed
    assert rules.health(response(body={"app": {"state": "up"}}), HEALTHY, status_field="app.state").passed


def test_health_excerpt_is_short_and_uses_given_redacted_text() -> None:
    long = "x" * 5000
    verdict = rules.health(response(500, long.encode(), "text/plain"), HEALTHY, body_text="token=*** " + long)
    assert len(verdict.message) < 400 and "token=***" in verdict.message


COMPONENTS = ["ok", "healthy", "up", "pass", "connected"]


def test_deep_health_seed_shape_passes_and_ignores_counters() -> None:
    body = {
        "app": {"status": "healthy", "version": "1.0.0"},
        "database": {"status": "connected", "latency": 5},
        "redis": {"status": "connected"},
        "workers": {"scraping": 2},
        "queues": {"pending": 10},
    }
    verdict = rules.deep_health(response(body=body, path="/api/health/comprehensive"), COMPONENTS)
    assert verdict.passed, verdict.message
    assert set(verdict.details["components"]) == {"app", "database", "redis"}


def test_deep_health_names_the_down_component() -> None:
    body = {
        "status": "degraded",
        "checks": {"database": {"status": "up"}, "redis": {"status": "down"}},
        "cache": "disconnected",
    }
    verdict = rules.deep_health(response(503, body), COMPONENTS).about("web")
    assert not verdict.passed
    assert "checks.redis=down" in verdict.message and "cache=disconnected" in verdict.message
    assert "database" not in verdict.reason


def test_deep_health_list_components_and_non_json() -> None:
    body = {
        "components": [{"name": "db", "status": "ok"}, {"name": "queue", "healthy": False, "status": False}]
    }
    verdict = rules.deep_health(response(body=body), COMPONENTS)
    assert not verdict.passed and "components.queue=down" in verdict.message
    assert not rules.deep_health(response(404, b"<html>nope</html>", "text/html"), COMPONENTS).passed
    assert not rules.deep_health(response(body={"uptime": 1}), COMPONENTS).passed


def test_endpoint_all_expectations_pass() -> None:
    expect = Expect.model_validate(
        {
            "status": [200, 201],
            "json": {"data": {"ok": True}},
            "json_paths": {"data.items.0.id": 7},
            "json_has": ["total_models"],
            "body_contains": "total_models",
            "headers": {"Cache-Control": "max-age"},
            "content_type": "application/json",
            "max_latency": "500ms",
        }
    )
    obs = response(
        201,
        {"data": {"ok": True, "items": [{"id": 7}]}, "total_models": 3},
        headers=(("Cache-Control", "public, max-age=60"),),
    )
    assert rules.endpoint("models", obs, expect).passed


def test_endpoint_reports_every_failed_expectation() -> None:
    expect = Expect.model_validate(
        {
            "status": 200,
            "json": {"data": {"ok": True}},
            "json_paths": {"total_models": 3},
            "headers": {"X-Served-By": "*"},
            "content_type": "application/javascript",
            "max_latency": "100ms",
        }
    )
    obs = response(500, {"data": {"ok": False}}, elapsed=0.3, path="/models/available")
    message = rules.endpoint("models", obs, expect).about("web").message
    for part in ("answered 500", "data.ok", "total_models", "X-Served-By", "application/javascript", "300ms"):
        assert part in message, (part, message)
    assert message.startswith("web: GET /models/available (models)")


def test_endpoint_json_expectation_on_non_json_body() -> None:
    expect = Expect.model_validate({"json_has": ["x"]})
    verdict = rules.endpoint("x", response(body=b"<html/>", content_type="text/html"), expect)
    assert not verdict.passed and "not JSON" in verdict.message


def test_auth_required_both_ways() -> None:
    assert rules.auth_required("GET /api/admin", 401, 200, [401, 403]).passed
    assert rules.auth_required("GET /api/admin", 403, None, [401, 403]).passed
    open_door = rules.auth_required("GET /api/admin", 200, 200, [401, 403]).about("web")
    assert not open_door.passed and "answered 200 without credentials" in open_door.message
    assert "expected: 401/403" in open_door.message
    rejected = rules.auth_required("GET /api/admin", 401, 401, [401, 403])
    assert not rejected.passed and "with the credentials" in rejected.message


def test_percentile_matches_numpy_linear() -> None:
    samples = [0.1, 0.2, 0.3, 0.4, 0.5]
    assert rules.percentile(samples, 50) == pytest.approx(0.3)
    assert rules.percentile(samples, 95) == pytest.approx(0.48)
    assert rules.percentile([0.2], 99) == 0.2


def test_latency_fails_with_measured_percentiles() -> None:
    samples = [0.01] * 18 + [0.9, 1.2]
    verdict = rules.latency("latency of /api/health", samples, {"p50": None, "p95": 0.5, "p99": None}).about(
        "web"
    )
    assert not verdict.passed
    assert (
        "p95 over budget" in verdict.message
        and "p50 10ms" in verdict.message
        and "p95 ≤ 500ms" in verdict.message
    )
    assert rules.latency("x", [0.01] * 20, {"p95": 0.5, "p50": 0.02}).passed
    assert not rules.latency("x", [0.01] * 20, {"p95": 0.5, "p50": 0.005}).passed


def test_latency_errors_fail_even_when_fast() -> None:
    verdict = rules.latency("x", [0.01] * 5, {"p95": 0.5}, errors=["/api/health 503"])
    assert not verdict.passed and "503" in verdict.message


def test_version_from_header_and_json() -> None:
    obs = response(
        body={"status": "ok", "build": {"version": "v1.4.2"}}, headers=(("X-App-Version", "1.4.1"),)
    )
    assert rules.read_version(obs, "json:build.version") == "v1.4.2"
    assert rules.read_version(obs, "header:x-app-version") == "1.4.1"
    assert rules.version("v1.4.2", "1.4.2", "json:build.version", "/api/health").passed
    stale = rules.version("1.4.1", "1.4.2", "header:X-App-Version", "/api/health").about("web")
    assert not stale.passed and "1.4.1" in stale.message and "1.4.2" in stale.message
    assert not rules.version(None, "1.4.2", "json:version", "/api/health").passed


def test_settings_accept_the_documented_shapes_and_refuse_bad_ones() -> None:
    smoke = SmokeSettings.model_validate(
        {
            "endpoints": [
                {
                    "name": "hook",
                    "method": "post",
                    "path": "/hook",
                    "headers": {"Authorization": "Bearer x"},
                    "json": {"event": "ping"},
                    "expect": {"status": 202, "json": {"received": True}},
                }
            ],
            "protected": [{"path": "/api/admin", "headers": {"Authorization": "Bearer x"}}],
            "version_source": "header:X-App-Version",
            "wait_ready": "60s",
        }
    )
    assert smoke.endpoints[0].method == "POST" and smoke.endpoints[0].json_body == {"event": "ping"}
    assert smoke.protected[0].label == "api-admin" and smoke.wait_ready == 60
    with pytest.raises(ValueError, match=r"json:"):
        SmokeSettings.model_validate({"version_source": "cookie:v"})
    with pytest.raises(ValueError, match="duplicate"):
        SmokeSettings.model_validate({"endpoints": [{"name": "a", "path": "/"}, {"name": "a", "path": "/x"}]})
    with pytest.raises(ValueError, match="HTTP method"):
        SmokeSettings.model_validate({"endpoints": [{"name": "a", "path": "/", "method": "FETCH"}]})


def test_endpoint_content_type_matches_a_part_and_names_both_sides() -> None:
    js = response(body=b"x", content_type="application/javascript; charset=utf-8")
    assert rules.endpoint("embed", js, Expect.model_validate({"content_type": "javascript"})).passed
    verdict = rules.endpoint("embed", js, Expect.model_validate({"content_type": "text/css"}))
    assert not verdict.passed
    assert "application/javascript, expected one containing 'text/css'" in verdict.message
