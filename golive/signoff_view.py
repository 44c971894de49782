"""What a reader sees first, decided once for ``signoff.md`` and the HTML index.

A release manager reads the verdict and its reasons first (real failures before pending manual
items, titled apart), then findings that do not block (failures below the blocking severity,
advisories), then manual items, then a compact count of what passed, with the details last. Both
renderers take their sections from here, so the two documents cannot tell different stories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from golive.catalog import SEVERITIES
from golive.signoff_model import Item, Remediation, Result, RunState, SignOff, iso
from golive.status import Status

BAD = (Status.FAILED, Status.ERROR)
COUNT_ORDER = (Status.FAILED, Status.ERROR, Status.MANUAL_PENDING, Status.ADVISORY, Status.WAIVED, Status.PASSED,
               Status.ATTESTED, Status.NOT_APPLICABLE, Status.SKIPPED, Status.NOT_RUN, Status.PLANNED)
LABEL = {Status.FAILED: "FAILED", Status.ERROR: "ERROR", Status.ADVISORY: "ADVISORY", Status.PASSED: "passed",
         Status.WAIVED: "waived", Status.SKIPPED: "skipped", Status.MANUAL_PENDING: "PENDING (manual)",
         Status.ATTESTED: "attested", Status.NOT_APPLICABLE: "not applicable", Status.NOT_RUN: "not run",
         Status.PLANNED: "planned"}
"""How a status reads in a document: findings in capitals, never "passed" for anything else."""


@dataclass(frozen=True)
class Finding:
    """One result a reader must act on or know about, with the fix for its item."""

    item: Item
    result: Result

    @property
    def remediation(self) -> Remediation | None:
        """The item's fix, for a finding about the target only: a check that could not observe
        (error) or could not reach its target gets no product fix, which would mislead."""
        if self.result.status is Status.ERROR or self.result.category == "target unreachable":
            return None
        return self.item.remediation


@dataclass
class View:
    """The sign-off, sorted into what a reader needs, in reading order."""

    doc: SignOff
    headline: str
    blocking_failures: list[Finding] = field(default_factory=list)
    blocking_manual: list[Item] = field(default_factory=list)
    other_failures: list[Finding] = field(default_factory=list)
    advisories: list[Finding] = field(default_factory=list)
    notes: list[tuple[Item, Result, str]] = field(default_factory=list)
    waived: list[Finding] = field(default_factory=list)
    manual: list[Item] = field(default_factory=list)
    passed: list[tuple[str, int, int, int]] = field(default_factory=list)
    """(category, items passed, of items run, results passed) per category."""
    not_applicable: list[tuple[str, str]] = field(default_factory=list)
    """(item id, why) for automated items not applicable to this profile or its subjects."""
    metrics: list[tuple[Item, str, dict[str, Any]]] = field(default_factory=list)
    """(item, subject, metrics) once per item and subject, however many results carry them."""
    fixes: list[Item] = field(default_factory=list)
    """Items with findings whose remediation carries snippets (shown in full at the end)."""

    @property
    def counts(self) -> str:
        counts = self.doc.counts
        return ", ".join(f"{counts[s]} {LABEL[s].lower()}" for s in COUNT_ORDER if counts.get(s))


def _severity_key(item: Item) -> tuple[int, str]:
    rank = SEVERITIES.index(item.severity) if item.severity in SEVERITIES else len(SEVERITIES)
    return rank, item.id


def headline(doc: SignOff) -> str:
    """One sentence: the verdict and why."""
    if doc.go:
        return "GO: no blocking failure, every critical manual item attested or not applicable"
    failures, manual = len(doc.blocking_failures()), len(doc.blocking_manual())
    parts = []
    if not doc.run.complete:
        parts.append(completion(doc))
    if failures:
        parts.append(f"{failures} blocking failure{'s' if failures != 1 else ''}")
    if manual:
        parts.append(f"{manual} critical manual item{'s' if manual != 1 else ''} not attested")
    if not parts:
        parts = doc.reasons[:1] or ["see the reasons"]
    return "NO-GO: " + ", ".join(parts)


def completion(doc: SignOff) -> str:
    """How far the run got, in a few words (an incomplete run is never GO)."""
    run = doc.run
    if run.state is RunState.RUNNING:
        return f"the run (pid {run.pid}) has not finished — still running, or killed before its verdict"
    missing = f", {len(run.not_run)} check(s) not run" if run.not_run else ""
    if run.state is RunState.INTERRUPTED:
        return f"run interrupted by {run.interrupted_by}{missing}"
    return f"run incomplete{missing}"


def build_view(doc: SignOff) -> View:
    view = View(doc=doc, headline=headline(doc))
    passed: dict[str, list[int]] = {}
    for item in sorted(doc.items, key=_severity_key):
        for result in item.results:
            for note in result.notes or []:
                view.notes.append((item, result, note))
        bad = [Finding(item, r) for r in item.results_in(*BAD)]
        if item.blocking and item.status in BAD:
            view.blocking_failures += bad
        elif bad:
            view.other_failures += bad
        view.advisories += [Finding(item, r) for r in item.results_in(Status.ADVISORY)]
        view.waived += [Finding(item, r) for r in item.results_in(Status.WAIVED)]
        if item.mode == "manual":
            if item.blocking:
                view.blocking_manual.append(item)
            view.manual.append(item)
            continue
        if item.results and item.status not in (Status.NOT_APPLICABLE,):
            row = passed.setdefault(item.category, [0, 0, 0])
            row[0] += item.status is Status.PASSED
            row[1] += 1
            row[2] += len(item.results_in(Status.PASSED))
        if item.status is Status.NOT_APPLICABLE:
            why = item.note or "; ".join(dict.fromkeys(r.message for r in item.results if r.message)) or "-"
            view.not_applicable.append((item.id, why))
        view.metrics += _metrics_once(item)
        findings = [Finding(item, r) for r in item.results_in(*BAD, Status.ADVISORY, Status.WAIVED)]
        if any(f.remediation is not None and f.remediation.snippets for f in findings):
            view.fixes.append(item)
    view.manual.sort(key=lambda i: (_manual_rank(i), _severity_key(i)))
    view.passed = sorted((c, *counts) for c, counts in passed.items())  # type: ignore[misc]
    return view


def _metrics_once(item: Item) -> list[tuple[Item, str, dict[str, Any]]]:
    """The metrics of each subject of ``item`` once (every load threshold result carries the whole
    run's stats); per-result figures that differ (one latency per endpoint) stay with their
    messages in the details instead."""
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for result in item.results:
        if result.metrics:
            seen = by_subject.setdefault(result.subject, [])
            if result.metrics not in seen:
                seen.append(result.metrics)
    return [(item, subject, found[0]) for subject, found in by_subject.items() if len(found) == 1]


def folded_not_applicable(view: View) -> list[tuple[str, list[str]]]:
    """Not-applicable items grouped by their reason: one line each."""
    groups: dict[str, list[str]] = {}
    for check_id, why in view.not_applicable:
        groups.setdefault(why, []).append(check_id)
    return list(groups.items())


def _manual_rank(item: Item) -> int:
    return {Status.MANUAL_PENDING: 0, Status.ATTESTED: 1, Status.NOT_APPLICABLE: 2}.get(item.status, 3)


def scope_lines(doc: SignOff) -> list[tuple[str, str]]:
    """The run's scope as (label, text) pairs: release, time, selection, subjects, tools."""
    run = doc.run
    seconds = int((doc.finished_at - doc.started_at).total_seconds())
    release = f"{run.release} (from {run.release_source})" if run.release else "none given (--release)"
    selection = []
    if run.markers:
        selection.append(f'-m "{run.markers}"')
    if run.keyword:
        selection.append(f'-k "{run.keyword}"')
    for kind, names in run.subject_filters.items():
        selection.append(f"--golive-{kind.rstrip('s')} " + ", ".join(names))
    subjects = "; ".join(f"{s.name} {s.where}" for s in run.subjects) or "none"
    tools = ", ".join(f"{k} {v}" for k, v in run.versions.items())
    if run.git_sha:
        tools += f" (golive git {run.git_sha[:12]})"
    state = "" if run.complete else f"; {completion(doc)}"
    lines = [("Release", release),
             ("Run", f"{iso(doc.started_at)} → {iso(doc.finished_at)} ({_duration(seconds)}){state}"),
             ("Selection", " ".join(selection) or "every check (no -m, -k or subject filter)"),
             ("Subjects", subjects)]
    if tools:
        lines.append(("Tools", tools))
    return lines


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m {seconds:02d}s" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"


def manual_detail(item: Item) -> str:
    """Who attested the manual item and how, or what to do when nobody did."""
    att = item.attestation
    if item.status is Status.MANUAL_PENDING or att is None:
        return "not attested"
    release = f", release {att.release}" if att.release else ""
    expires = f", expires {att.expires}" if att.expires else ""
    if item.status is Status.NOT_APPLICABLE:
        return f"not applicable: {item.note}{release}"
    note = f": {att.note}" if att.note else ""
    return f"attested by {att.by} on {att.at}{release}{expires}{note}"
