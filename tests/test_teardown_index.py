"""The terminal's failure summary with golive's teardown-report index (``golive.reports``).

A real pytest run (pytester, subprocess) with many failing tests whose fixture prints while it
tears down: with the index, the terminal prints exactly what pytest prints without it (every
"Captured stdout teardown" section under its own failure, and under passes with ``-rA``), and
the session's reports are scanned once instead of once per failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = '''
import os

from golive.reports import index_teardown_reports

SCANS = []


def pytest_sessionstart(session):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("GOLIVE_TEST_INDEXED"):
        assert index_teardown_reports(reporter)
    real = reporter.getreports

    def counting(name):
        if name == "":
            SCANS.append(name)
        return real(name)

    reporter.getreports = counting


def pytest_unconfigure(config):
    print(f"SCANS OF ALL REPORTS: {len(SCANS)}")
'''

CHECKS = '''
import pytest


@pytest.fixture
def noisy(request):
    yield
    print(f"tearing down {request.node.name}")


@pytest.mark.parametrize("n", range(30))
def test_fails(noisy, n):
    assert n < 0, f"check {n} failed"


@pytest.mark.parametrize("n", range(30))
def test_passes(noisy, n):
    assert n >= 0
'''


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, indexed: bool) -> tuple[list[str], int]:
    monkeypatch.setenv("GOLIVE_TEST_INDEXED", "1" if indexed else "")
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-rA")
    outcome.assert_outcomes(passed=30, failed=30)
    lines = [re.sub(r" in [0-9.]+s", "", line) for line in outcome.outlines]
    scans = next(int(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("SCANS OF ALL REPORTS"))
    return [line for line in lines if not line.startswith("SCANS OF ALL REPORTS")], scans


def test_the_indexed_summary_prints_what_pytest_prints_scanning_the_reports_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_checks=CHECKS)
    plain, plain_scans = _run(pytester, monkeypatch, indexed=False)
    indexed, indexed_scans = _run(pytester, monkeypatch, indexed=True)
    assert indexed == plain
    assert sum("Captured stdout teardown" in line for line in plain) == 60  # 30 failures + 30 passes (-rA)
    assert "tearing down test_fails[29]" in plain
    assert plain_scans >= 60  # pytest: one scan of every report per failure and per pass
    assert indexed_scans == 1, indexed_scans


def test_nothing_changes_without_the_method() -> None:
    from golive.reports import index_teardown_reports

    class Reporter:  # a terminal reporter of a pytest without the method
        def __init__(self) -> None:
            self.stats: dict = {}

    assert index_teardown_reports(None) is False
    assert index_teardown_reports(Reporter()) is False


PROBE_PLUGIN = '''
import os


def pytest_collection_finish(session):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    with open(os.environ["INDEX_PROBE_OUT"], "w") as out:
        out.write("indexed" if "_get_teardown_reports" in vars(reporter) else "pytest's")
'''


def test_a_golive_run_gives_the_terminal_the_index(tmp_path: Path) -> None:
    from tests.harness import run_golive

    (tmp_path / "probe_index.py").write_text(PROBE_PLUGIN)
    out = tmp_path / "probe.txt"
    profile = {"name": "index", "environment": "staging", "timeout": "1s",
               "targets": [{"name": "web", "url": "http://127.0.0.1:9"}]}
    run = run_golive(profile, "-p", "probe_index", "-m", "headers", tmp_path=tmp_path,
                     env={"PYTHONPATH": str(tmp_path), "INDEX_PROBE_OUT": str(out)})
    assert run.report_dir.joinpath("signoff.json").is_file(), run.output[-2000:]
    assert out.read_text() == "indexed"
