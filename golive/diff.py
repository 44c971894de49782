"""Drift between two sign-offs (staging vs production, yesterday vs today): items whose status differs.

Only statuses are compared (item status, and the status per subject when both runs have the
item), never messages or timings, which legitimately change between any two runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ABSENT = "absent"


def load(path: Path) -> dict[str, Any]:
    """A signoff.json (or a report dir holding one)."""
    if path.is_dir():
        path = path / "signoff.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "items" not in document or "verdict" not in document:
        raise ValueError(f"{path}: not a golive signoff.json (no items/verdict)")
    return document


def _subjects(item: dict[str, Any] | None) -> dict[str, str]:
    return {r["subject"]: r["status"] for r in (item or {}).get("results", [])}


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The differences, as plain data (the ``--json`` output)."""
    items_a = {i["id"]: i for i in a["items"]}
    items_b = {i["id"]: i for i in b["items"]}
    differences = []
    for check_id in [*items_a, *(i for i in items_b if i not in items_a)]:
        item_a, item_b = items_a.get(check_id), items_b.get(check_id)
        status_a = item_a["status"] if item_a else ABSENT
        status_b = item_b["status"] if item_b else ABSENT
        subjects_a, subjects_b = _subjects(item_a), _subjects(item_b)
        subjects = [{"subject": s, "a": subjects_a.get(s, ABSENT), "b": subjects_b.get(s, ABSENT)}
                    for s in sorted(set(subjects_a) | set(subjects_b))
                    if subjects_a.get(s, ABSENT) != subjects_b.get(s, ABSENT)]
        if status_a == status_b and not (subjects_a and subjects_b and subjects):
            continue
        meta = item_a or item_b or {}
        differences.append({"id": check_id, "title": meta.get("title", check_id),
                            "severity": meta.get("severity", ""), "a": status_a, "b": status_b,
                            "subjects": subjects})
    return {
        "a": _summary(a), "b": _summary(b),
        "verdict_differs": a["verdict"] != b["verdict"],
        "differences": differences,
    }


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    return {key: document.get(key) for key in ("profile", "environment", "finished_at", "verdict")}


def table(result: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
    """The human form: one line per differing item, per-subject details indented below it."""
    a, b = result["a"], result["b"]
    lines = [f"A: {name_a}: {a['profile']} ({a['environment']}) {a['finished_at']} verdict {a['verdict']}",
             f"B: {name_b}: {b['profile']} ({b['environment']}) {b['finished_at']} verdict {b['verdict']}"]
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
