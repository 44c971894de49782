"""Observatory-style grade from the header rules' verdicts (pure).

MDN's HTTP Observatory starts every site at 100, adds each test's score modifier, applies bonuses
(positive modifiers) only to sites that already score 90 or more, and maps the score to a letter.
golive does the same over its own rule verdicts so that a team can compare the number with the
Observatory's and set ``checks.headers.min_grade`` as a gate.
"""

from __future__ import annotations

from collections.abc import Mapping

from golive.settings.headers import GRADES
from golive.verdict import Verdict

GRADE_FLOORS: tuple[tuple[int, str], ...] = (
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
)


def letter(score: int) -> str:
    """The letter for a score (Observatory scale)."""
    for floor, grade in GRADE_FLOORS:
        if score >= floor:
            return grade
    return "F"


def score(verdicts: Mapping[str, Verdict]) -> int:
    """100 + penalties (+ bonuses when the penalised score is still ≥ 90), never below 0."""
    penalties = sum(v.score for v in verdicts.values() if v.score < 0)
    bonuses = sum(v.score for v in verdicts.values() if v.score > 0)
    total = 100 + penalties
    if total >= 90:
        total += bonuses
    return max(0, total)


def at_least(grade: str, minimum: str) -> bool:
    """True when ``grade`` is ``minimum`` or better."""
    return GRADES.index(grade) <= GRADES.index(minimum)


ADVISORY_BELOW = "A"
"""Grades below this are a finding (advisory) even when no ``min_grade`` gate is set."""


def grade(verdicts: Mapping[str, Verdict], min_grade: str | None = None) -> Verdict:
    """The grade verdict: fails below ``min_grade``; below A it is an advisory finding (never a
    plain pass); names the rules that cost the most."""
    total = score(verdicts)
    mark = letter(total)
    costs = sorted(((v.score, rid) for rid, v in verdicts.items() if v.score < 0))
    costly = ", ".join(f"{rid} {s}" for s, rid in costs) or "none"
    observed = f"{mark} (score {total})"
    details = {"grade": mark, "score": total, "modifiers": {rid: v.score for rid, v in verdicts.items()}}
    if min_grade is not None and not at_least(mark, min_grade):
        reason = f"header grade {mark} (score {total}) below the minimum {min_grade}; penalties: {costly}"
        return Verdict(False, "grade-below-minimum", reason, observed, f"{min_grade} or better", 0, details)
    expected = f"{min_grade} or better" if min_grade else "(no minimum set)"
    reason = f"header grade {mark} (score {total}; penalties: {costly})"
    if not at_least(mark, ADVISORY_BELOW):
        gate = f"the minimum {min_grade} is met" if min_grade else "no minimum set: checks.headers.min_grade"
        return Verdict(True, "grade-below-a", f"{reason}: below {ADVISORY_BELOW} ({gate})", observed, expected, 0,
                       details, "advisory")
    return Verdict(True, "grade", reason, observed, expected, 0, details)
