"""Benchmark: the full demo gate (``golive demo``) wall time, and what it costs beyond pytest's start-up.

Figures printed (median of REPEATS, interleaved so machine load affects both alike):
- ``python -m pytest --version``: the interpreter and pytest start-up every gate pays;
- ``golive demo``: demo target + demo database start, every check of profiles/demo.yaml (smoke,
  headers, TLS scan, prerequisites, 3 s load stage, backup restore drill), sign-off;
- the gate's time beyond that start-up, and the ratio.

Run: ``.venv/bin/python bench/demo_bench.py [REPEATS]``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("GOLIVE_PROFILE", "PYTHONDONTWRITEBYTECODE")}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return took


def main(repeats: int = 3) -> None:
    golive = str(Path(sys.executable).with_name("golive"))
    version_times, demo_times = [], []
    with tempfile.TemporaryDirectory(prefix="golive-demo-bench-") as tmp:
        timed([sys.executable, "-m", "pytest", "--version"])  # warm the file cache
        for index in range(repeats):
            version_times.append(timed([sys.executable, "-m", "pytest", "--version"]))
            demo_times.append(timed([golive, "demo", "--report-dir", f"{tmp}/r{index}"]))
    start_up, gate = statistics.median(version_times), statistics.median(demo_times)
    print(f"median of {repeats}")
    print(f"  pytest --version start-up: {start_up:6.2f} s")
    print(f"  golive demo (full gate)  : {gate:6.2f} s")
    print(f"  beyond start-up          : {gate - start_up:6.2f} s  ({gate / start_up:.0f}x the start-up)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
