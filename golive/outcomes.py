"""From test reports to per-check outcomes, and the controller-side recorder of them.

The worker side (the plugin's makereport hook) turns a report into a small JSON payload in
``user_properties``; pytest-xdist carries it to the controller, where ``Recorder`` (registered as a
plugin object, so its state lives on the session, not in module globals) collects the payloads and
writes the sign-off at the end of the session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from golive.evidence import NotApplicable
from golive.lifecycle import Interruption
from golive.profile import Profile, Waiver
from golive.redact import Redactor
from golive.signoff_model import RunScope
from golive.status import RESULT_RANK, Status

MESSAGE_LIMIT = 600


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, default=str)


def decode(value: str) -> dict[str, Any]:
    return json.loads(value)


def message_of(excinfo: pytest.ExceptionInfo[BaseException] | None, report: pytest.TestReport,
               redactor: Redactor) -> str:
    """The sentence a person reads: the assertion message, a skip reason, or the error's first line."""
    if excinfo is None:
        return ""
    value = excinfo.value
    if isinstance(value, pytest.skip.Exception):
        text = str(value.msg if hasattr(value, "msg") else value)
    elif isinstance(value, AssertionError):
        text = str(value).split("\nassert ", 1)[0].strip()
        if not text or text.startswith("assert "):
            text = "check failed: " + (str(value).splitlines() or ["assertion"])[0]
    else:
        first = str(value).strip().splitlines()
        text = f"{type(value).__name__}: {first[0] if first else ''}".rstrip(": ")
        if hasattr(value, "subject") and hasattr(value, "reason"):  # FetchError and friends
            text = str(value)
    text = redactor.text(text)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def redact_exception(exc: BaseException, redactor: Redactor) -> None:
    """Mask secrets inside the exception itself: other plugins (allure) format it after us."""
    try:
        exc.args = tuple(redactor.text(a) if isinstance(a, str) else a for a in exc.args)
    except (AttributeError, TypeError):
        return
    if isinstance(exc, pytest.skip.Exception) and isinstance(getattr(exc, "msg", None), str):
        exc.msg = redactor.text(exc.msg)


def redact_longrepr(longrepr: Any, redactor: Redactor) -> Any:
    """A report's longrepr with secrets masked, keeping its shape (a skip's is a (path, line, reason)
    tuple that pytest's terminal summary unpacks)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, reason = longrepr
        return (path, line, redactor.text(str(reason)))
    return redactor.text(str(longrepr))


def short_longrepr(report: pytest.TestReport, message: str, redactor: Redactor) -> Any:
    """A failed check shows its message, not a traceback into golive; other errors stay, redacted."""
    if report.when == "call" and report.longrepr is not None:
        text = str(report.longrepr)
        if "AssertionError" in text or "FetchError" in text:
            return message
    return redact_longrepr(report.longrepr, redactor) if report.longrepr is not None else None


def status_of(report: pytest.TestReport, call: pytest.CallInfo[None]) -> Status:
    """The golive status of one phase's report (advisory comes from the check's Evidence later)."""
    if report.skipped and call.excinfo is not None and isinstance(call.excinfo.value, NotApplicable):
        return Status.NOT_APPLICABLE
    if report.when in ("setup", "teardown"):
        if report.failed:
            return Status.ERROR
        if report.skipped:
            return Status.SKIPPED
        return Status.PASSED
    if report.passed:
        return Status.PASSED
    if report.skipped:
        return Status.SKIPPED
    return Status.FAILED


def active_waiver(profile: Profile, check_id: str, subject: str, today: date | None = None) -> Waiver | None:
    """The waiver that covers this failure now; expired waivers never waive."""
    for waiver in profile.waivers:
        if waiver.covers(check_id, subject) and not waiver.expired(today):
            return waiver
    return None


@dataclass
class Result:
    """One check on one subject, merged over its setup/call/teardown phases."""

    check_id: str
    subject: str
    nodeid: str
    status: Status = Status.NOT_RUN
    message: str = ""
    unreachable: bool = False
    metrics: dict[str, Any] = field(default_factory=dict)
    expiries: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def merge(self, payload: dict[str, Any]) -> None:
        status = Status(payload["status"])
        if payload["when"] == "teardown" and status is Status.PASSED:
            return
        if self.status is Status.NOT_RUN or RESULT_RANK.get(status, 0) >= RESULT_RANK.get(self.status, 0):
            self.status = status
            if payload.get("message"):
                self.message = payload["message"]
            self.unreachable = bool(payload.get("unreachable"))
        extra = payload.get("evidence")
        if extra:
            data = json.loads(extra)
            self.metrics.update(data.get("metrics", {}))
            self.expiries.extend(data.get("expiries", []))
            self.notes.extend(data.get("notes", []))


GROUP_PREFIX = "golive-"
"""Prefix of golive's xdist groups (one per subject); xdist appends ``@<group>`` to node ids."""


def plain_nodeid(nodeid: str) -> str:
    """The node id as pytest accepts it on the command line (without xdist's ``@golive-…`` suffix)."""
    head, sep, group = nodeid.rpartition("@")
    return head if sep and group.startswith(GROUP_PREFIX) else nodeid


class Recorder:
    """Controller-side collector of outcomes (a plugin object registered by golive's plugin)."""

    def __init__(self, profile: Profile, scope: RunScope | None = None) -> None:
        self.profile = profile
        self.scope = scope
        """What the run covers (command line, subjects, release, versions): the sign-off's ``run``."""
        self.started_at = datetime.now(UTC)
        self.results: dict[str, Result] = {}
        self.not_applicable: set[str] = set()
        self.collected_ids: set[str] = set()
        self.expected: set[str] = set()
        """Node ids xdist workers collected (known before their per-check details arrive)."""
        self.interruption: Interruption = Interruption()
        """The signal that stopped the run, if one did."""

    def collected(self, items: list[tuple[str, str, str]], not_applicable: set[str]) -> None:
        for check_id, subject, nodeid in items:
            nodeid = plain_nodeid(nodeid)
            self.collected_ids.add(check_id)
            self.results.setdefault(nodeid, Result(check_id, subject, nodeid))
        self.not_applicable |= not_applicable

    def record(self, nodeid: str, payload: dict[str, Any]) -> None:
        nodeid = plain_nodeid(nodeid)
        result = self.results.setdefault(nodeid, Result(payload["id"], payload["subject"], nodeid))
        result.merge(payload)

    def not_run(self) -> list[str]:
        """Checks collected for this run that never ran: ``check.id[subject]`` (or the node id
        when only xdist's collection report knows of it)."""
        missing = {f"{r.check_id}[{r.subject}]" if r.subject else r.check_id
                   for r in self.results.values() if r.status is Status.NOT_RUN}
        missing |= {plain_nodeid(n) for n in self.expected if plain_nodeid(n) not in self.results}
        return sorted(missing)

    def by_check(self) -> dict[str, list[Result]]:
        grouped: dict[str, list[Result]] = {}
        for result in self.results.values():
            if result.status is Status.NOT_RUN:
                continue
            grouped.setdefault(result.check_id, []).append(result)
        return grouped
