"""The one vocabulary of outcomes, and the one place that says which outcomes block a release.

Every module that reads or writes a sign-off (JSON, Markdown, HTML index, diff, verdict, bundle,
load baselines) uses ``Status``, never string literals: a status a reader does not know is a bug,
not a new word. ``Status`` is a ``StrEnum`` so that it serialises as the plain string the
``signoff.json`` contract shows.

How pytest's own outcome maps to these (so that a plain ``pytest`` run stays meaningful):

===================  ==========================================================================
golive status        pytest outcome
===================  ==========================================================================
``passed``           passed
``advisory``         passed, with a ``GoliveAdvisory`` warning carrying the finding
``not_applicable``   skipped, reason "not applicable: ..."
``waived``           xfailed (skipped with ``wasxfail`` "waived until ...")
``skipped``          skipped
``failed``           failed
``error``            error (set-up or tear-down failed, or the check could not observe)
===================  ==========================================================================
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Status of one result (a check on one subject) or of one checklist item."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    ADVISORY = "advisory"
    """The check ran and found something below its blocking severity: a finding, never a pass."""
    NOT_APPLICABLE = "not_applicable"
    """The property cannot exist here (no plain-HTTP listener, no OCSP responder): has a reason."""
    SKIPPED = "skipped"
    WAIVED = "waived"
    MANUAL_PENDING = "manual_pending"
    ATTESTED = "attested"
    NOT_RUN = "not_run"
    PLANNED = "planned"


RESULT_RANK: dict[Status, int] = {
    Status.FAILED: 7,
    Status.ERROR: 6,
    Status.ADVISORY: 5,
    Status.WAIVED: 4,
    Status.PASSED: 3,
    Status.SKIPPED: 2,
    Status.NOT_APPLICABLE: 1,
    Status.NOT_RUN: 0,
}
"""Worst first: an item's status is the highest-ranked status among its results."""

BLOCKING_SEVERITIES: frozenset[str] = frozenset({"critical", "high"})
"""Severities whose failures and errors make the verdict NO-GO."""

FINDINGS: frozenset[Status] = frozenset({Status.FAILED, Status.ERROR, Status.ADVISORY})
"""Statuses that are shown as findings (with their message), never as a pass."""


def worst(statuses: list[Status] | list[str]) -> Status:
    """The item status of several results: failed > error > advisory > waived > passed > skipped > n/a."""
    return max((Status(s) for s in statuses), key=lambda s: RESULT_RANK.get(s, 0), default=Status.NOT_RUN)


def blocks(severity: str, status: Status | str) -> bool:
    """Whether an item of ``severity`` in ``status`` makes the verdict NO-GO.

    The rules, written once (the README's "Verdict" section repeats them):
    - a critical or high item that failed or errored blocks;
    - a critical manual item that nobody attested (``manual_pending``) blocks;
    - advisory findings, waived failures, not-applicable items and everything of medium, low or
      advisory severity never block.
    """
    status = Status(status)
    if status in (Status.FAILED, Status.ERROR):
        return severity in BLOCKING_SEVERITIES
    if status is Status.MANUAL_PENDING:
        return severity == "critical"
    return False
