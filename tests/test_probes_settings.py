"""The profile keys of the behaviour probes (issue 17): defaults, and bad values stop the run with the
file and the key path (exit 4), before any request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.profile import Profile, ProfileError
from golive.profile_load import load_profile
from tests.harness import run_golive


def load(tmp_path: Path, extra: dict[str, Any]) -> Profile:
    data = {"name": "probes", "targets": [{"name": "web", "url": "https://127.0.0.1:1"}], **extra}
    path = tmp_path / "probes.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_profile(path, env={})


def test_defaults_are_documented_values(tmp_path: Path) -> None:
    checks = load(tmp_path, {}).checks
    assert checks.smoke.rate_limit.path is None and checks.smoke.rate_limit.max_requests == 150
    assert checks.smoke.rate_limit.limited_status == [429]
    assert checks.smoke.websocket.path is None and checks.smoke.websocket.idle == 0
    assert checks.smoke.input_validation == [] and checks.smoke.auth_probes == []
    assert checks.http.pages == ["/"] and checks.http.static_min_age == 31536000
    assert checks.headers.cookie_max_age == 7 * 86400 and checks.headers.admin_cookie_max_age == 3600


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"smoke": {"rate_limit": {"path": "/login", "max_requests": 100000}}}, "checks.smoke.rate_limit.max_requests",
     "less than or equal to 1000"),
    ({"smoke": {"rate_limit": {"path": "login"}}}, "checks.smoke.rate_limit.path", "match pattern"),
    ({"smoke": {"rate_limit": {"path": "/login", "method": "POST"}}}, "checks.smoke.rate_limit",
     "name the body it sends"),
    ({"smoke": {"rate_limit": {"path": "/login", "limited_status": [200]}}},
     "checks.smoke.rate_limit.limited_status", "4xx/5xx"),
    ({"smoke": {"rate_limit": {"path": "/login", "max_recovery_wait": "2h"}}},
     "checks.smoke.rate_limit.max_recovery_wait", "less than or equal to 900"),
    ({"smoke": {"input_validation": [{"path": "/api/chat", "json": {"message": "hi"}}]}},
     "checks.smoke.input_validation[0].method", "required"),
    ({"smoke": {"input_validation": [{"path": "/api/chat", "method": "GET", "json": {"a": 1}}]}},
     "checks.smoke.input_validation[0].method", "takes a body"),
    ({"smoke": {"input_validation": [{"path": "/api/chat", "method": "POST", "json": {"a": 1},
                                      "required": ["b"]}]}},
     "checks.smoke.input_validation[0]", "not in json: b"),
    ({"smoke": {"input_validation": [{"path": "/api/chat", "method": "POST", "json": {"a": 1},
                                      "cases": ["sql_injection"]}]}},
     "checks.smoke.input_validation[0].cases[0]", "malformed_json"),
    ({"smoke": {"auth_probes": [{"path": "/api/me", "algorithm": "HS1"}]}}, "checks.smoke.auth_probes[0].algorithm",
     "HS256"),
    ({"smoke": {"auth_probes": [{"path": "/api/me", "algorithm": "RS256", "key": "s3cret-value"}]}},
     "checks.smoke.auth_probes[0]", "needs key_file"),
    ({"smoke": {"auth_probes": [{"path": "/api/me", "probes": ["guess"]}]}},
     "checks.smoke.auth_probes[0].probes[0]", "alg_none"),
    ({"smoke": {"websocket": {"path": "/ws", "idle": "1h"}}}, "checks.smoke.websocket.idle",
     "less than or equal to 300"),
    ({"smoke": {"websocket": {"path": "/ws", "latency": 2}}}, "checks.smoke.websocket.latency", "duration"),
    ({"http": {"error_probes": ["teapot"]}}, "checks.http.error_probes[0]", "not_found"),
    ({"http": {"static_min_age": "forever"}}, "checks.http.static_min_age", "duration"),
    ({"http": {"pages": []}}, "checks.http.pages", "at least 1"),
]


@pytest.mark.parametrize(("checks", "key", "words"), BAD, ids=[b[1] for b in BAD])
def test_bad_values_name_the_key_path(tmp_path: Path, checks: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load(tmp_path, {"checks": checks})
    assert caught.value.key == key, caught.value
    assert words in caught.value.problem, caught.value.problem
    assert "s3cret-value" not in str(caught.value)


def test_compare_to_names_another_target(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load(tmp_path, {"targets": [{"name": "green", "url": "https://127.0.0.1:1", "compare_to": "blue"}]})
    assert caught.value.key == "targets[0].compare_to" and "not another target" in caught.value.problem


def test_bad_probe_key_exits_4_before_any_request(tmp_path: Path) -> None:
    profile = {"name": "bad", "targets": [{"name": "web", "url": "https://127.0.0.1:1"}],
               "checks": {"smoke": {"rate_limit": {"path": "/login", "max_requests": 0}}}}
    run = run_golive(profile, "-m", "smoke", tmp_path=tmp_path)
    assert run.returncode == 4, run.output[-2000:]
    assert "checks.smoke.rate_limit.max_requests" in run.output and "bad.yaml" in run.output
