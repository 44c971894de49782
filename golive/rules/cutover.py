"""``smoke.blue_green_cutover``: before the switch, the candidate is at least as good as live (pure).

The candidate (a target with ``compare_to: <live>``, usually the same URL reached through
``resolve``) must serve the expected new version, be healthy, and not be weaker than live on any
header or TLS rule: a rule that passes on live and fails on the candidate would be a regression the
moment traffic switches. A rule that fails on both is not the cutover's business (its own check
reports it). The comparison is a table (the evidence) and one verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from golive.verdict import Verdict, fail, ok


@dataclass(frozen=True)
class Side:
    """What golive observed of one colour. ``rules`` maps a checklist id to whether it passed (None:
    not observed or undecidable); ``error`` says why a whole part could not be observed."""

    name: str
    version: str | None = None
    healthy: bool | None = None
    health: str = ""
    rules: Mapping[str, bool | None] = field(default_factory=dict)
    grade: str | None = None
    score: int | None = None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One line of the diff table."""

    what: str
    live: str
    candidate: str
    finding: str = ""
    bad: bool = False


def _mark(value: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[value]


def _version_row(live: Side, candidate: Side, expected: str | None) -> tuple[Row, str | None]:
    seen = candidate.version or "(none)"
    if expected is None:
        return Row("version", live.version or "(none)", seen, "not judged: no expected version"), None
    if candidate.version is None or candidate.version.removeprefix("v") != expected.removeprefix("v"):
        problem = f"serves version {seen}, not the expected {expected}"
        return Row("version", live.version or "(none)", seen, problem, True), problem
    return Row("version", live.version or "(none)", seen, "expected"), None


def cutover(live: Side, candidate: Side, expected_version: str | None) -> Verdict:
    """The candidate serves ``expected_version``, is healthy, and no rule passes on live but fails on it."""
    expected = (f"candidate serves {expected_version or 'its release'}, healthy, no rule weaker than on "
                f"{live.name}")
    rows: list[Row] = []
    problems: list[str] = []
    row, problem = _version_row(live, candidate, expected_version)
    rows.append(row)
    if problem:
        problems.append(problem)
    health_finding = "" if candidate.healthy else "unhealthy"
    rows.append(Row("health", _mark(live.healthy), _mark(candidate.healthy), health_finding, not candidate.healthy))
    if not candidate.healthy:
        problems.append(f"is not healthy ({candidate.health})")
    weaker: list[str] = []
    for rule_id in sorted(set(live.rules) | set(candidate.rules)):
        before, after = live.rules.get(rule_id), candidate.rules.get(rule_id)
        finding = "weaker" if before is True and after is not True else ""
        rows.append(Row(rule_id, _mark(before), _mark(after), finding, bool(finding)))
        if finding:
            weaker.append(rule_id)
    if live.score is not None and candidate.score is not None:
        lower = candidate.score < live.score
        rows.append(Row("header grade", f"{live.grade} ({live.score})", f"{candidate.grade} ({candidate.score})",
                        "lower" if lower else "", lower))
        if lower and not weaker:
            weaker.append(f"header grade {candidate.grade} below {live.grade}")
    if weaker:
        problems.append(f"is weaker than {live.name} on {', '.join(weaker)} (pass on {live.name}, not on the "
                        "candidate)")
    for error in candidate.errors:
        problems.append(error)
    details = {"rows": [r.__dict__ for r in rows]}
    observed = "; ".join(f"{r.what}: {r.live} → {r.candidate}" for r in rows if r.bad) or "parity"
    if problems:
        return fail("cutover-candidate-not-ready", f"candidate of {live.name}: " + "; ".join(problems), observed,
                    expected, score=-20, **details)
    judged = len(rows) - 2
    version = f"serves {candidate.version}" if expected_version else \
        f"serves {candidate.version or '(no version)'} (version not judged: no expected_version)"
    return ok("cutover-ready", f"candidate of {live.name} {version}, healthy, and matches or beats it on "
              f"{judged} rules", observed, expected, **details)


def table(verdict: Verdict, live: str, candidate: str) -> str:
    """The diff table as Markdown (the evidence a release manager reads)."""
    lines = [f"| what | {live} (live) | {candidate} (candidate) | finding |", "| --- | --- | --- | --- |"]
    for row in verdict.details.get("rows", []):
        lines.append(f"| {row['what']} | {row['live']} | {row['candidate']} | {row['finding']} |")
    return "\n".join(lines) + "\n"
