"""``signoff.md``: the sign-off for people — verdict and why, failures first, then everything."""

from __future__ import annotations

from typing import Any

from golive.signoff_model import SignOff, iso
from golive.status import Status

_ICON = {Status.FAILED: "FAILED", Status.ERROR: "ERROR", Status.ADVISORY: "ADVISORY", Status.PASSED: "passed",
         Status.WAIVED: "waived", Status.SKIPPED: "skipped", Status.MANUAL_PENDING: "PENDING (manual)",
         Status.ATTESTED: "attested", Status.NOT_APPLICABLE: "n/a", Status.NOT_RUN: "not run",
         Status.PLANNED: "planned"}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(doc: SignOff) -> str:
    """Verdict and why, failed items first, the sign-off checklist, pending, expiring, waivers,
    attestations, every item."""
    lines = [f"# golive sign-off: {doc.profile} ({doc.environment})", "",
             f"**Verdict: {doc.verdict}**", "",
             f"Run: {iso(doc.started_at)} → {iso(doc.finished_at)}", ""]
    if doc.reasons:
        lines += ["## Why NO-GO", ""] + [f"- {_cell(r)}" for r in doc.reasons] + [""]
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in doc.counts.items() if v)
    lines += [f"Items: {counts}", ""]

    bad = doc.in_status(Status.FAILED, Status.ERROR)
    if bad:
        lines += ["## Failed items", "", "| id | severity | subject | message |", "| --- | --- | --- | --- |"]
        for item in bad:
            for r in item.results_in(Status.FAILED, Status.ERROR):
                lines.append(f"| {item.id} | {item.severity} | {_cell(r.subject)} | {_cell(r.message)} |")
        lines.append("")

    notes = [(i.id, r.subject, n) for i in doc.items for r in i.results for n in (r.notes or [])]
    if notes:  # e.g. "results unreliable: generator CPU at 97 %": a reader must see it next to the verdict
        lines += ["## Notes", "", "| id | subject | note |", "| --- | --- | --- |"]
        lines += [f"| {cid} | {_cell(subject)} | {_cell(note)} |" for cid, subject, note in notes]
        lines.append("")

    lines += _signoff_checklist(doc)

    pending = doc.in_status(Status.MANUAL_PENDING)
    if pending:
        lines += ["## Manual items still pending", "", "| id | severity | title |", "| --- | --- | --- |"]
        lines += [f"| {i.id} | {i.severity} | {_cell(i.title)} |" for i in pending]
        lines.append("")

    if doc.expiring_soon:
        lines += ["## Expiring soon", "", "| when | what | |", "| --- | --- | --- |"]
        for e in doc.expiring_soon:
            lines.append(f"| {e.when} | {_cell(e.what)} | {'EXPIRED' if e.expired else ''} |")
        lines.append("")

    if doc.waivers:
        lines += ["## Waivers", "", "| check | reason | expires | status | used |",
                  "| --- | --- | --- | --- | --- |"]
        for w in doc.waivers:
            lines.append(f"| {w.check} | {_cell(w.reason)} | {w.expires} | {w.status} | "
                         f"{'yes' if w.used else 'no'} |")
        lines.append("")

    if doc.attestations:
        lines += ["## Attestations", "", "| check | by | at | expires | note |",
                  "| --- | --- | --- | --- | --- |"]
        for a in doc.attestations:
            lines.append(f"| {a.check} | {_cell(a.by)} | {a.at} | {a.expires or ''} | {_cell(a.note or '')} |")
        lines.append("")

    lines += ["## All items", "", "| id | title | severity | status | subjects |",
              "| --- | --- | --- | --- | --- |"]
    for item in doc.items:
        subjects = ", ".join(f"{r.subject}: {r.status}" for r in item.results)
        metrics = "; ".join(f"{k}={v}" for r in item.results for k, v in (r.metrics or {}).items())
        lines.append(f"| {item.id} | {_cell(item.title)} | {item.severity} | {_ICON.get(item.status, item.status)} "
                     f"| {_cell(subjects)}{(' — ' + _cell(metrics)) if metrics else ''} |")
    lines.append("")
    return "\n".join(lines)


def _signoff_checklist(doc: SignOff) -> list[str]:
    """The seeds' release sign-off checklist (the catalog's ``signoff.*`` items), ticked or not."""
    items = [i for i in doc.items if i.id.startswith("signoff.")]
    if not items:
        return []
    lines = ["## Sign-off checklist", "", "| | item | severity | status | by | at |",
             "| --- | --- | --- | --- | --- | --- |"]
    for item in items:
        att = item.attestation
        tick = "[x]" if item.status in (Status.ATTESTED, Status.PASSED) else "[ ]"
        lines.append(f"| {tick} | {item.id}: {_cell(item.title)} | {item.severity} | "
                     f"{_ICON.get(item.status, item.status)} | {_cell(att.by if att else '')} | "
                     f"{att.at if att else ''} |")
    lines.append("")
    return lines
