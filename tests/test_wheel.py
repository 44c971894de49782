"""golive as a package: the wheel, installed into a fresh virtual environment outside the checkout.

What a team gets from ``pip install``: the checks, the load scenarios and the shipped profiles
inside the package, the ``golive`` command, and a pytest plugin that leaves their own test suite
alone. Everything here runs from a directory outside the repository, with state and caches in
temporary directories, as a user's machine would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import REPO, manual_attestations

pytestmark = pytest.mark.xdist_group("wheel")  # its module fixtures start once, on one worker


@dataclass
class Installed:
    """A fresh venv with the golive wheel, and a working directory outside the checkout."""

    root: Path
    bin: Path
    work: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTEST_", "GOLIVE_", "VIRTUAL_ENV", "PYTHON"))}
        env.update(XDG_STATE_HOME=str(self.root / "state"), XDG_CACHE_HOME=str(self.root / "cache"),
                   GOLIVE_NODE_DIR=os.environ.get("GOLIVE_NODE_DIR", str(self.root / "node")),
                   PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")
        return env

    def run(self, *command: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / command[0]), *command[1:]], cwd=cwd or self.work, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(dist), str(REPO)], capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(dist.glob("golive-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=300)
    install = subprocess.run([str(root / "venv" / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                              str(wheel)], capture_output=True, text=True, timeout=900, check=False)
    assert install.returncode == 0, install.stderr[-3000:]
    work = root / "work"
    work.mkdir()
    return Installed(root, root / "venv" / "bin", work)


def test_wheel_carries_checks_scenarios_and_profiles(installed: Installed) -> None:
    found = installed.run("python", "-c", "from golive import paths; print(paths.checks_dir()); "
                                          "print(paths.scenarios_file()); print(paths.bundled_profiles_dir())")
    checks, scenarios, profiles = (Path(line) for line in found.stdout.split())
    assert "site-packages" in str(checks) and REPO not in checks.parents
    assert (checks / "test_tls.py").is_file() and scenarios.is_file() and (profiles / "demo.yaml").is_file()
    assert (profiles / "example.yaml").is_file()
    version = installed.run("golive", "--version")
    assert version.returncode == 0 and version.stdout.startswith("golive 0.1.0 (pytest ")
    assert installed.run("golive", "profile", "validate", "example").returncode == 0


def test_demo_from_the_wheel_go_and_no_go(installed: Installed) -> None:
    sound = installed.run("golive", "demo", "--report-dir", str(installed.root / "demo-sound"))
    assert sound.returncode == 0, sound.stdout[-3000:] + sound.stderr[-3000:]
    assert "verdict GO" in sound.stdout
    flawed = installed.run("golive", "demo", "--flaw", "hsts_missing", "--report-dir",
                           str(installed.root / "demo-flawed"))
    assert flawed.returncode == 1, flawed.stdout[-3000:]
    doc = json.loads((installed.root / "demo-flawed" / "signoff.json").read_text())
    assert doc["verdict"] == "NO-GO" and any(r.startswith("headers.hsts") for r in doc["reasons"])
    assert (installed.root / "state" / "golive" / "demo").is_dir()  # state outside site-packages and the repo


@pytest.mark.parametrize("spelling", ["separate", "equals"])
def test_golive_run_from_the_wheel(installed: Installed, demo_target: Callable[..., Any], spelling: str) -> None:
    profile = installed.root / f"p-{spelling}.yaml"
    profile.write_text(yaml.safe_dump({"name": "p", "timeout": "5s", "targets": [demo_target().target_dict("web")],
                                       "attestations": manual_attestations()}))
    out = installed.root / f"out-{spelling}"
    own = ["--profile", str(profile), "--report-dir", str(out)] if spelling == "separate" else \
        [f"--profile={profile}", f"--report-dir={out}"]
    done = installed.run("golive", "run", *own, "-m", "not load")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    doc = json.loads((out / "signoff.json").read_text())
    assert doc["verdict"] == "GO"
    ids = [r["nodeid"] for item in doc["items"] for r in item["results"]]
    assert ids and all(i.startswith("checks/") for i in ids)
    results = list((out / "allure-results").glob("*-result.json"))  # the evidence, made by the installed sink
    assert len(results) == len(ids), (len(results), len(ids))
    assert sorted(p.name for p in installed.work.iterdir()) == []  # nothing written where it ran


def test_installed_pytest_contract_command(installed: Installed, tmp_path: Path) -> None:
    """``pytest --profile PATH --report-dir DIR`` with an installed golive, from another directory."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = tmp_path / "deploy" / "staging.yaml"
    profile.parent.mkdir()
    profile.write_text(yaml.safe_dump({"name": "staging", "timeout": "2s",
                                       "targets": [{"name": "web", "url": f"https://127.0.0.1:{port}"}]}))
    done = installed.run("pytest", "--profile", str(profile), "--report-dir", str(tmp_path / "out"), "-m", "headers",
                         "-q", cwd=tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "conflicting option" not in done.stderr
    assert json.loads((tmp_path / "out" / "signoff.json").read_text())["verdict"] == "NO-GO"


def test_another_projects_pytest_is_unchanged(installed: Installed, tmp_path: Path) -> None:
    """A project with its own tests, golive installed in its venv: same tests, same result, no golive
    output, nothing written but pytest's own cache."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_app.py").write_text("def test_adds():\n    assert 1 + 1 == 2\n\n"
                                                   "def test_host_option(request):\n"
                                                   "    assert request.config.getoption('--host') is None\n")
    plain = installed.run("pytest", "-q", cwd=project)
    without = installed.run("pytest", "-q", "-p", "no:golive.activation", cwd=project)
    assert plain.returncode == 0 and without.returncode == 0, plain.stdout + plain.stderr
    assert "2 passed" in plain.stdout and "2 passed" in without.stdout
    assert "golive" not in plain.stdout.lower() + plain.stderr.lower()
    assert sorted(p.name for p in project.iterdir()) == [".pytest_cache", "tests"]
    shutil.rmtree(project / ".pytest_cache")
