"""Test reports of failed checks without the traceback golive would throw away.

A check that fails concludes with ``evidence.judge`` (an ``AssertionError`` carrying the verdict's
sentence) or with an unreachable subject's error; golive's plugin replaces the report's traceback
with that one sentence. pytest formats the traceback first, though, and formatting parses the
source of every frame (``ast`` walks of whole modules): a fleet with a few hundred failing checks
spent seconds on text nobody saw. For those failures this module builds the report with the
sentence as its ``longrepr`` to begin with; the terminal, JUnit XML and Allure record exactly what
they recorded before. Other errors, and runs that ask for tracebacks (``--tb`` other than the
default, ``--showlocals``), keep pytest's full report.
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
