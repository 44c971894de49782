"""``smoke.auth_probes``: forged credentials are refused, a valid one is accepted (pure).

Every forged credential (none, malformed, expired, another key, ``alg: none``) must draw one of
``refuse`` (401/403); a 2xx/3xx to any of them is an authentication bypass. The control (a valid
token, when the profile gives the key) must be accepted, or the probes prove nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golive.verdict import Verdict, fail, ok


@dataclass(frozen=True)
class Outcome:
    """One probe's answer: probe name, what was sent (for messages), the status, control or not."""

    probe: str
    what: str
    status: int
    control: bool = False


def auth_probes(label: str, outcomes: Sequence[Outcome], refuse: Sequence[int], skipped: Sequence[str] = ()) -> Verdict:
    """Each forged credential refused; the control accepted; skipped probes named in the message."""
    refused = "/".join(map(str, refuse))
    expected = f"{refused} for every forged credential; 2xx/3xx for the valid control"
    problems: list[str] = []
    for o in outcomes:
        if o.control:
            if not 200 <= o.status < 400:
                problems.append(f"the valid control token was refused ({o.status}): the probes do not reach the "
                                "token check (path, header or claims?)")
        elif o.status not in refuse:
            bypass = 200 <= o.status < 400
            problems.append(f"{o.what} {'was accepted' if bypass else 'answered'} ({o.status})")
    observed = "; ".join(f"{o.probe} {o.status}" for o in outcomes)
    not_run = f"; not run: {', '.join(skipped)}" if skipped else ""
    if problems:
        return fail("auth-probe-bypass", f"{label}: " + "; ".join(problems) + not_run, observed, expected, score=-50)
    forged = [o for o in outcomes if not o.control]
    control = " and accepted the valid control" if any(o.control for o in outcomes) else ""
    return ok("auth-probes-refused", f"{label}: refused {len(forged)} forged credential(s) ({observed}){control}"
              f"{not_run}", observed, expected)
