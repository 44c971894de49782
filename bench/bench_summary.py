"""The rows of ``make bench``'s summary table: each bench records its headline figures here.

``record(figure, target, measured, ok)`` appends one JSON line to the file named by the
environment variable ``GOLIVE_BENCH_SUMMARY`` (set by ``bench/run_all.py``); run on its own, a
bench records nothing and prints its usual report. ``ok`` is None for a figure without a target
(shown for scale).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SUMMARY_ENV = "GOLIVE_BENCH_SUMMARY"


def record(figure: str, target: str, measured: str, ok: bool | None) -> None:
    path = os.environ.get(SUMMARY_ENV)
    if not path:
        return
    row = {"bench": Path(sys.argv[0]).stem, "figure": figure, "target": target, "measured": measured, "ok": ok}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
