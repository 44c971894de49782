"""The one result type every rule returns.

Rules are pure functions (observation in, ``Verdict`` out). Keeping the observed and the expected
value as separate fields — not only inside a sentence — lets every domain build its failure
messages the same way and lets the sign-off and the header grade reuse them (MDN Observatory style:
a machine name, a pass flag, a score modifier and a human sentence).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from golive.status import Status

Kind = Literal["pass", "fail", "advisory", "not_applicable"]


@dataclass(frozen=True)
class Verdict:
    """Outcome of one rule on one observation.

    ``name`` is a short machine name (``hsts-max-age-too-low``); ``reason`` is the human sentence;
    ``observed``/``expected`` are what was seen and what the policy wants (strings, for messages);
    ``score`` is a score modifier (0 when passing, negative when failing) used by grades.

    ``kind`` says what the verdict means for the sign-off: ``pass``/``fail``, ``advisory`` (the rule
    found something below its blocking severity: ``passed`` stays True so that pytest passes, but
    the sign-off shows a finding, never a pass) or ``not_applicable`` (the property cannot exist
    here; ``reason`` says why). Left out, it follows ``passed``.
    """

    passed: bool
    name: str
    reason: str
    observed: str | None = None
    expected: str | None = None
    score: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    kind: Kind | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", "pass" if self.passed else "fail")

    @property
    def status(self) -> Status:
        """The sign-off status this verdict gives its result."""
        return {"pass": Status.PASSED, "fail": Status.FAILED, "advisory": Status.ADVISORY,
                "not_applicable": Status.NOT_APPLICABLE}[self.kind or "pass"]

    @property
    def message(self) -> str:
        """The sentence shown in assertion failures and the sign-off.

        Shape: ``<reason> (observed: X; expected: Y)`` — fields are omitted when absent or already
        spelled out in the reason.
        """
        parts: list[str] = []
        if self.observed is not None and self.observed not in self.reason:
            parts.append(f"observed: {self.observed}")
        if self.expected is not None and self.expected not in self.reason:
            parts.append(f"expected: {self.expected}")
        return f"{self.reason} ({'; '.join(parts)})" if parts else self.reason

    def about(self, subject: str) -> Verdict:
        """The same verdict with the subject's name in front of the reason ("web: ...")."""
        if self.reason.startswith(f"{subject}: "):
            return self
        return Verdict(self.passed, self.name, f"{subject}: {self.reason}", self.observed,
                       self.expected, self.score, self.details, self.kind)


def ok(name: str, reason: str, observed: str | None = None, expected: str | None = None,
       **details: Any) -> Verdict:
    """A passing verdict."""
    return Verdict(True, name, reason, observed, expected, 0, dict(details))


def fail(name: str, reason: str, observed: str | None = None, expected: str | None = None,
         score: int = -10, **details: Any) -> Verdict:
    """A failing verdict; ``score`` is the grade modifier (negative)."""
    return Verdict(False, name, reason, observed, expected, score, dict(details))


def advisory(name: str, reason: str, observed: str | None = None, expected: str | None = None,
             score: int = 0, **details: Any) -> Verdict:
    """A finding below the item's blocking severity: pytest passes, the sign-off shows ``advisory``."""
    return Verdict(True, name, reason, observed, expected, score, dict(details), "advisory")


def not_applicable(name: str, reason: str, observed: str | None = None, **details: Any) -> Verdict:
    """The property cannot exist on this subject; ``reason`` says why (shown in the sign-off)."""
    return Verdict(True, name, reason, observed, None, 0, dict(details), "not_applicable")


def combine(name: str, verdicts: Iterable[Verdict], passing_reason: str) -> Verdict:
    """Fold several verdicts (e.g. one per cookie or per directive) into one.

    Fails when any part fails; the reason lists every failing part so that one run shows all
    defects, not only the first. Without failures, advisory parts make an advisory verdict that
    lists them; otherwise it passes with ``passing_reason``.
    """
    items = list(verdicts)
    failed = [v for v in items if not v.passed]
    if not failed:
        findings = [v for v in items if v.kind == "advisory"]
        if findings:
            return advisory(name, "; ".join(v.message for v in findings), score=sum(v.score for v in findings),
                            parts=[v.name for v in findings])
        return ok(name, passing_reason)
    reason = "; ".join(v.message for v in failed)
    return Verdict(False, name, reason, None, None, sum(v.score for v in failed),
                   {"parts": [v.name for v in failed]})
