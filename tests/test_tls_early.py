"""The TLS scan's child started early (``golive.tls.early``, ``golive.tls.child``), and sslyze's poll
(``golive.tls.poll``).

When a run may judge tls.* checks, golive starts the scan's child before its plugin loads, so that
a one-target gate finds its scanner warm. Proven here on real runs: the child exists while the run
goes, is gone when it ends (GO, a profile with no TLS target, a profile error), a child that dies
makes its checks say so at once, and ``-m`` decides whether one is started at all.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from golive.catalog import markexpr_may_select
from golive.tls import early
from tests.harness import CHECKS, REPO, run_golive, start_golive
from tests.servers.stalling import start_silent

pytestmark = pytest.mark.xdist_group("test_tls_early")

TAG = "GOLIVE_TEST_RUN_TAG"


def _scan_children(tag: str) -> list[int]:
    """PIDs of golive TLS scan children started by the run carrying ``tag`` in its environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"golive.tls.child" in cmdline and f"{TAG}={tag}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _wait_for_child(tag: str, within: float = 30.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if children := _scan_children(tag):
            return children[0]
        time.sleep(0.02)
    raise AssertionError(f"no TLS scan child appeared within {within:g}s")


@pytest.mark.parametrize(("markexpr", "selects"), [
    ("", True), ("tls", True), ("security", True), ("smoke or security", True), ("critical", True),
    ("smoke", False), ("not tls", False), ("security and not tls", False), ("headers", False),
    ("load or backup", False), ("tls(x=1)", False), ("((", True),
])
def test_markexpr_may_select_reads_the_catalogs_markers(markexpr: str, selects: bool) -> None:
    assert markexpr_may_select(markexpr, "tls.") is selects


def _config(markexpr: str = "", numprocesses: Any = None, worker: bool = False,
            args: tuple[str, ...] = (str(CHECKS),)) -> Any:
    config = SimpleNamespace(option=SimpleNamespace(markexpr=markexpr, numprocesses=numprocesses), args=list(args))
    if worker:
        config.workerinput = {}
    return config


@pytest.mark.parametrize(("config", "runs_checks", "wanted"), [
    (_config("smoke or security"), True, True),
    (_config("smoke"), True, False),
    (_config("tls"), False, False),  # --collect-only, --help...
    (_config("tls", numprocesses=2), True, False),  # xdist controller
    (_config("tls", worker=True), True, False),  # xdist worker
    (_config("tls", args=(f"{CHECKS}/test_tls.py::test_protocols",)), True, True),
    (_config("", args=(f"{CHECKS}/test_headers.py",)), True, False),
    (_config("", args=(str(REPO / "tests"),)), True, False),  # a directory without golive's tls.* checks
])
def test_a_child_is_wanted_only_for_a_run_that_may_scan_in_this_process(config: Any, runs_checks: bool,
                                                                        wanted: bool) -> None:
    assert early.wanted(config, runs_checks) is wanted


def test_the_gate_scans_with_the_early_child_and_leaves_none_behind(demo_target, tmp_path: Path) -> None:
    from tests.conftest import demo_profile

    tag = uuid.uuid4().hex
    started = start_golive(demo_profile(demo_target(), name="early"), "-m", "smoke or security",
                           tmp_path=tmp_path, env={TAG: tag})
    child = _wait_for_child(tag)
    run = started.finish(120)
    assert run.returncode == 0, run.output[-3000:]
    assert run.status("tls.protocols", "web") == "passed"
    assert not _scan_children(tag), f"the TLS scan child {child} outlived the run"


@pytest.mark.parametrize("case", ["no TLS target", "profile error"])
def test_a_run_that_scans_nothing_stops_its_child(case: str, tmp_path: Path) -> None:
    target = {"name": "plain", "url": "http://127.0.0.1:9"}
    profile: dict[str, Any] = {"name": "nothing", "environment": "staging", "timeout": "2s", "targets": [target]}
    if case == "profile error":
        profile["targets"] = [{**target, "url": "https://127.0.0.1:9", "timeout": "forever"}]
    tag = uuid.uuid4().hex
    run = run_golive(profile, "-m", "security", tmp_path=tmp_path, env={TAG: tag})
    assert run.returncode == (4 if case == "profile error" else 1), run.output[-3000:]
    assert "Traceback" not in run.output
    assert not _scan_children(tag), "the TLS scan child outlived the run"


def test_a_child_that_dies_fails_its_checks_saying_so(tmp_path: Path) -> None:
    server = start_silent()  # accepts, never answers: the child's probe waits on it
    try:
        port = server.sock.getsockname()[1]
        profile = {"name": "dies", "environment": "staging", "timeout": "30s",
                   "targets": [{"name": "quiet", "url": f"https://127.0.0.1:{port}"}]}
        tag = uuid.uuid4().hex
        started = start_golive(profile, "-m", "tls", tmp_path=tmp_path, env={TAG: tag})
        child = _wait_for_child(tag)
        deadline = time.monotonic() + 30
        while not server.held and time.monotonic() < deadline:  # the child is probing the target
            time.sleep(0.02)
        assert server.held, "the child never probed the target"
        os.kill(child, signal.SIGKILL)
        run = started.finish(60)
    finally:
        server.stop()
    results = [r for item in run.signoff["items"] for r in item["results"] if item["id"].startswith("tls.")]
    assert results and {r["status"] for r in results} == {"error"}, run.output[-3000:]
    assert all("TLS scan process ended unexpectedly (exit code -9)" in r["message"] for r in results), results[0]
    assert all("30s" not in r["message"] for r in results), "a check waited out the target's timeout"


def test_sslyzes_poll_is_shortened_only_while_it_sleeps_through_time_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """``golive.tls.poll``: sslyze's scanner loop waits ``POLL`` instead of 0.2 s; a sslyze whose
    loop no longer calls ``time.sleep`` is left as it is."""
    from sslyze.scanner import _mass_scanner

    from golive.tls import poll

    monkeypatch.setattr(_mass_scanner, "sleep", time.sleep)
    assert poll.shorten_scanner_poll() is True
    assert _mass_scanner.sleep is poll._short_sleep
    assert poll.shorten_scanner_poll() is True  # idempotent

    def their_own(seconds: float) -> None:
        """A future sslyze's wait."""

    monkeypatch.setattr(_mass_scanner, "sleep", their_own)
    assert poll.shorten_scanner_poll() is False
    assert _mass_scanner.sleep is their_own


@pytest.mark.parametrize(("servers", "cpus", "children"), [
    (1, 8, 1), (16, 8, 1), (17, 8, 2), (160, 8, 8), (160, 2, 2), (40, 1, 1), (0, 4, 1),
])
def test_a_fleet_is_scanned_by_one_child_per_share_of_servers_up_to_one_per_cpu(servers: int, cpus: int,
                                                                                 children: int) -> None:
    from golive.tls.remote import children_for

    assert children_for(servers, cpus) == children


def test_each_child_scans_its_share_and_a_dead_child_fails_only_its_keys(monkeypatch: pytest.MonkeyPatch,
                                                                           tmp_path: Path) -> None:
    """Two children, two silent targets (their probes wait): the keys go one to each child; the
    child killed fails its key at once, saying so; the other key is still being scanned."""
    from golive.settings.tls import TlsSettings
    from golive.tls import remote
    from golive.tls.scan import ScanKey, ScanPlan

    monkeypatch.setattr(remote, "children_for", lambda servers, cpus=None: 2)
    servers = [start_silent(), start_silent()]
    try:
        plan = ScanPlan()
        keys = [ScanKey("127.0.0.1", s.sock.getsockname()[1], None) for s in servers]
        for key in keys:
            plan.add(key, None, 30.0)
        scan = remote.RemoteTlsScan(plan, TlsSettings(concurrent_servers=4), workdir=tmp_path)
        try:
            scan.request(keys)
            deadline = time.monotonic() + 30
            while not all(s.held for s in servers) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert all(s.held for s in servers), "each child probes its own target"
            first, second = (scan._owner[key] for key in keys)
            assert first is not second
            first.helper.process.kill()
            observation = scan.observe(keys[0])
            assert "TLS scan process ended unexpectedly (exit code -9)" in (observation.error or "")
            assert scan.waiting() == [keys[1]], "the other child's target is still being scanned"
        finally:
            scan.close()
        assert "the run ended before this target was scanned" in (scan.observe(keys[1]).error or "")
    finally:
        for server in servers:
            server.stop()


def test_xdist_workers_share_the_cpus_between_their_children(monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.tls import remote

    monkeypatch.setattr(remote.os, "cpu_count", lambda: 8)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    assert remote.children_for(160) == 2
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT")
    assert remote.children_for(160) == 8
