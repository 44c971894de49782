"""Profiles: loading, extends, interpolation, paths, durations, and clear errors for bad input."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.durations import format_duration, parse_duration
from golive.profile import ProfileError, deep_merge
from golive.profile_load import load_profile

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """\
name: staging
environment: staging
targets:
  - name: web
    url: https://app.example.test
    http_url: http://app.example.test
    resolve: 127.0.0.1
    ca_bundle: certs/ca.pem
    roles: [web]
hosts:
  - {name: app1, connection: "local://"}
databases:
  - name: main
    dsn: ${MAIN_DB_DSN}
    backup: {location: /var/backups/db, max_age: 24h, rto: 15m}
checks:
  tls: {min_days_remaining: 21}
  smoke: {latency: {samples: 5, p95: 800ms}}
waivers:
  - {check: "headers.csp[web]", reason: "legacy widget, OPS-123", expires: 2099-12-31}
attestations:
  - {check: signoff.team_notified, by: jane@example.com, at: 2026-11-20}
"""


def _ca(path: Path) -> Path:
    """A real PEM certificate at ``path`` (a ca_bundle must hold one)."""
    from tests import pki

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pki.pem(pki._ca("golive profile test CA", pki._ec(), None).cert))
    return path


def test_good_profile_loads_with_paths_durations_and_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, "staging.yaml", GOOD)
    _ca(tmp_path / "certs" / "ca.pem")
    profile = load_profile(path, env={"MAIN_DB_DSN": "postgresql://app:s3cret-pw@127.0.0.1/main"})
    assert profile.targets[0].ca_bundle == (tmp_path / "certs" / "ca.pem").resolve()
    assert profile.targets[0].hostname == "app.example.test"
    assert profile.databases[0].backup.max_age == 86400
    assert profile.databases[0].backup.rto == 900
    assert profile.checks.smoke.latency.p95 == pytest.approx(0.8)
    assert profile.checks.tls.min_days_remaining == 21
    assert profile.checks.headers.hsts_min_age == 31536000  # default
    assert "postgresql://app:s3cret-pw@127.0.0.1/main" in profile.secret_values
    assert profile.waivers[0].subject == "web"


def test_extends_deep_merges_and_paths_stay_relative_to_their_file(tmp_path: Path) -> None:
    _ca(tmp_path / "base" / "ca.pem")
    write(tmp_path / "base", "base.yaml", """\
name: base
targets: [{name: web, url: "https://a.test", ca_bundle: ca.pem}]
checks: {tls: {min_days_remaining: 40, require_tls13: true}}
""")
    child = write(tmp_path, "prod.yaml", """\
extends: base/base.yaml
name: prod
environment: production
checks: {tls: {min_days_remaining: 14}}
""")
    profile = load_profile(child, env={})
    assert profile.name == "prod" and profile.is_production
    assert profile.checks.tls.min_days_remaining == 14
    assert profile.checks.tls.require_tls13 is True
    assert profile.targets[0].ca_bundle == (tmp_path / "base" / "ca.pem").resolve()


def test_extends_by_name_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "name: base\ntimeout: 3s\n")
    child = write(tmp_path, "child.yaml", "extends: base\nname: child\n")
    assert load_profile(child, env={}).timeout == 3


def test_default_interpolation_and_dump_masks_secrets(tmp_path: Path) -> None:
    from golive.profile import dump_profile

    path = write(tmp_path, "p.yaml", """\
name: p
targets: [{name: web, url: "https://${HOST:-a.test}:${PORT:-8443}"}]
databases: [{name: db, dsn: "postgresql://u:${DB_PW}@127.0.0.1/db"}]
""")
    profile = load_profile(path, env={"DB_PW": "hunter2hunter2"})
    assert profile.targets[0].url == "https://a.test:8443"
    shown = yaml.safe_dump(dump_profile(profile))
    assert "hunter2hunter2" not in shown
    assert "postgresql://u:***@127.0.0.1/db" in shown


def test_deep_merge_replaces_lists_and_merges_maps() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}}, {"a": {"c": [2]}}) == {"a": {"b": 1, "c": [2]}}


@pytest.mark.parametrize(("text", "unit"), [("800ms", 0.8), ("15s", 15), ("15m", 900), ("24h", 86400),
                                            ("30d", 2592000), ("1.5s", 1.5)])
def test_durations(text: str, unit: float) -> None:
    assert parse_duration(text) == pytest.approx(unit)


@pytest.mark.parametrize("bad", ["15", "15 sec", "", "-1s", "1y", "s"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_format_duration_round_trips_readably() -> None:
    assert format_duration(0.25) == "250ms"
    assert format_duration(15) == "15s"
    assert format_duration(900) == "15m"


# --------------------------------------------------------------------------- malformed profiles

MALFORMED: list[tuple[str, str, str, str]] = [
    # (case, yaml text, expected key in message, expected words)
    ("yaml-syntax", "name: x\ntargets: [\n", "", "yaml-syntax.yaml:3:1: invalid YAML"),
    ("not-a-mapping", "- a\n- b\n", "", "expected a mapping"),
    ("empty-file", "", "", "the file is empty"),
    ("wrong-type", "name: x\ntimeout: [1]\n", "timeout", "duration"),
    ("unknown-key-hint", "name: x\ntargts: []\n", "targts", "did you mean 'targets'"),
    ("nested-unknown-key", "name: x\nchecks: {headers: {hsts_min_agee: 5}}\n", "checks.headers.hsts_min_agee",
     "did you mean 'hsts_min_age'"),
    ("missing-required", "environment: staging\n", "name", "required key is missing"),
    ("missing-url", "name: x\ntargets: [{name: web}]\n", "targets[0].url", "required key is missing"),
    ("missing-env-var", "name: x\ndatabases: [{name: d, dsn: '${GOLIVE_TEST_UNSET_VAR}'}]\n", "databases[0].dsn",
     "GOLIVE_TEST_UNSET_VAR is not set"),
    ("invalid-url", "name: x\ntargets: [{name: web, url: 'ftp//nope'}]\n", "targets[0].url", "absolute http"),
    ("duplicate-names", "name: x\ntargets: [{name: web, url: 'https://a.test'}, {name: web, url: 'https://b.test'}]\n",
     "targets[1].name", "duplicate name 'web'"),
    ("bad-duration", "name: x\nchecks: {load: {duration: 15}}\n", "checks.load.duration", "bare number"),
    ("bad-resolve", "name: x\ntargets: [{name: web, url: 'https://a.test', resolve: 'not-an-ip'}]\n",
     "targets[0].resolve", "IP address"),
    ("waiver-unknown-id", "name: x\nwaivers: [{check: headers.hstss, reason: because, expires: 2099-01-01}]\n",
     "waivers[0].check", "unknown checklist id 'headers.hstss'"),
    ("waiver-bad-date", "name: x\nwaivers: [{check: headers.hsts, reason: because, expires: someday}]\n",
     "waivers[0].expires", "date"),
    ("bad-connection", "name: x\nhosts: [{name: h, connection: 'just-a-host'}]\n", "hosts[0].connection",
     "testinfra connection"),
    ("bad-name", "name: 'has spaces'\n", "name", "pattern"),
    ("backup-host-unknown", "name: x\ndatabases: [{name: d, backup: {location: /b, host: nohost}}]\n",
     "databases[0].backup.host", "not a host"),
]


@pytest.mark.parametrize(("case", "text", "key", "words"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_profiles_name_file_and_key(tmp_path: Path, case: str, text: str, key: str, words: str) -> None:
    path = write(tmp_path, f"{case}.yaml", text)
    with pytest.raises(ProfileError) as error:
        load_profile(path, env={})
    message = str(error.value)
    assert str(path) in message
    assert key in message
    assert words in message, message


def test_extends_cycle_is_named(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ProfileError, match="cycle in extends"):
        load_profile(tmp_path / "a.yaml", env={})


def test_extends_to_missing_file_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "extends: nowhere.yaml\nname: a\n")
    with pytest.raises(ProfileError, match=r"extends: extended profile 'nowhere.yaml' not found"):
        load_profile(path, env={})


def test_unknown_profile_name(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        load_profile("nope", [tmp_path])


def test_expired_waiver_loads_but_is_expired(tmp_path: Path) -> None:
    text = "name: p\nwaivers: [{check: headers.hsts, reason: old one, expires: 2020-01-01}]\n"
    path = write(tmp_path, "p.yaml", text)
    profile = load_profile(path, env={})
    assert profile.waivers[0].expired()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats(allow_nan=False),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(["name", "targets", "hosts", "url", "checks", "tls", "extends",
                                                       "waivers", "timeout", "databases", "dsn", "x"]),
                                      children, max_size=5), max_leaves=20))
def test_fuzzed_profiles_give_a_profile_or_a_profile_error(tmp_path: Path, data: object) -> None:
    """Whatever the YAML holds, the loader answers with a Profile or a ProfileError, never a crash."""
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data))
    try:
        load_profile(path, env={})
    except ProfileError as exc:
        assert str(path) in str(exc)


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_raw_text_never_crashes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "raw.yaml"
    path.write_text(text)
    with contextlib.suppress(ProfileError):
        load_profile(path, env={})


@pytest.mark.parametrize("case", ["yaml-syntax", "unknown-key-hint", "missing-env-var"])
def test_pytest_exits_4_before_collection_without_traceback(tmp_path: Path, case: str) -> None:
    text = next(m[1] for m in MALFORMED if m[0] == case)
    path = write(tmp_path, "bad.yaml", text)
    done = subprocess.run([sys.executable, "-m", "pytest", str(REPO / "checks"), "-p", "no:locust",
                           "--rootdir", str(REPO), "--profile", str(path), "--report-dir", str(tmp_path / "r")],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 4, output
    assert str(path) in output
    assert "Traceback" not in output
    assert not (tmp_path / "r" / "signoff.json").exists()


def test_cli_profile_validate_and_show(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", "name: g\ndatabases: [{name: d, dsn: 'postgresql://u:${PW}@h/d'}]\n")
    env = {"PW": "very-secret-pw", "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "golive.cli", "profile", "validate", str(good)],
                        capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "valid profile 'g'" in ok.stdout
    shown = subprocess.run([sys.executable, "-m", "golive.cli", "profile", "show", str(good)],
                           capture_output=True, text=True, env=env, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "very-secret-pw" not in shown.stdout and "***" in shown.stdout
    bad = write(tmp_path, "bad.yaml", "name: b\ntargts: []\n")
    failed = subprocess.run([sys.executable, "-m", "golive.cli", "profile", "validate", str(bad)],
                            capture_output=True, text=True, check=False)
    assert failed.returncode == 4
    assert "targts" in failed.stderr and "did you mean 'targets'" in failed.stderr


def test_shipped_profiles_validate_without_any_environment() -> None:
    """profiles/*.yaml load as is: every ${VAR} they use has a default (golive demo sets the real values)."""
    repo = Path(__file__).resolve().parent.parent
    shipped = sorted((repo / "profiles").glob("*.yaml"))
    assert shipped
    for path in shipped:
        profile = load_profile(path, env={})
        assert profile.name == path.stem


def _models(value: object) -> list:
    from golive.settings.base import StrictModel

    found = []
    if isinstance(value, StrictModel):
        found.append(value)
        for name in type(value).model_fields:
            found += _models(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for element in value:
            found += _models(element)
    elif isinstance(value, dict):
        for element in value.values():
            found += _models(element)
    return found


@pytest.mark.parametrize("name", ["example", "demo"])
def test_every_profile_model_has_pydantics_repr(name: str) -> None:
    """golive's faster repr (``StrictModel.__repr__``) is pydantic's, field for field: the subject's
    repr goes into each check's Allure history id, which must not change with it."""
    from pydantic import BaseModel

    from tests.harness import REPO

    profile = load_profile(REPO / "profiles" / f"{name}.yaml", env={"DEMO_DB_DSN": "postgresql://a:b@h/d"})
    models = _models(profile)
    assert len({type(model) for model in models}) >= 8
    for model in models:
        assert repr(model) == BaseModel.__repr__(model)
