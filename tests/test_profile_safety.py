"""Profile loading that keeps the gate safe (issue 15 items 5, 10-13; issue 13 "golive profile schema").

- environment names are normalised before any guard decision: ``"production "``, ``PROD``,
  ``prd``, ``live``, a ``${VAR}`` ending in a newline all turn the production guard on — proven by
  a real gate run that refuses to send load;
- an endpoint path that is an absolute URL never sends the target's Bearer token elsewhere: the
  profile is refused (exit 4) and a listener on that other port receives nothing;
- the profile's JSON Schema is a valid schema that the shipped profiles satisfy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from golive.profile import PRODUCTION, ProfileError, is_production_name, normalize_environment
from golive.profile_load import load_profile
from tests.harness import REPO, run_golive
from tests.servers.base import free_port
from tests.servers.stub_http import start_stub


@pytest.mark.parametrize("spelling", ["production", "production ", " Production", "PRODUCTION", "prod", "Prod",
                                      "prd", "live", "production\n", "prod-eu", "eu_live", "Production\t\n"])
def test_production_spellings_are_production(spelling: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nenvironment: ${GOLIVE_ENV_UNDER_TEST}\n")
    profile = load_profile(path, env={"GOLIVE_ENV_UNDER_TEST": spelling})
    assert profile.is_production, spelling
    assert is_production_name(spelling)


@pytest.mark.parametrize(("spelling", "normal"), [("staging", "staging"), (" Stage ", "staging"),
                                                  ("pre-prod", "pre-prod"), ("non-prod", "non-prod"),
                                                  ("preprod", "preprod"), ("qa", "qa"), ("DEV", "development")])
def test_other_environments_are_not_production(spelling: str, normal: str) -> None:
    assert normalize_environment(spelling) == normal
    assert not is_production_name(spelling)


def test_canonical_production_name_is_recorded() -> None:
    assert normalize_environment(" PRD\n") == PRODUCTION


def test_a_lookalike_letter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nenvironment: pr\u043eduction\n", encoding="utf-8")  # Cyrillic o
    with pytest.raises(ProfileError, match="environment: expected an environment name of ASCII"):
        load_profile(path, env={})


@pytest.mark.parametrize(("written", "env"), [("production ", {}), ("${GOLIVE_ENV}", {"GOLIVE_ENV": "production\n"}),
                                              ("PROD", {})])
def test_the_load_guard_sees_every_spelling(tmp_path: Path, written: str, env: dict[str, str]) -> None:
    """A real gate run: the load check refuses, and no load is sent."""
    port = free_port()
    data = {"name": "guard", "environment": written, "timeout": "2s",
            "targets": [{"name": "web", "url": f"http://127.0.0.1:{port}"}],
            "checks": {"load": {"users": 2, "spawn_rate": 10, "duration": "2s", "thresholds": ["p95 < 500ms"]}}}
    run = run_golive(data, "-m", "load", tmp_path=tmp_path, env=env)
    assert run.status("load.thresholds", "web") == "skipped", run.output[-3000:]
    assert "refusing to load a production environment" in run.message("load.thresholds", "web")
    assert run.signoff["environment"] == PRODUCTION
    assert not (run.report_dir / "load" / "web").exists(), "no load may be sent"


def test_an_absolute_url_as_endpoint_path_never_sends_the_token(tmp_path: Path) -> None:
    """Issue 15 item 10: before, the Bearer token went in plain HTTP to this other port."""
    seen: list[str] = []

    def record(path: str) -> tuple[int, str, bytes]:
        seen.append(path)
        return 200, "application/json", b'{"ok": true}'

    elsewhere = start_stub(record)
    try:
        data: dict[str, Any] = {
            "name": "leak", "timeout": "2s",
            "targets": [{"name": "web", "url": f"http://127.0.0.1:{free_port()}"}],
            "checks": {"smoke": {"endpoints": [{"name": "items", "path": f"{elsewhere.url}/api/items",
                                                "headers": {"Authorization": "Bearer ${GOLIVE_TOKEN}"}}]}}}
        run = run_golive(data, "-m", "smoke", tmp_path=tmp_path, env={"GOLIVE_TOKEN": "tok-123456789-secret"})
    finally:
        elsewhere.stop()
    assert run.returncode == 4, run.output[-3000:]
    assert "checks.smoke.endpoints[0].path: expected a path on the target" in run.output
    assert "tok-123456789-secret" not in run.output
    assert seen == [], "a request reached the other server"
    assert not (run.report_dir / "signoff.json").exists()


def test_profile_schema_is_valid_and_the_shipped_profiles_satisfy_it(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from golive.profile_yaml import read_document

    done = subprocess.run([sys.executable, "-m", "golive.cli", "profile", "schema"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    shipped = sorted((REPO / "profiles").glob("*.yaml"))
    assert shipped
    for path in shipped:
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(read_document(path).data)]
        assert errors == [], (path, errors)
    wrong = {"name": "x", "timeout": 10, "targts": [], "checks": {"tls": {"policy_file": 5}}}
    found = {e.json_path for e in validator.iter_errors(wrong)}
    assert {"$.timeout", "$", "$.checks.tls.policy_file"} <= found, found
    assert schema["properties"]["timeout"]["type"] == "string"  # durations are written with a unit
    # attribute docstrings are the fields' hover documentation
    compare_to = schema["$defs"]["Target"]["properties"]["compare_to"]
    assert compare_to["description"].startswith("Blue-green: the live target this candidate must match"), compare_to


def test_profile_schema_to_a_file_names_the_modeline(tmp_path: Path) -> None:
    out = tmp_path / "golive-profile.schema.json"
    done = subprocess.run([sys.executable, "-m", "golive.cli", "profile", "schema", "-o", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["title"] == "golive profile"
    assert f"# yaml-language-server: $schema={out}" in done.stdout


def test_expired_attestations_get_a_validation_note(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nattestations: [{check: signoff.team_notified, by: j@example.com, at: 2020-01-01, "
                    "expires: 2020-06-30}]\nwaivers: [{check: headers.hsts, reason: old one, expires: 2020-01-01}]\n")
    done = subprocess.run([sys.executable, "-m", "golive.cli", "profile", "validate", str(path)], capture_output=True,
                          text=True, timeout=60, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "note: expired waivers (they no longer waive): headers.hsts" in done.stdout
    assert "note: expired attestations (they no longer attest): signoff.team_notified" in done.stdout
