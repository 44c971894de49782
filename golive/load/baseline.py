"""Relative thresholds' memory: the last GO run's load stats, kept under the report dir.

A run writes its summary as a *candidate* (``<report_dir>/load-baseline/<target>.candidate.json``);
at the end of the session the candidate becomes the baseline only if the load was a GO for that
target — every ``load.thresholds`` result of the target passed in the sign-off — so a release that
breached its thresholds never lowers the bar for the next one. (The whole sign-off's verdict is not
the criterion: a ``-m load`` run leaves unattested manual items that make it NO-GO by design.)
The first run has no baseline: relative thresholds pass with a note and the candidate is recorded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DIRNAME = "load-baseline"


def _safe(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", target)


def baseline_path(report_dir: Path, target: str) -> Path:
    return report_dir / DIRNAME / f"{_safe(target)}.json"


def candidate_path(report_dir: Path, target: str) -> Path:
    return report_dir / DIRNAME / f"{_safe(target)}.candidate.json"


def read_baseline(report_dir: Path, target: str) -> dict[str, Any] | None:
    """The stored baseline summary of ``target`` (None when absent or unreadable)."""
    path = baseline_path(report_dir, target)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def record_candidate(report_dir: Path, target: str, summary: dict[str, Any]) -> Path:
    """Keep this run's summary until the sign-off decides whether it becomes the baseline."""
    path = candidate_path(report_dir, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return path


def settle(report_dir: Path, passed_targets: set[str]) -> list[str]:
    """Promote the candidates of targets whose load passed, drop the others; the targets promoted."""
    folder = report_dir / DIRNAME
    promoted: list[str] = []
    if not folder.is_dir():
        return promoted
    passed = {_safe(t) for t in passed_targets}
    for candidate in sorted(folder.glob("*.candidate.json")):
        target = candidate.name.removesuffix(".candidate.json")
        if target in passed:
            candidate.replace(folder / f"{target}.json")
            promoted.append(target)
        else:
            candidate.unlink(missing_ok=True)
    return promoted


def passed_targets(report_dir: Path, check_id: str = "load.thresholds") -> set[str]:
    """Targets whose every ``check_id`` result passed in the sign-off just written."""
    from golive.signoff_model import SignOffError, read
    from golive.status import Status

    try:
        signoff = read(report_dir)
    except SignOffError:
        return set()
    statuses: dict[str, set[Status]] = {}
    item = signoff.item(check_id)
    for result in item.results if item else []:
        statuses.setdefault(result.subject, set()).add(result.status)
    return {subject for subject, seen in statuses.items() if seen == {Status.PASSED}}
