"""``smoke.input_validation``: malformed input is refused with a 4xx, never a 5xx, never a trace (pure).

The seeds ask for "Schema validation enabled for all inputs" and "Request sanitization and
validation". A 2xx/3xx means bad input was accepted (and may have been written); a 5xx means it
reached code that did not expect it; a stack trace, debug page or version in the answer hands an
attacker the map; no answer within the timeout means the service hangs on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from golive.probes.inputs import Answer
from golive.rules.leaks import body_leaks
from golive.verdict import Verdict, fail, ok


def input_validation(label: str, answers: Sequence[Answer]) -> Verdict:
    """Every answer a 4xx without leaks; the failure lists each case with its status and leak."""
    expected = "4xx (400/413/415/422) for each, without stack trace, debug page or version"
    problems: list[str] = []
    for a in answers:
        if a.error:
            problems.append(f"{a.what}: no answer ({a.error})")
            continue
        leaks = body_leaks(a.text)
        if 200 <= a.status < 400:
            problems.append(f"{a.what}: accepted ({a.status})")
        elif a.status >= 500:
            problems.append(f"{a.what}: server error {a.status}")
        if leaks:
            problems.append(f"{a.what}: answer ({a.status}) shows {', '.join(leaks)}")
    observed = "; ".join(f"{a.case} {a.status or 'no answer'}" for a in answers)
    if problems:
        return fail("input-validation", f"{label}: " + "; ".join(problems), observed, expected, score=-20)
    slowest = max((a.elapsed for a in answers), default=0.0)
    return ok("input-validation-ok",
              f"{label}: refused {len(answers)} malformed request(s) ({observed}; slowest {slowest * 1000:.0f}ms)",
              observed, expected)
