"""headers.* / http.* on golive's demo target (an ASGI app over real TLS): the sound demo passes
every check, and the demo flaws nginx cannot express as simply (a second CSP keyword, one cookie
attribute at a time, an http:// Location, a 500 page with a traceback, a soft-404 site) each fail
exactly their own check. ONE golive run covers the sound demo and every flawed demo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.harness import GoliveRun, run_golive

pytestmark = pytest.mark.xdist_group("headers_demo_selftest")  # its module fixtures start once, on one worker

IDS = (
    "headers.hsts",
    "headers.csp",
    "headers.content_type_options",
    "headers.frame_options",
    "headers.referrer_policy",
    "headers.permissions_policy",
    "headers.server_disclosure",
    "headers.cors",
    "headers.cookies",
    "headers.grade",
    "http.https_redirect",
    "http.exposure",
)

DEMO_FAILS: dict[str, dict[str, list[str]]] = {
    "hsts_no_subdomains": {"headers.hsts": ["lacks includeSubDomains", "max-age=63072000"]},
    "csp_unsafe_eval": {"headers.csp": ["script-src allows 'unsafe-eval'"]},
    "cookie_no_httponly": {"headers.cookies": ["cookie session", "lacks HttpOnly"]},
    "cookie_no_samesite": {"headers.cookies": ["cookie session", "lacks SameSite"]},
    "redirect_http_location": {"http.https_redirect": ["redirects to plain http"]},
    "exposure_stacktrace": {"http.exposure": ["Python traceback"]},
    "server_version": {"headers.server_disclosure": ["Server: nginx/1.22.1", "X-Powered-By: Express"]},
    "cors_reflect_origin": {"headers.cors": ["reflected", "with credentials"]},
}
NOT_DEFECTS = ("soft_404",)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, demo_target: Callable[..., Any]) -> GoliveRun:
    from golive.demo.flaws import ALLOWED_ORIGIN

    root = tmp_path_factory.mktemp("headers-demo")
    targets = [demo_target().target_dict("web")]
    targets += [demo_target(flaw).target_dict(flaw.replace("_", "-")) for flaw in (*DEMO_FAILS, *NOT_DEFECTS)]
    profile = {
        "name": "headers-demo",
        "environment": "staging",
        "timeout": "5s",
        "targets": targets,
        "checks": {
            "headers": {"permissions_policy_required": True, "cors_allowed_origins": [ALLOWED_ORIGIN]}
        },
    }
    return run_golive(profile, "-m", "headers or http", tmp_path=root)


def test_sound_demo_passes_every_header_and_http_check(run: GoliveRun) -> None:
    for check_id in IDS:
        assert run.status(check_id, "web") == "passed", (check_id, run.message(check_id, "web"))
    assert run.result("headers.grade", "web")["metrics"]["grade"] == "A+"


@pytest.mark.parametrize("flaw", sorted(DEMO_FAILS))
def test_demo_flaw_fails_its_own_check_only(run: GoliveRun, flaw: str) -> None:
    subject = flaw.replace("_", "-")
    for check_id in IDS:
        if check_id == "headers.grade":
            continue
        status = run.status(check_id, subject)
        if check_id in DEMO_FAILS[flaw]:
            assert status == "failed", (check_id, subject)
            message = run.message(check_id, subject)
            assert message.startswith(f"{subject}: ") and "expected:" in message, message
            for word in DEMO_FAILS[flaw][check_id]:
                assert word in message, (word, message)
        else:
            assert status == "passed", (check_id, subject, run.message(check_id, subject))


def test_soft_404_demo_passes_exposure(run: GoliveRun) -> None:
    for check_id in IDS:
        assert run.status(check_id, "soft-404") == "passed", (check_id, run.message(check_id, "soft-404"))
