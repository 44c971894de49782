"""``signoff.md``: the sign-off for people, readable in two minutes.

The first screen holds the decision: verdict and why, the run's scope in a short header, blocking
failures (with their fix) before pending manual items. Then what does not block but is not a pass
(failures below the blocking severity, advisories), manual items, a per-category count of what
passed, not-applicable items in one line, metrics once, and every result in a folded details
section. The order comes from ``golive.signoff_view``, shared with the HTML index.
"""

from __future__ import annotations

from typing import Any

from golive.signoff_model import SignOff
from golive.signoff_view import (
    LABEL,
    Finding,
    View,
    build_view,
    completion,
    folded_not_applicable,
    manual_detail,
    scope_lines,
)
from golive.status import Status


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _finding(finding: Finding, fix: bool = True) -> list[str]:
    item, result = finding.item, finding.result
    category = f" [{result.category}]" if result.category and result.category != "product defect" else ""
    lines = [f"- **{item.id}** ({item.severity}) on **{result.subject}**{category}: {_cell(result.message or '-')}"]
    if fix and finding.remediation is not None:
        refs = " · ".join(f"<{url}>" for url in finding.remediation.references[:2])
        lines.append(f"  - Fix: {_cell(finding.remediation.fix)}" + (f" ({refs})" if refs else ""))
    return lines


def _findings(title: str, findings: list[Finding], fix: bool = True) -> list[str]:
    if not findings:
        return []
    lines = [f"## {title} ({len(findings)})", ""]
    seen: set[str] = set()
    for finding in findings:  # the fix once per item, under its first result that has one
        show = fix and finding.item.id not in seen and finding.remediation is not None
        lines += _finding(finding, fix=show)
        if show:
            seen.add(finding.item.id)
    return [*lines, ""]


def render(doc: SignOff) -> str:
    view = build_view(doc)
    lines = [f"# golive sign-off: {doc.profile} ({doc.environment}): {doc.verdict}", "",
             f"**Verdict: {doc.verdict}**: {view.headline[len(str(doc.verdict)) + 2:]}", ""]
    lines += [f"- {label}: {_cell(text)}" for label, text in scope_lines(doc)]
    lines += [f"- Items: {view.counts}", ""]
    if not doc.run.complete:  # never GO: say first how far the run got and what it did not check
        lines += [f"## Run not complete: {_cell(completion(doc))}", "", f"- {_cell(doc.reasons[0])}"]
        lines += [f"- not run: `{_cell(check)}`" for check in doc.run.not_run[:50]]
        if len(doc.run.not_run) > 50:
            lines.append(f"- … and {len(doc.run.not_run) - 50} more (signoff.json `run.not_run`)")
        lines.append("")
    lines += _findings("Blocking failures", view.blocking_failures)
    if view.blocking_manual:
        lines += [f"## Blocking: critical manual items not attested ({len(view.blocking_manual)})", ""]
        lines += [f"- **{i.id}**: {_cell(i.title)}" for i in view.blocking_manual]
        lines += ["", "Attest each in the profile's `attestations` (check, by, at, release), or, when it does "
                  "not apply here, with `status: not_applicable` and a `reason`.", ""]
    if doc.reasons and not (view.blocking_failures or view.blocking_manual):
        lines += ["## Why NO-GO", ""] + [f"- {_cell(r)}" for r in doc.reasons] + [""]
    if view.notes:  # e.g. "results unreliable: generator CPU at 97 %": next to the verdict
        lines += ["## Notes", ""]
        lines += [f"- {item.id} on {_cell(result.subject)}: {_cell(note)}" for item, result, note in view.notes]
        lines.append("")
    lines += _findings("Failures below the blocking severity", view.other_failures)
    lines += _findings("Advisories (findings that do not block)", view.advisories)
    lines += _findings("Waived", view.waived, fix=False)
    lines += _manual(view)
    lines += _expiring(doc)
    lines += _passed(view)
    lines += _metrics(view)
    lines += _waivers(doc)
    lines += _details(doc)
    lines += _fixes(view)
    lines += ["## Approval", "",
              "Approval is a separate record, never part of this file: `golive approve DIR --by NAME` writes "
              "approval.json and approval.md next to it (a NO-GO is refused unless `--override REASON`).", ""]
    return "\n".join(lines)


def _manual(view: View) -> list[str]:
    doc = view.doc
    if not view.manual and not doc.ignored_attestations:
        return []
    lines = ["## Manual items", "", "| | item | severity | status | detail |", "| --- | --- | --- | --- | --- |"]
    for item in view.manual:
        tick = {Status.ATTESTED: "[x]", Status.NOT_APPLICABLE: "n/a"}.get(item.status, "[ ]")
        lines.append(f"| {tick} | {item.id}: {_cell(item.title)} | {item.severity} | {LABEL[item.status]} | "
                     f"{_cell(manual_detail(item))} |")
    lines.append("")
    if doc.ignored_attestations:
        lines += ["Attestations that do not count for this run:", ""]
        lines += [f"- {a.check} by {_cell(a.by)} ({a.at}): {_cell(a.why)}" for a in doc.ignored_attestations]
        lines.append("")
    return lines


def _expiring(doc: SignOff) -> list[str]:
    if not doc.expiring_soon:
        return []
    lines = ["## Expiring soon", ""]
    lines += [f"- {e.when}: {_cell(e.what)}{' (EXPIRED)' if e.expired else ''}" for e in doc.expiring_soon]
    return [*lines, ""]


def _passed(view: View) -> list[str]:
    lines: list[str] = []
    if view.passed:
        lines += ["## Passed", "", "| category | items passed | results passed |", "| --- | --- | --- |"]
        lines += [f"| {category} | {ok} of {run} | {results} |" for category, ok, run, results in view.passed]
        lines.append("")
    if view.not_applicable:
        folded = "; ".join(f"{_cell(why)}: {', '.join(ids)}" for why, ids in folded_not_applicable(view))
        lines += [f"Not applicable ({len(view.not_applicable)}): {folded}", ""]
    counts = view.doc.counts
    rest = [f"{counts[s]} {LABEL[s]}{_REST[s]}" for s in _REST if counts.get(s)]
    if rest:
        lines += ["Also: " + ", ".join(rest) + ".", ""]
    return lines


_REST = {Status.SKIPPED: "", Status.NOT_RUN: " (deselected by -m, -k or a subject filter)",
         Status.PLANNED: " (not automated yet)"}


def _metrics(view: View) -> list[str]:
    if not view.metrics:
        return []
    lines = ["## Metrics", ""]
    lines += [f"- {item.id} on {_cell(subject)}: " + ", ".join(f"{k} {_cell(v)}" for k, v in metrics.items())
              for item, subject, metrics in view.metrics]
    return [*lines, ""]


def _waivers(doc: SignOff) -> list[str]:
    if not doc.waivers:
        return []
    lines = ["## Waivers", "", "| check | reason | expires | status | used |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {w.check} | {_cell(w.reason)} | {w.expires} | {w.status} | {'yes' if w.used else 'no'} |"
              for w in doc.waivers]
    return [*lines, ""]


def _details(doc: SignOff) -> list[str]:
    rows = [(item, r) for item in doc.items for r in item.results]
    if not rows:
        return []
    lines = ["## Details", "", f"<details><summary>Every result ({len(rows)})</summary>", "",
             "| item | subject | status | message |", "| --- | --- | --- | --- |"]
    lines += [f"| {item.id} | {_cell(r.subject)} | {LABEL.get(r.status, r.status)} | {_cell(r.message)} |"
              for item, r in rows]
    return [*lines, "", "</details>", ""]


def _fixes(view: View) -> list[str]:
    if not view.fixes:
        return []
    lines = ["## How to fix", ""]
    for item in view.fixes:
        assert item.remediation is not None
        lines += [f"### {item.id}", "", _cell(item.remediation.fix), ""]
        for kind, snippet in item.remediation.snippets.items():
            lines += [f"{kind}:", "", "```", snippet.rstrip("\n"), "```", ""]
        if item.remediation.references:
            lines += ["References: " + " · ".join(f"<{u}>" for u in item.remediation.references), ""]
    return lines
