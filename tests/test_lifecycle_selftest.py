"""A gate run's life, with real processes and real signals (issue 15 items 1-3 and 8's generic part).

- SIGINT (to the process group, as a terminal sends it) or SIGTERM (to the pid, as CI cancels) in
  the middle of a run: the run stops within seconds, its sign-off says NO-GO "run interrupted by
  SIGTERM", records which checks did not run, and ``golive verdict`` exits 1 (before: GO, exit 0,
  with 17 items never run);
- a GO, then a run killed (SIGKILL, no chance to clean up) or stopped (SIGTERM) in the same report
  directory: ``golive verdict`` no longer prints the old GO;
- two runs into one report directory: the second refuses with exit 4 naming the first, and writes
  nothing there;
- ``golive demo --serve`` stops its demo server on SIGTERM.

Each run blocks on a black-hole target (accepts, never answers) with a long timeout, so the signal
lands mid-check; the test waits for the connection (a readiness poll), never sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import REPO, GoliveRun, StartedGolive, manual_attestations, run_golive, start_golive
from tests.servers.base import port_open, wait_until
from tests.servers.black_hole import BlackHole, start_black_hole

STOP_BOUND = 15.0
"""Seconds a signalled run may take to stop (measured: about 2 s; the machine is shared)."""


@pytest.fixture
def hole() -> Iterator[BlackHole]:
    server = start_black_hole()
    yield server
    server.stop()


def blocking_profile(demo: Any, hole: BlackHole, **extra: Any) -> dict[str, Any]:
    """The demo target (its checks pass) and a target that never answers (its checks block)."""
    return {"name": "lifecycle", "environment": "staging", "timeout": "120s",
            "targets": [demo.target_dict("web"), {"name": "hole", "url": hole.url}],
            "attestations": manual_attestations(), **extra}


def start_blocked(profile: dict[str, Any], tmp_path: Path, hole: BlackHole, *args: str,
                  report_dir: Path | None = None) -> StartedGolive:
    """A run that is certainly mid-check: started, connected to the black hole, and past its first
    check (observations are gathered concurrently: the hole is reached before any check ran)."""
    before, since = hole.accepted, time.time() - 1
    started = start_golive(profile, "-m", "headers or smoke", *args, tmp_path=tmp_path, report_dir=report_dir)
    wait_until(lambda: hole.accepted > before, 180, "the run reaching the black hole",
               process=started.process)  # type: ignore[arg-type]
    wait_until(lambda: _a_check_finished(started.report_dir, since), 180, "the run's first check result",
               process=started.process)  # type: ignore[arg-type]
    return started


def _a_check_finished(report_dir: Path, since: float) -> bool:
    """An Allure result of this run is on disk (a check finished)."""
    try:
        return any(p.stat().st_mtime >= since for p in (report_dir / "allure-results").glob("*-result.json"))
    except OSError:  # the directory or a file replaced while looking
        return False


def verdict(report_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "golive.cli", "verdict", str(report_dir)], capture_output=True,
                          text=True, timeout=60, check=False, cwd=REPO)


def stop(started: StartedGolive, signum: signal.Signals) -> tuple[GoliveRun, float]:
    """Signal the run as a terminal (SIGINT to the group) or CI (SIGTERM to the pid) would; the run
    and the seconds it took to exit."""
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(started.process.pid, signum)
    else:
        started.process.send_signal(signum)
    try:
        run = started.finish(timeout=STOP_BOUND * 4)
    finally:
        if started.process.poll() is None:
            started.process.kill()
    return run, time.monotonic() - sent


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_is_never_go(demo_target: Any, hole: BlackHole, tmp_path: Path,
                                        signum: signal.Signals) -> None:
    started = start_blocked(blocking_profile(demo_target(), hole), tmp_path, hole)
    run, took = stop(started, signum)
    print(f"\n{signum.name} mid-check: the run stopped and wrote its sign-off in {took:.2f}s")
    assert took < STOP_BOUND
    assert run.returncode == 2, run.output[-3000:]  # pytest's "interrupted"
    document = run.signoff
    assert document["verdict"] == "NO-GO"
    assert document["reasons"][0].startswith(f"run interrupted by {signum.name} at "), document["reasons"]
    scope = document["run"]
    assert scope["state"] == "interrupted" and scope["interrupted_by"] == signum.name
    assert "headers.hsts[hole]" in scope["not_run"] or any("[hole]" in n for n in scope["not_run"]), scope
    assert run.status("headers.hsts", "web") in ("passed", "advisory"), "what ran before the signal is kept"
    markdown = (run.report_dir / "signoff.md").read_text()
    assert f"## Run not complete: run interrupted by {signum.name}" in markdown
    gate = verdict(run.report_dir)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert f"run interrupted by {signum.name}" in gate.stdout


def test_a_new_run_withdraws_the_previous_go(demo_target: Any, hole: BlackHole, tmp_path: Path) -> None:
    demo = demo_target()
    reports = tmp_path / "reports"
    good = run_golive({"name": "lifecycle", "timeout": "10s", "targets": [demo.target_dict("web")],
                       "attestations": manual_attestations()}, "-m", "headers", tmp_path=tmp_path, report_dir=reports)
    assert good.signoff["verdict"] == "GO", good.output[-3000:]
    assert verdict(reports).returncode == 0
    assert (reports / "junit.xml").exists()

    # killed without any chance to clean up: what it left says it did not finish
    started = start_blocked(blocking_profile(demo, hole), tmp_path, hole, report_dir=reports)
    started.process.send_signal(signal.SIGKILL)
    started.process.wait(timeout=30)
    gate = verdict(reports)
    assert gate.returncode == 1, gate.stdout
    assert "has not finished: it is still running, or it was killed" in gate.stdout
    assert f"pid {started.process.pid}" in gate.stdout
    assert not (reports / "junit.xml").exists(), "the GO run's JUnit must not pass for the killed run's"

    # stopped with SIGTERM: its own, interrupted verdict
    run, _ = stop(start_blocked(blocking_profile(demo, hole), tmp_path, hole, report_dir=reports), signal.SIGTERM)
    assert run.signoff["verdict"] == "NO-GO" and run.signoff["run"]["state"] == "interrupted"
    assert verdict(reports).returncode == 1


def test_a_second_run_into_the_same_report_dir_refuses(demo_target: Any, hole: BlackHole, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = start_blocked(blocking_profile(demo_target(), hole), tmp_path, hole, report_dir=reports)
    try:
        # the first run keeps writing its Allure results while it waits; everything else stands still
        before = {p.name: p.stat().st_mtime_ns for p in reports.iterdir() if p.name != "allure-results"}
        started = time.monotonic()
        second = run_golive({"name": "second", "targets": [{"name": "x", "url": "http://127.0.0.1:9"}]},
                            tmp_path=tmp_path / "second", report_dir=reports, timeout=120)
        took = time.monotonic() - started
        print(f"\nsecond run into a busy report dir refused in {took:.2f}s")
        assert second.returncode == 4, second.output[-3000:]
        assert f"report directory {reports} is in use by another golive run (pid {first.process.pid}" \
            in second.output
        assert "give this run its own --report-dir" in second.output
        after = {p.name: p.stat().st_mtime_ns for p in reports.iterdir() if p.name != "allure-results"}
        assert after == before, "the refused run wrote into the busy report directory"
        theirs = [f.name for f in (reports / "allure-results").glob("*.json") if "[x]" in f.read_text("utf-8")]
        assert not theirs, f"the refused run wrote Allure results: {theirs}"
        assert json.loads((reports / "signoff.json").read_text())["run"]["pid"] == first.process.pid
        other = run_golive({"name": "second", "timeout": "2s", "targets": [{"name": "x", "url": "http://127.0.0.1:9"}]},
                           "-m", "headers", tmp_path=tmp_path / "second", report_dir=tmp_path / "own", timeout=120)
        assert other.returncode in (0, 1), other.output[-3000:]  # its own directory: it runs
    finally:
        run, _ = stop(first, signal.SIGTERM)
    assert run.signoff["run"]["state"] == "interrupted", "the first run's evidence is its own"


def test_demo_serve_stops_its_server_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "golive.cli", "demo", "--serve"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("serving"):
                break
        env = json.loads("".join(lines[lines.index("{\n"):lines.index("}\n") + 1]))
        port = int(env["GOLIVE_DEMO_HTTPS_PORT"])
        assert port_open("127.0.0.1", port)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
        took = time.monotonic() - sent
        print(f"\ngolive demo --serve: SIGTERM to stopped server in {took:.2f}s")
        assert code == 0, process.stdout.read()
        assert not port_open("127.0.0.1", port), "the demo server outlived golive demo"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
