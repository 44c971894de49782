"""golive used the way teams use it: contract commands with paths anywhere, from any directory,
both option spellings; inert in other projects' pytest runs; ``golive run`` exit codes; ``init``.

Plugin behaviour (option parsing, inert mode, collection) runs in pytester, as pytest plugins are
tested: each run is a fresh pytest in a temporary directory without golive's ini, which is exactly
where the ``--host`` clash used to crash. Runs that go through golive's whole plugin use pytester's
subprocess mode (pytester's in-process mode re-imports modules between runs, which pydantic models
shared across runs do not survive); inert-mode runs stay in process. The CLI runs as subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.paths import checks_dir
from tests.harness import REPO, manual_attestations

pytest_plugins = ["pytester"]

BIN = Path(sys.executable).parent


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_profile(directory: Path, **extra: Any) -> Path:
    """A profile outside the repository whose one target refuses connections (a fast failure)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "staging.yaml"
    data = {"name": "staging", "timeout": "2s",
            "targets": [{"name": "web", "url": f"https://127.0.0.1:{closed_port()}"}], **extra}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def signoff(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "signoff.json").read_text())


def nodeids(doc: dict[str, Any]) -> list[str]:
    return [r["nodeid"] for item in doc["items"] for r in item["results"]]


# --------------------------------------------------------------------------- the plugin (pytester)


@pytest.mark.parametrize("spelling", ["separate", "equals"])
def test_profile_and_report_dir_outside_the_checkout(pytester: pytest.Pytester, tmp_path: Path,
                                                     spelling: str) -> None:
    """``pytest --profile /elsewhere/staging.yaml --report-dir /elsewhere/out``, no ini in sight:
    no ``--host`` clash, golive's own checks run, node ids rooted at checks/, nothing written next
    to the profile."""
    profile = unreachable_profile(tmp_path / "deploy")
    out = tmp_path / "out"
    if spelling == "separate":
        args = ["--profile", str(profile), "--report-dir", str(out)]
    else:
        args = [f"--profile={profile}", f"--report-dir={out}"]
    result = pytester.runpytest_subprocess(*args, "-m", "headers")
    text = result.stdout.str() + result.stderr.str()
    assert "conflicting option" not in text
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text[-3000:]
    doc = signoff(out)
    assert doc["verdict"] == "NO-GO"
    assert nodeids(doc) and all(n.startswith("checks/test_headers.py::") for n in nodeids(doc)), nodeids(doc)
    assert sorted(p.name for p in profile.parent.iterdir()) == ["staging.yaml"]  # no .pytest_cache beside it
    assert not (pytester.path / ".pytest_cache").exists()


def test_profile_from_environment_variable(pytester: pytest.Pytester, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    profile = unreachable_profile(tmp_path / "deploy")
    monkeypatch.setenv("GOLIVE_PROFILE", str(profile))
    result = pytester.runpytest_subprocess("--report-dir", str(tmp_path / "out"), "-m", "headers")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert signoff(tmp_path / "out")["profile"] == "staging"


def test_inert_in_another_projects_run(pytester: pytest.Pytester) -> None:
    """Installed golive changes nothing for a project that does not ask for it: same tests, same
    outcome, no golive output, no golive fixtures, no files written; the project's own fixture named
    like one of golive's (``settings``) is its own."""
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef settings():\n    return 'mine'\n")
    pytester.makepyfile(test_app="def test_one(settings):\n    assert settings == 'mine'\n\n"
                                 "def test_two():\n    assert 1 + 1 == 2\n")
    def files() -> list[str]:  # less pytest's byte-code cache of the project's modules (golive or not)
        return sorted(p.name for p in pytester.path.iterdir() if p.name != "__pycache__")

    before = files()
    with_golive = pytester.runpytest("-p", "no:cacheprovider")
    without = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:golive.activation")
    with_golive.assert_outcomes(passed=2)
    without.assert_outcomes(passed=2)
    own_lines = [line for line in with_golive.outlines if not line.startswith("plugins:")]  # pytest's header
    assert "golive" not in "\n".join(own_lines).lower()
    assert files() == before  # no reports/, no sign-off
    fixtures = pytester.runpytest("-p", "no:cacheprovider", "--fixtures").stdout.str()
    for golive_fixture in ("header_audit", "evidence", "tls_scan", "prereq_host"):
        assert golive_fixture not in fixtures


def test_locust_host_option_coexists(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """locust's pytest plugin keeps its ``--host``; golive's subject filters are ``--golive-*``."""
    pytester.makepyfile(test_app="def test_one():\n    pass\n")
    pytester.runpytest("-p", "no:cacheprovider", "--host", "https://example.invalid").assert_outcomes(passed=1)
    help_text = pytester.runpytest("--help").stdout.str()
    for option in ("--profile", "--report-dir", "--allow-load", "--golive-target", "--golive-host",
                   "--golive-database"):
        assert option in help_text


def test_golive_checks_without_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(str(checks_dir()), "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no profile given: pass --profile NAME|PATH or set GOLIVE_PROFILE" in result.stderr.str()


def test_bad_profile_is_exit_4_naming_file_and_key(pytester: pytest.Pytester, tmp_path: Path) -> None:
    profile = unreachable_profile(tmp_path / "deploy", timeout="soon")
    result = pytester.runpytest_subprocess("--profile", str(profile))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert str(profile) in result.stderr.str() and "timeout" in result.stderr.str()


def test_subject_filters_narrow_every_kind(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """``--golive-target web`` runs web's checks and no host or database check (and the reverse); a
    non-HTTP TLS endpoint is a target for the filter."""
    profile = unreachable_profile(
        tmp_path / "deploy",
        tls_endpoints=[{"name": "pg", "host": "127.0.0.1", "port": closed_port(), "protocol": "postgres"}],
        hosts=[{"name": "box", "connection": "local://"}],
        databases=[{"name": "main", "dsn": f"postgresql://u@127.0.0.1:{closed_port()}/db"}],
        checks={"prerequisites": {"min_cpus": 1}},
    )
    out = tmp_path / "out"
    pytester.runpytest_subprocess("--profile", str(profile), "--report-dir", str(out), "--golive-target", "web",
                                  "-m", "not load and not tls")
    subjects = {r["subject"] for item in signoff(out)["items"] for r in item["results"]}
    assert subjects == {"web"}
    pytester.runpytest_subprocess("--profile", str(profile), "--report-dir", str(out), "--golive-host", "box",
                                  "-m", "prereq")
    doc = signoff(out)
    assert {r["subject"] for item in doc["items"] for r in item["results"]} == {"box"}
    pytester.runpytest_subprocess("--profile", str(profile), "--report-dir", str(out), "--golive-target", "pg",
                                  "-m", "tls")
    assert {r["subject"] for item in signoff(out)["items"] for r in item["results"]} == {"pg"}
    unknown = pytester.runpytest_subprocess("--profile", str(profile), "--golive-database", "nope")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    assert "--golive-database nope: not in profile 'staging' (known databases: main)" in unknown.stderr.str()


# --------------------------------------------------------------------------- the commands (subprocesses)


def golive(*args: str, cwd: Path, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GOLIVE_PROFILE"))}
    full_env.update(env or {})
    return subprocess.run([str(BIN / "golive"), *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def demo_profile(directory: Path, target: Any, **extra: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "p.yaml"
    data = {"name": "gate", "timeout": "5s", "targets": [target.target_dict("web")],
            "attestations": manual_attestations(), **extra}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("spelling", ["separate", "equals"])
def test_golive_run_exit_codes(tmp_path: Path, demo_target: Callable[..., Any], spelling: str) -> None:
    """``golive run`` from a directory outside the checkout: 0 GO, 1 NO-GO, 4 bad profile."""
    work = tmp_path / "work"
    work.mkdir()

    def run(profile: Path, out: Path) -> subprocess.CompletedProcess:
        own = ["--profile", str(profile), "--report-dir", str(out)] if spelling == "separate" else \
            [f"--profile={profile}", f"--report-dir={out}"]
        # pytest options before, between and after golive's own
        return golive("run", "-m", "headers or smoke", *own, "-q", cwd=work)

    sound = run(demo_profile(tmp_path / "sound", demo_target()), tmp_path / "out-sound")
    assert sound.returncode == 0, sound.stdout[-3000:] + sound.stderr[-2000:]
    assert "VERDICT: GO" in sound.stdout
    assert nodeids(signoff(tmp_path / "out-sound"))[0].startswith("checks/")
    flawed = run(demo_profile(tmp_path / "flawed", demo_target("hsts_missing")), tmp_path / "out-flawed")
    assert flawed.returncode == 1, flawed.stdout[-3000:]
    assert "headers.hsts" in flawed.stdout
    bad = unreachable_profile(tmp_path / "bad", timeout="soon")
    assert run(bad, tmp_path / "out-bad").returncode == 4
    assert not list(work.iterdir())  # the working directory stays clean


def test_golive_run_needs_a_profile(tmp_path: Path) -> None:
    done = golive("run", "-m", "smoke", cwd=tmp_path)
    assert done.returncode == 4 and "--profile NAME|PATH is required" in done.stderr
    assert golive("run", "--profile", cwd=tmp_path).returncode == 4


def test_contract_pytest_command_from_another_directory(tmp_path: Path) -> None:
    """``.venv/bin/pytest --profile PATH --report-dir DIR`` run from outside the checkout."""
    profile = unreachable_profile(tmp_path / "deploy")
    done = subprocess.run([str(BIN / "pytest"), "--profile", str(profile), "--report-dir", str(tmp_path / "out"),
                           "-m", "headers", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}, check=False)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "conflicting option" not in done.stderr
    assert signoff(tmp_path / "out")["verdict"] == "NO-GO"


def test_version_and_broken_pipe(tmp_path: Path) -> None:
    version = golive("--version", cwd=tmp_path)
    assert version.returncode == 0
    for tool in ("golive 0.1.0", "pytest ", "sslyze ", "locust ", "pytest-testinfra ", "Python 3."):
        assert tool in version.stdout
    piped = subprocess.run(f"'{BIN / 'golive'}' checklist --json | head -1", shell=True, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60, check=False)
    assert piped.stdout.strip() == "[" and "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_init_writes_a_profile_that_fits_the_service(tmp_path: Path, demo_target: Callable[..., Any]) -> None:
    """``golive init`` finds the listeners and the health path; the profile validates and its first
    run gives meaningful results (no check fails because of a default that does not fit)."""
    demo = demo_target()
    out = tmp_path / "mine.yaml"
    done = golive("init", demo.https_url, "--name", "mine", "-o", str(out), "--resolve", demo.resolve,
                  "--ca-bundle", str(demo.ca_bundle), "--http-url", demo.http_url, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "health: /api/health" in done.stdout or "health: /health" in done.stdout
    text = out.read_text()
    assert f"http_url: {demo.http_url}" in text and "deep_health_path: null" in text
    validated = golive("profile", "validate", str(out), cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    first = golive("run", "--profile", str(out), "--report-dir", str(tmp_path / "out"), "-m", "smoke or headers",
                   cwd=tmp_path)
    doc = signoff(tmp_path / "out")
    failed = {i["id"] for i in doc["items"] if i["status"] in ("failed", "error")}
    assert not failed, first.stdout[-3000:]
    # only the manual attestations stand between the starter profile and GO
    assert all("manual" in r for r in doc["reasons"]), doc["reasons"]
    assert golive("init", demo.https_url, "-o", str(out), cwd=tmp_path).returncode == 4  # no silent overwrite


def test_init_names_the_setting_when_no_health_path_is_found(tmp_path: Path) -> None:
    from golive.onboard import Discovery, render

    text = render(Discovery(url="https://app.example.com", notes=[]), "app")
    assert "health_path: /health          # NOT FOUND by golive init" in text
    data = yaml.safe_load(text)
    assert data["checks"]["smoke"]["deep_health_path"] is None


def test_init_refuses_an_unreachable_url(tmp_path: Path) -> None:
    done = golive("init", f"https://127.0.0.1:{closed_port()}", "-o", str(tmp_path / "x.yaml"), "--timeout", "2",
                  cwd=tmp_path)
    assert done.returncode == 1 and "cannot be reached" in done.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_readme_examples_name_profiles_that_ship() -> None:
    readme = (REPO / "README.md").read_text()
    assert "profiles/staging.yaml" not in readme
    for shipped in ("demo.yaml", "example.yaml"):
        assert (REPO / "profiles" / shipped).is_file()
