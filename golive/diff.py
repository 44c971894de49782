"""Drift between two sign-offs (staging vs production, yesterday vs today): items whose status differs.

Only statuses are compared (item status, and the status per subject when both runs have the
item), never messages or timings, which legitimately change between any two runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.signoff_model import Item, SignOff, iso, read

ABSENT = "absent"
"""The "status" of an item or subject one of the two sign-offs does not have."""


def load(path: Path) -> SignOff:
    """A signoff.json (or a report dir holding one); ``SignOffError`` (a ValueError) when unusable."""
    return read(path)


def _subjects(item: Item | None) -> dict[str, str]:
    return {r.subject: str(r.status) for r in (item.results if item else [])}


def compare(a: SignOff, b: SignOff) -> dict[str, Any]:
    """The differences, as plain data (the ``--json`` output)."""
    items_a = {i.id: i for i in a.items}
    items_b = {i.id: i for i in b.items}
    differences = []
    for check_id in [*items_a, *(i for i in items_b if i not in items_a)]:
        item_a, item_b = items_a.get(check_id), items_b.get(check_id)
        status_a = str(item_a.status) if item_a else ABSENT
        status_b = str(item_b.status) if item_b else ABSENT
        subjects_a, subjects_b = _subjects(item_a), _subjects(item_b)
        subjects = [{"subject": s, "a": subjects_a.get(s, ABSENT), "b": subjects_b.get(s, ABSENT)}
                    for s in sorted(set(subjects_a) | set(subjects_b))
                    if subjects_a.get(s, ABSENT) != subjects_b.get(s, ABSENT)]
        if status_a == status_b and not (subjects_a and subjects_b and subjects):
            continue
        meta = item_a or item_b
        differences.append({"id": check_id, "title": meta.title if meta else check_id,
                            "severity": meta.severity if meta else "", "a": status_a, "b": status_b,
                            "subjects": subjects})
    return {
        "a": _summary(a), "b": _summary(b),
        "verdict_differs": a.verdict != b.verdict,
        "differences": differences,
    }


def _summary(document: SignOff) -> dict[str, Any]:
    return {"profile": document.profile, "environment": document.environment,
            "finished_at": iso(document.finished_at), "verdict": str(document.verdict),
            "release": document.run.release}


def table(result: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
    """The human form: one line per differing item, per-subject details indented below it."""
    a, b = result["a"], result["b"]
    lines = [f"{label}: {name}: {s['profile']} ({s['environment']}) {s['finished_at']} verdict {s['verdict']}"
             + (f", release {s['release']}" if s.get("release") else "")
             for label, name, s in (("A", name_a, a), ("B", name_b, b))]
    diffs = result["differences"]
    if not diffs:
        lines.append("no drift: every item has the same status in both sign-offs")
        return "\n".join(lines) + "\n"
    width = max(len(d["id"]) for d in diffs)
    lines += ["", f"{'id':{width}}  {'severity':9} {'A':16} B",
              f"{'-' * width}  {'-' * 9} {'-' * 16} {'-' * 16}"]
    for d in diffs:
        lines.append(f"{d['id']:{width}}  {d['severity']:9} {d['a']:16} {d['b']}")
        for s in d["subjects"]:
            lines.append(f"{'':{width}}    {s['subject']}: {s['a']} -> {s['b']}")
    lines.append("")
    verdict = "; the verdict differs" if result["verdict_differs"] else ""
    lines.append(f"{len(diffs)} item(s) differ{verdict}")
    return "\n".join(lines) + "\n"
