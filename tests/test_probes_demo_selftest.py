"""The behaviour probes proven both ways against the embedded demo target (a real hypercorn service).

Two golive runs: the sound demo as ``web`` with every probe configured, and one run whose profile
holds one flawed demo per new flaw (named after it). The demo's behaviours are data (golive.demo.flaws):
a validating and a raising /api/chat, a JWT-protected /api/account (PyJWT), a WebSocket echo, a rate
limited /login, gzip, cache headers, source maps, verbose error pages. A third run proves the
production guard: the burst is refused before any request, naming both switches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from golive.demo import app as demo_app
from tests.harness import GoliveRun, run_golive

pytestmark = pytest.mark.xdist_group("probes_demo_selftest")  # its module fixtures start once, on one worker

IDS = ("smoke.input_validation", "smoke.auth_probes", "smoke.websocket", "smoke.rate_limit", "http.compression",
       "http.static_caching", "http.source_maps", "http.error_pages", "headers.cookies", "headers.cors",
       "headers.xss_protection")
FLAW_FAILS: dict[str, dict[str, list[str]]] = {
    "input_raises": {"smoke.input_validation": ["POST /api/chat: malformed JSON: server error 500",
                                                "the valid body as text/plain: accepted (200)",
                                                "the body without 'message': server error 500",
                                                "expected: 4xx (400/413/415/422)"]},
    "jwt_alg_none": {"smoke.auth_probes": ["GET /api/account: an alg:none JWT was accepted (200)",
                                           "expected: 401/403 for every forged credential"]},
    "jwt_expired_accepted": {"smoke.auth_probes": ["an expired JWT signed with the real key was accepted (200)"]},
    "websocket_refused": {"smoke.websocket": ["/ws: the upgrade was answered 403", "expected: 101 Switching"]},
    "rate_limit_missing": {"smoke.rate_limit": ["GET /login: 30 requests in", "drew no 429", "statuses 200×30"]},
    "compression_off": {"http.compression": ["/static/app.3f9c2b1e.js (application/javascript",
                                             "is sent uncompressed"]},
    "assets_short_cache": {"http.static_caching": ["asset /static/app.3f9c2b1e.js max-age 60 below 31536000s"]},
    "html_public_cache": {"http.static_caching": ["page / may be stored by shared caches (public, max-age=3600"]},
    "source_maps_served": {"http.source_maps": ["/static/app.3f9c2b1e.js.map (200) serves the source map"]},
    "verbose_errors": {"http.error_pages": ["a software version (hypercorn/0.18.0)",
                                           "a server file path (/srv/demo/app/routes.py)", "not_found 404"]},
    "cookie_long_lived": {"headers.cookies": ["session cookie session (Set-Cookie on /) lives 365 days, above 7"]},
    "cors_broad_preflight": {"headers.cors": ["Access-Control-Allow-Methods grants *",
                                              "Access-Control-Max-Age 31536000s above 86400s"]},
}
SUBJECT = {flaw: flaw.replace("_", "-") for flaw in FLAW_FAILS} | {"jwt_alg_none": "unsigned-jwt",
                                                                  "jwt_expired_accepted": "stale-jwt"}
"""Subjects; the JWT ones avoid "...auth...: " and "jwt" words the redactor would mask."""


def settings(jwt_key: str) -> dict[str, Any]:
    return {
        "smoke": {
            "deep_health_path": None,
            "rate_limit": {"path": demo_app.LOGIN_PATH, "max_requests": 30, "max_recovery_wait": "5s"},
            "input_validation": [{"name": "chat", "path": "/api/chat", "method": "POST",
                                  "json": {"message": "probe"}, "required": ["message"]}],
            "auth_probes": [{"path": demo_app.ACCOUNT_PATH, "key": jwt_key}],
            # a generous round-trip budget: 13 demo servers share the machine (over budget: rule tests)
            "websocket": {"path": demo_app.WS_PATH, "latency": "2s", "idle": "500ms"},
            "protected": [{"path": demo_app.PROTECTED_PATH, "headers": {"Authorization": "Bearer ${DEMO_TOKEN}"}}],
        },
        "headers": {"cors_allowed_origins": ["https://app.demo.golive.test"]},
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, demo_target: Callable[..., Any]) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("probes-demo")
    sound = demo_target()
    env = {"DEMO_TOKEN": sound.token, "DEMO_JWT_KEY": sound.jwt_key}
    checks = settings("${DEMO_JWT_KEY}")
    args = ("-m", "smoke or http or headers", "-k", " or ".join(i.split(".")[1] for i in IDS))
    sound_run = run_golive({"name": "probes-sound", "environment": "staging", "timeout": "5s",
                            "targets": [sound.target_dict("web")], "checks": checks},
                           *args, tmp_path=root / "sound", env=env)
    targets = [demo_target(flaw).target_dict(SUBJECT[flaw]) for flaw in FLAW_FAILS]
    flawed_run = run_golive({"name": "probes-flawed", "environment": "staging", "timeout": "5s",
                             "targets": targets, "checks": checks}, *args, tmp_path=root / "flawed", env=env)
    legacy = demo_target("xss_protection_legacy")
    advisory_run = run_golive({"name": "probes-advisory", "environment": "staging", "timeout": "5s",
                               "targets": [legacy.target_dict("legacy")], "checks": checks},
                              "-m", "headers", tmp_path=root / "advisory", env=env)
    return {"sound": sound_run, "flawed": flawed_run, "advisory": advisory_run, "env": env}


def test_sound_demo_passes_every_probe(runs: dict[str, Any]) -> None:
    run: GoliveRun = runs["sound"]
    for check_id in IDS:
        assert run.status(check_id, "web") == "passed", (check_id, run.message(check_id, "web"), run.output[-3000:])
    assert "accepted the valid control" in run.message("smoke.auth_probes", "web")
    assert "refused 4 malformed request(s)" in run.message("smoke.input_validation", "web")


@pytest.mark.parametrize("flaw", sorted(FLAW_FAILS))
def test_flawed_demo_fails_its_probe(runs: dict[str, Any], flaw: str) -> None:
    run: GoliveRun = runs["flawed"]
    subject = SUBJECT[flaw]
    for check_id, words in FLAW_FAILS[flaw].items():
        assert run.status(check_id, subject) == "failed", (check_id, run.output[-3000:])
        message = run.message(check_id, subject)
        assert message.startswith(f"{subject}: "), message
        for word in words:
            assert word in message, (word, message)
    for check_id in IDS:
        if check_id not in FLAW_FAILS[flaw]:
            assert run.status(check_id, subject) == "passed", (check_id, run.message(check_id, subject))


def test_legacy_xss_header_is_an_advisory_finding_and_stays_go(runs: dict[str, Any]) -> None:
    run: GoliveRun = runs["advisory"]
    assert run.status("headers.xss_protection", "legacy") == "advisory"
    assert "1; mode=block is deprecated" in run.message("headers.xss_protection", "legacy")


def test_no_token_or_key_in_reports(runs: dict[str, Any]) -> None:
    for key in ("sound", "flawed"):
        run: GoliveRun = runs[key]
        text = run.report_text() + run.output
        for secret in runs["env"].values():
            assert secret not in text
        assert "eyJ" not in text  # no JWT (forged or real) recorded anywhere


def test_production_burst_refused_before_any_request(tmp_path, demo_target: Callable[..., Any]) -> None:
    demo = demo_target("errors_under_load")  # a server of its own: its /login counter starts at 0
    checks = {"smoke": {"rate_limit": {"path": demo_app.LOGIN_PATH, "max_requests": 30}}}
    run = run_golive({"name": "prod", "environment": "production", "timeout": "5s",
                      "targets": [demo.target_dict("web")], "checks": checks},
                     "-m", "smoke", "-k", "rate_limit", tmp_path=tmp_path)
    assert run.status("smoke.rate_limit", "web") == "skipped", run.output[-2000:]
    message = run.message("smoke.rate_limit", "web")
    for words in ("refusing the rate-limit burst to /login", "allow_load: true in the profile",
                  "--allow-load on the command line", "before any request"):
        assert words in message, (words, message)
    metrics = httpx.get(f"https://127.0.0.1:{demo.https_port}/metrics", verify=False, timeout=5).text
    assert 'path="/login"' not in metrics, "the refused burst sent requests"
    allowed = run_golive({"name": "prod", "environment": "production", "allow_load": True, "timeout": "5s",
                          "targets": [demo.target_dict("web")], "checks": checks},
                         "-m", "smoke", "-k", "rate_limit", "--allow-load", tmp_path=tmp_path / "allowed")
    assert allowed.status("smoke.rate_limit", "web") == "passed", allowed.message("smoke.rate_limit", "web")
