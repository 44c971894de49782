"""Every bench, one after another, then one summary table: figure, target, measured, ok.

Usage: .venv/bin/python bench/run_all.py [--quick] [NAME ...]   (``make bench`` runs it)

Each bench runs as its own process (its full report scrolls by) and records its headline figures
through ``bench_summary.record``; the table at the end gathers them. ``--quick`` runs the long
ones smaller (fewer rounds, a smaller restore drill), for a first look; the targets are judged
on full runs. Names pick benches (``fleet``, ``tls``, ...). The machine is shared: every bench
interleaves its rounds and reports medians; run this when the machine is otherwise idle.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES: dict[str, tuple[list[list[str]], list[list[str]]]] = {
    # name: (full runs' arguments, quick runs' arguments)
    # plugin first: its Allure runs make thousands of files, which cost the kernel ten times more
    # right after thousands were deleted (as the fleet's clean-up does); see plugin_bench.py
    "plugin": ([["200", "9"], ["1000", "3"], ["2000", "3"]], [["200", "3"], ["2000", "1"]]),
    "fleet": ([["3"]], [["1"]]),
    "deadline": ([["3"]], [["3"]]),
    "gate": ([["5"]], [["2"]]),
    "headers": ([["200"]], [["50"]]),
    "tls": ([["10", "3"]], [["10", "1"]]),
    "load": ([[]], [["--duration", "3", "--rounds", "1"]]),
    "backup": ([[]], [["200000", "256"]]),
    "prereq": ([[]], [[]]),
}


def main() -> int:
    args = sys.argv[1:]
    quick = "--quick" in args
    chosen = [a for a in args if not a.startswith("--")] or list(BENCHES)
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        print(f"unknown bench(es): {', '.join(sorted(unknown))}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 4
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl", delete=False) as summary:
        path = Path(summary.name)
    keep = Path(tempfile.mkdtemp(prefix="golive-bench-keep-"))  # deleted after the last bench
    env = {**os.environ, "GOLIVE_BENCH_SUMMARY": str(path), "GOLIVE_BENCH_KEEP": str(keep)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-code caching on, as on users' machines
    took: dict[str, float] = {}
    for name in chosen:
        for bench_args in BENCHES[name][1 if quick else 0]:
            command = [sys.executable, str(HERE / f"{name}_bench.py"), *bench_args]
            print(f"\n=== {name}_bench {' '.join(bench_args)}", flush=True)
            start = time.perf_counter()
            done = subprocess.run(command, cwd=HERE.parent, env=env, check=False)
            took[f"{name} {' '.join(bench_args)}".strip()] = time.perf_counter() - start
            if done.returncode != 0:
                with path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"bench": f"{name}_bench", "figure": f"{name}_bench {' '.join(bench_args)}",
                                          "target": "runs", "measured": f"exit {done.returncode}", "ok": False}) + "\n")
    shutil.rmtree(keep, ignore_errors=True)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    path.unlink()
    print(table(rows, quick))
    print(f"(benches took {sum(took.values()) / 60:.1f} min; load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")
    return 0 if all(row["ok"] is not False for row in rows) else 1


def table(rows: list[dict], quick: bool) -> str:
    header = ("figure", "target", "measured", "ok")
    cells = [header] + [(r["figure"], r["target"], r["measured"],
                         {True: "yes", False: "NO", None: "-"}[r["ok"]]) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = ["", "summary" + (" (--quick: smaller runs, not the judged figures)" if quick else "")]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells[1:]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
