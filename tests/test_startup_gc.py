"""The garbage collector held back while a golive run starts, and given back (``golive.startup_gc``).

A real golive run (subprocess, with and without xdist) whose checks directory holds a conftest
that notes the collector's threshold in every process: held while the run configures, as it was
once the run's checks begin, with the start-up's objects frozen. In-process runs that stop early
leave the caller's collector as they found it.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from golive.startup_gc import STARTUP_THRESHOLD
from tests.harness import manual_attestations, run_golive

pytest_plugins = ["pytester"]

CATALOG = "- {id: gcprobe.alive, title: Alive, severity: low, markers: [smoke], mode: automated}\n"

PROBE = '''
import gc
import json
import os

NOTED = []


def _note(moment):
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.path.join(os.environ["GC_PROBE_DIR"], name + ".jsonl"), "a") as out:
        out.write(json.dumps([moment, gc.get_threshold()[0], gc.get_freeze_count() > 0]) + "\\n")


def pytest_configure(config):
    _note("configure")


def pytest_runtest_logreport(report):  # every process, xdist's controller too: the run's checks
    if not NOTED:
        NOTED.append(report)
        _note("checks")
'''

CHECKS = '''
import gc

from golive.registry import check


@check("gcprobe.alive")
def test_alive(target):
    assert gc.get_threshold()[0] < 100_000, gc.get_threshold()
'''

DEFAULT_THRESHOLD = 700
"""CPython's young-generation threshold in a fresh process."""


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_a_run_holds_the_collector_while_it_starts_and_restores_it_for_its_checks(
        tmp_path: Path, xdist: tuple[str, ...]) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "conftest.py").write_text(PROBE)
    (checks / "test_gcprobe.py").write_text(CHECKS)
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    probes = tmp_path / "probes"
    probes.mkdir()
    profile = {"name": "gc", "attestations": manual_attestations(),
               "targets": [{"name": f"t{i}", "url": f"https://t{i}.test"} for i in range(4)]}
    run = run_golive(profile, *xdist, tmp_path=tmp_path, checks=checks,
                     env={"GOLIVE_CATALOG_EXTRA": str(tmp_path / "catalog.yaml"), "GC_PROBE_DIR": str(probes)})
    assert run.returncode == 0, run.output
    assert "4 passed" in run.output
    notes = {path.stem: [json.loads(line) for line in path.read_text().splitlines()]
             for path in probes.glob("*.jsonl")}
    assert set(notes) == ({"main", "gw0", "gw1"} if xdist else {"main"})  # xdist's controller is "main"
    for process, seen in notes.items():
        assert seen == [["configure", STARTUP_THRESHOLD, True], ["checks", DEFAULT_THRESHOLD, True]], process


def test_a_run_that_stops_at_its_profile_gives_the_collector_back(pytester: pytest.Pytester) -> None:
    """In-process, as a tool that calls ``pytest.main`` would: a profile error ends the run before
    collection; the caller's thresholds are what they were."""
    before = gc.get_threshold()
    broken = pytester.path / "broken.yaml"
    broken.write_text("name: broken\ntargets: [{name: web, url: not-a-url}]\n")
    result = pytester.runpytest_inprocess("--profile", str(broken), "--report-dir", str(pytester.path / "reports"),
                                          "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert gc.get_threshold() == before


def test_a_run_without_golive_leaves_the_collector_alone(pytester: pytest.Pytester) -> None:
    before = gc.get_threshold()
    pytester.makepyfile(test_plain="import gc\n\ndef test_plain():\n    assert gc.get_threshold()[0] < 100_000\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert gc.get_threshold() == before
