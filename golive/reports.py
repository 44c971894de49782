"""Test reports of failed checks without the traceback golive would throw away.

A check that fails concludes with ``evidence.judge`` (an ``AssertionError`` carrying the verdict's
sentence) or with an unreachable subject's error; golive's plugin replaces the report's traceback
with that one sentence. pytest formats the traceback first, though, and formatting parses the
source of every frame (``ast`` walks of whole modules): a fleet with a few hundred failing checks
spent seconds on text nobody saw. For those failures this module builds the report with the
sentence as its ``longrepr`` to begin with; the terminal, JUnit XML and Allure record exactly what
they recorded before. Other errors, and runs that ask for tracebacks (``--tb`` other than the
default, ``--showlocals``), keep pytest's full report.

``index_teardown_reports`` keeps the terminal's summary of those failures linear in the number of
checks (pytest's own lookup is quadratic).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from golive import outcomes


def _plain_failure(value: BaseException) -> bool:
    if isinstance(value, pytest.skip.Exception | pytest.fail.Exception):
        return False
    return (isinstance(value, AssertionError) or bool(getattr(value, "unreachable", False))
            or (hasattr(value, "subject") and hasattr(value, "reason")))


class ShortReports:
    """The ``pytest_runtest_makereport`` implementation for failed checks (a plugin object)."""

    def __init__(self, check_id: Any, redactor: Any) -> None:
        self.check_id = check_id
        self.redactor = redactor

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
        excinfo = call.excinfo
        if (call.when != "call" or excinfo is None or self.check_id not in item.stash
                or not _plain_failure(excinfo.value)):
            return None
        option = item.config.option
        if getattr(option, "tbstyle", "auto") != "auto" or getattr(option, "showlocals", False):
            return None
        message = outcomes.message_of(excinfo, None, self.redactor)  # type: ignore[arg-type]
        if not message:
            return None
        sentence = copy.copy(call)
        sentence.excinfo = message  # type: ignore[assignment]  # pytest takes a non-ExceptionInfo as the text
        return pytest.TestReport.from_item_and_call(item, sentence)


def index_teardown_reports(reporter: Any) -> bool:
    """Make the terminal's failure summary linear in the number of tests.

    For every failed test, pytest's summary looks up its teardown reports by scanning every report
    of the session (``TerminalReporter._get_teardown_reports``): failures × tests. A known cost
    (tenstorrent/tt-metal#55768 avoids it by changing ``-r`` and ``--tb``; golive cannot choose its
    users' flags). A fleet gate with 930 failures among 5,000 checks spent 5.9 s there after its last
    check, a tenth of the run. This gives the reporter the same lookup from an index built once,
    when the summary starts, from the same reports and with the same filter; it is rebuilt if
    reports are added. The reporter prints exactly what it printed before. Returns False (and
    changes nothing) when pytest has no such method any more."""
    if reporter is None or not callable(getattr(type(reporter), "_get_teardown_reports", None)):
        return False
    index: dict[str, list[Any]] = {}
    indexed = -1

    def teardown_reports(nodeid: str) -> list[Any]:
        nonlocal indexed
        count = len(reporter.stats.get("", ()))
        if count != indexed:
            index.clear()
            for report in reporter.getreports(""):  # pytest's own filter (no reports shown in pdb)
                if report.when == "teardown":
                    index.setdefault(report.nodeid, []).append(report)
            indexed = count
        return list(index.get(nodeid, ()))

    reporter._get_teardown_reports = teardown_reports
    return True
