"""``signoff.md``: the sign-off for people — verdict and why, failures first, then everything."""

from __future__ import annotations

from typing import Any

_ICON = {"failed": "FAILED", "error": "ERROR", "advisory": "ADVISORY", "passed": "passed", "waived": "waived",
         "skipped": "skipped",
         "manual_pending": "PENDING (manual)", "attested": "attested", "not_applicable": "n/a",
         "not_run": "not run", "planned": "planned"}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(doc: dict[str, Any]) -> str:
    """Verdict and why, failed items first, the sign-off checklist, pending, expiring, waivers,
    attestations, every item, and the approval block to sign."""
    lines = [f"# golive sign-off: {doc['profile']} ({doc['environment']})", "",
             f"**Verdict: {doc['verdict']}**", "",
             f"Run: {doc['started_at']} → {doc['finished_at']}", ""]
    if doc["reasons"]:
        lines += ["## Why NO-GO", ""] + [f"- {_cell(r)}" for r in doc["reasons"]] + [""]
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in doc["counts"].items() if v)
    lines += [f"Items: {counts}", ""]

    bad = [i for i in doc["items"] if i["status"] in ("failed", "error")]
    if bad:
        lines += ["## Failed items", "", "| id | severity | subject | message |", "| --- | --- | --- | --- |"]
        for item in bad:
            for r in item["results"]:
                if r["status"] in ("failed", "error"):
                    lines.append(f"| {item['id']} | {item['severity']} | {_cell(r['subject'])} | "
                                 f"{_cell(r['message'])} |")
        lines.append("")

    notes = [(i["id"], r["subject"], n) for i in doc["items"] for r in i["results"] for n in r.get("notes", [])]
    if notes:  # e.g. "results unreliable: generator CPU at 97 %": a reader must see it next to the verdict
        lines += ["## Notes", "", "| id | subject | note |", "| --- | --- | --- |"]
        lines += [f"| {cid} | {_cell(subject)} | {_cell(note)} |" for cid, subject, note in notes]
        lines.append("")

    lines += _signoff_checklist(doc)

    pending = [i for i in doc["items"] if i["status"] == "manual_pending"]
    if pending:
        lines += ["## Manual items still pending", "", "| id | severity | title |", "| --- | --- | --- |"]
        lines += [f"| {i['id']} | {i['severity']} | {_cell(i['title'])} |" for i in pending]
        lines.append("")

    if doc.get("expiring_soon"):
        lines += ["## Expiring soon", "", "| when | what | |", "| --- | --- | --- |"]
        for e in doc["expiring_soon"]:
            lines.append(f"| {e['when']} | {_cell(e['what'])} | {'EXPIRED' if e.get('expired') else ''} |")
        lines.append("")

    if doc.get("waivers"):
        lines += ["## Waivers", "", "| check | reason | expires | status | used |",
                  "| --- | --- | --- | --- | --- |"]
        for w in doc["waivers"]:
            lines.append(f"| {w['check']} | {_cell(w['reason'])} | {w['expires']} | {w['status']} | "
                         f"{'yes' if w['used'] else 'no'} |")
        lines.append("")

    if doc.get("attestations"):
        lines += ["## Attestations", "", "| check | by | at | expires | note |",
                  "| --- | --- | --- | --- | --- |"]
        for a in doc["attestations"]:
            lines.append(f"| {a['check']} | {_cell(a['by'])} | {a['at']} | {a.get('expires') or ''} | "
                         f"{_cell(a.get('note') or '')} |")
        lines.append("")

    lines += ["## All items", "", "| id | title | severity | status | subjects |",
              "| --- | --- | --- | --- | --- |"]
    for item in doc["items"]:
        subjects = ", ".join(f"{r['subject']}: {r['status']}" for r in item["results"])
        metrics = "; ".join(f"{k}={v}" for r in item["results"] for k, v in (r.get("metrics") or {}).items())
        status = _ICON.get(item["status"], item["status"])
        lines.append(f"| {item['id']} | {_cell(item['title'])} | {item['severity']} | {status} "
                     f"| {_cell(subjects)}{(' — ' + _cell(metrics)) if metrics else ''} |")
    lines.append("")
    lines += _approval(doc)
    return "\n".join(lines)


def _signoff_checklist(doc: dict[str, Any]) -> list[str]:
    """The seeds' release sign-off checklist (the catalog's ``signoff.*`` items), ticked or not."""
    items = [i for i in doc["items"] if i["id"].startswith("signoff.")]
    if not items:
        return []
    lines = ["## Sign-off checklist", "", "| | item | severity | status | by | at |",
             "| --- | --- | --- | --- | --- | --- |"]
    for item in items:
        att = item.get("attestation") or {}
        tick = "[x]" if item["status"] in ("attested", "passed") else "[ ]"
        status = _ICON.get(item["status"], item["status"])
        lines.append(f"| {tick} | {item['id']}: {_cell(item['title'])} | {item['severity']} | {status} | "
                     f"{_cell(att.get('by', ''))} | {att.get('at', '')} |")
    lines.append("")
    return lines


def _approval(doc: dict[str, Any]) -> list[str]:
    """The approval block; blanks are left as underscores, to fill in by hand."""
    approval = doc.get("approval") or {}
    blank = "____________________"
    return ["## Approval", "",
            f"- Verdict: **{doc['verdict']}** (profile {doc['profile']}, {doc['environment']})",
            f"- Approved by: {_cell(approval.get('approved_by') or blank)}",
            f"- Date: {_cell(approval.get('date') or blank)}",
            f"- Version: {_cell(approval.get('version') or blank)}",
            "- Signature: " + blank, ""]
