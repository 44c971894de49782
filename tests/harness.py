"""Run golive as a user would (a pytest subprocess against ``checks/``) and read its sign-off.

Every self-test of a check goes through here: write a profile, run golive, then ask for the
outcome of one checklist id on one subject. A run is a real subprocess so that the plugin, xdist,
allure and the sign-off behave exactly as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CHECKS = REPO / "checks"


@dataclass
class GoliveRun:
    """The outcome of one golive run."""

    returncode: int
    output: str
    report_dir: Path
    profile_path: Path

    @property
    def signoff(self) -> dict[str, Any]:
        path = self.report_dir / "signoff.json"
        if not path.exists():
            raise AssertionError(f"no signoff.json written (exit {self.returncode}):\n{self.output[-4000:]}")
        return json.loads(path.read_text())

    def item(self, check_id: str) -> dict[str, Any]:
        for item in self.signoff["items"]:
            if item["id"] == check_id:
                return item
        raise AssertionError(f"{check_id} not in the sign-off")

    def result(self, check_id: str, subject: str | None = None) -> dict[str, Any]:
        """The (single) result of ``check_id`` on ``subject``; fails loudly when absent."""
        item = self.item(check_id)
        results = [r for r in item["results"] if subject is None or r["subject"] == subject]
        if not results:
            raise AssertionError(
                f"{check_id}[{subject}] has no result (item status {item['status']}):\n{self.output[-3000:]}"
            )
        order = {"failed": 0, "error": 1, "waived": 2, "passed": 3, "skipped": 4}
        return sorted(results, key=lambda r: order.get(r["status"], 9))[0]

    def status(self, check_id: str, subject: str | None = None) -> str:
        """Worst status of ``check_id`` on ``subject`` (or the item status without subject)."""
        if subject is None:
            return self.item(check_id)["status"]
        return self.result(check_id, subject)["status"]

    def message(self, check_id: str, subject: str | None = None) -> str:
        return self.result(check_id, subject)["message"]

    def statuses(self) -> dict[str, str]:
        """Every item id → status (handy for "nothing else failed" assertions)."""
        return {i["id"]: i["status"] for i in self.signoff["items"]}

    def failed_ids(self) -> set[str]:
        return {i["id"] for i in self.signoff["items"] if i["status"] in ("failed", "error")}

    def report_text(self) -> str:
        """Everything golive wrote to the report dir, as text (for "no secret leaked" tests)."""
        chunks = []
        for path in sorted(self.report_dir.rglob("*")):
            if path.is_file():
                chunks.append(path.read_text(errors="replace"))
        return "\n".join(chunks)


def manual_attestations(by: str = "release-manager@example.com", at: str = "2026-11-20") -> list[dict[str, str]]:
    """Attestations of every critical manual catalog item.

    A self-test that expects GO adds these so that only the automated checks it is about decide
    the verdict (an unattested critical manual item is NO-GO by design).
    """
    from golive.catalog import load_catalog

    return [{"check": i.id, "by": by, "at": at}
            for i in load_catalog().values() if i.mode == "manual" and i.severity == "critical"]


def write_profile(profile: dict[str, Any] | Path, directory: Path) -> Path:
    if isinstance(profile, Path):
        return profile
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{profile.get('name', 'selftest')}.yaml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return path


def _invocation(profile: dict[str, Any] | Path, pytest_args: tuple[str, ...], tmp_path: Path,
                env: dict[str, str] | None, checks: Path | None,
                report_dir: Path | None) -> tuple[list[str], dict[str, str], Path, Path]:
    """The command, environment, report dir and profile path of one golive run, as a user would start it.

    Run from ``tmp_path`` (outside the repository, where the profile and the reports are too) and
    without golive's ini flags (``-c``, ``--rootdir``, ``-p no:...``) on the command line: a crash
    that only users outside the checkout would meet shows here first.
    """
    profile_path = write_profile(profile, tmp_path / "profile")
    reports = report_dir or tmp_path / "reports"
    command = [sys.executable, "-m", "pytest", str(checks or CHECKS),
               "--profile", str(profile_path), "--report-dir", str(reports), "-q", "--no-header",
               *pytest_args]
    # The run is not an xdist worker even when these tests run under xdist: drop what workers inherit.
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
    full_env.update(env or {})
    full_env.pop("GOLIVE_PROFILE", None) if "GOLIVE_PROFILE" not in (env or {}) else None
    return command, full_env, reports, profile_path


def run_golive(profile: dict[str, Any] | Path, *pytest_args: str, tmp_path: Path,
               env: dict[str, str] | None = None, timeout: float = 300, checks: Path | None = None,
               report_dir: Path | None = None) -> GoliveRun:
    """Run ``pytest checks/ --profile P --report-dir D *pytest_args`` in a subprocess (see ``_invocation``)."""
    command, full_env, reports, profile_path = _invocation(profile, pytest_args, tmp_path, env, checks, report_dir)
    done = subprocess.run(command, cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)
    return GoliveRun(done.returncode, done.stdout + done.stderr, reports, profile_path)


@dataclass
class StartedGolive:
    """A golive run still going (for tests that signal it): ``finish()`` → the ``GoliveRun``."""

    process: subprocess.Popen[str]
    report_dir: Path
    profile_path: Path

    def finish(self, timeout: float = 60) -> GoliveRun:
        output, _ = self.process.communicate(timeout=timeout)
        return GoliveRun(self.process.returncode, output, self.report_dir, self.profile_path)


def start_golive(profile: dict[str, Any] | Path, *pytest_args: str, tmp_path: Path,
                 env: dict[str, str] | None = None, report_dir: Path | None = None) -> StartedGolive:
    """``run_golive`` without waiting: its own process group (signal it as a terminal would)."""
    command, full_env, reports, profile_path = _invocation(profile, pytest_args, tmp_path, env, None, report_dir)
    process = subprocess.Popen(command, cwd=tmp_path, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    return StartedGolive(process, reports, profile_path)
