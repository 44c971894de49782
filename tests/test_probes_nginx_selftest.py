"""The behaviour probes proven both ways against a real nginx (limit_req, gzip, caching headers,
source maps, error pages, WebSocket proxying to a real ``websockets`` echo upstream).

ONE golive run serves every assertion: the sound variant as ``web`` and one target per flawed
variant, each with exactly one defect and named after it. Each flawed target fails its own check
with a message naming the target, the path, what was observed and what was expected, and passes the
other probes (a defect is caught by its own check, not by accident).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import GoliveRun, run_golive
from tests.servers.base import free_port
from tests.servers.nginx import require_nginx
from tests.servers.nginx_probes import CSS, JS, VARIANTS, probes_lab

pytestmark = pytest.mark.xdist_group("probes_nginx_selftest")  # its module fixtures start once, on one worker

IDS = ("smoke.rate_limit", "smoke.websocket", "http.compression", "http.static_caching", "http.source_maps",
       "http.error_pages")
FLAW_FAILS: dict[str, dict[str, list[str]]] = {
    "gzip_off": {"http.compression": [f"{JS} (application/javascript", "is sent uncompressed", "/ (text/html",
                                      "expected: Content-Encoding gzip or br"]},
    "cache_wrong": {"http.static_caching": [f"asset {JS} max-age 60 below 31536000s", f"asset {CSS}",
                                            "page / may be stored by shared caches (public, max-age=3600",
                                            "expected: hashed assets: max-age>=31536000, immutable"]},
    "maps_served": {"http.source_maps": [f"{JS}.map (200) serves the source map of {JS}",
                                         "expected: no SourceMap header"]},
    "errors_verbose": {"http.error_pages": ["error pages leak a software version (nginx/1.", "not_found 404",
                                            "long_uri 414", "bad_host 400", "oversized 413", "method 405",
                                            "bad_encoding 400", "Server: nginx/", "(404 probe: GET /golive-",
                                            "expected: generic 4xx pages"]},
    "rate_none": {"smoke.rate_limit": ["GET /login: 60 requests in", "drew no 429", "statuses 200×60",
                                       "expected: 429 within 60 requests"]},
    "rate_no_headers": {"smoke.rate_limit": ["GET /login: answered 429 after", "without Retry-After or RateLimit",
                                            "expected: 429 within 60 requests with Retry-After"]},
    "ws_no_upgrade": {"smoke.websocket": ["WebSocket wss://www.golive.test:", "/ws: the upgrade was answered 505",
                                          "expected: 101 Switching Protocols"]},
    "ws_idle_cut": {"smoke.websocket": ["did not survive 1s idle", "observed: 101", "idle 1s cut"]},
}
assert set(FLAW_FAILS) == set(VARIANTS) - {"sound"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GoliveRun:
    require_nginx()
    root = tmp_path_factory.mktemp("probes")
    with probes_lab(root / "lab") as lab:
        targets = [lab.target("web", "sound")]
        targets += [lab.target(v.replace("_", "-"), v) for v in FLAW_FAILS]
        targets.append({"name": "gone", "url": f"https://127.0.0.1:{free_port()}"})
        profile = {
            "name": "probes-selftest",
            "environment": "staging",
            "timeout": "3s",
            "targets": targets,
            "checks": {
                "smoke": {"rate_limit": {"path": "/login", "max_requests": 60, "max_recovery_wait": "5s"},
                          "websocket": {"path": "/ws", "idle": "1s", "latency": "500ms"}},
                "http": {"compression_min_size": 512},
            },
        }
        return run_golive(profile, "-m", "smoke or http", "-k", "rate_limit or websocket or compression or caching "
                          "or source_maps or error_pages", tmp_path=root / "run")


def test_sound_nginx_passes_every_probe(run: GoliveRun) -> None:
    for check_id in IDS:
        assert run.status(check_id, "web") == "passed", (check_id, run.message(check_id, "web"), run.output[-3000:])
    assert "limited with 429 after" in run.message("smoke.rate_limit", "web")
    assert "recovered (200)" in run.message("smoke.rate_limit", "web")
    assert "survived 1s idle" in run.message("smoke.websocket", "web")
    assert "2 hashed asset(s)" in run.message("http.static_caching", "web")


@pytest.mark.parametrize("variant", sorted(FLAW_FAILS))
def test_flawed_nginx_fails_its_probe_naming_path_observed_expected(run: GoliveRun, variant: str) -> None:
    subject = variant.replace("_", "-")
    for check_id, words in FLAW_FAILS[variant].items():
        assert run.status(check_id, subject) == "failed", (check_id, run.output[-3000:])
        message = run.message(check_id, subject)
        assert message.startswith(f"{subject}: "), message
        for word in words:
            assert word in message, (word, message)
    for check_id in IDS:
        if check_id not in FLAW_FAILS[variant]:
            assert run.status(check_id, subject) == "passed", (check_id, run.message(check_id, subject))


def test_burst_is_bounded_and_recorded_as_evidence(run: GoliveRun) -> None:
    result: dict[str, Any] = run.result("smoke.rate_limit", "rate-none")
    assert result["metrics"]["requests"] == 60
    limited = run.result("smoke.rate_limit", "web")["metrics"]
    assert limited["limited_at"] <= 10 and limited["requests"] <= 10
    attachments = [p.read_text(errors="replace") for p in (run.report_dir / "allure-results").glob("*-attachment*")]
    assert any('"limited_at"' in a and '"retry-after"' in a.lower() for a in attachments)
    assert any('"probe": "bad_host"' in a for a in attachments)


def test_unreachable_target_is_an_error_that_says_so(run: GoliveRun) -> None:
    for check_id in IDS:
        assert run.status(check_id, "gone") in ("failed", "error"), check_id
        assert "refused" in run.message(check_id, "gone") or "unreachable" in run.message(check_id, "gone"), (
            check_id, run.message(check_id, "gone"))
