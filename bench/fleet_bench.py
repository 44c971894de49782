"""A gate over a fleet vs a bare sslyze scan of it, and how the gate's cost grows with the fleet.

Usage: .venv/bin/python bench/fleet_bench.py [ROUNDS]   (default 3)

Starts ONE nginx with 160 HTTPS server blocks (``tests/servers/fleet.py``: each combines a TLS
variant of the TLS self-tests' lab with a header variant of the headers lab), two targets whose
health endpoint is proxied to an upstream answering after 800 ms, a listener that accepts and
never answers, and a closed port. Profiles: the first N blocks (N = 10, 40, 160) plus the two
slow, the silent and the closed target, ``timeout: 5s``, ``checks.smoke.latency.samples: 5`` (the
setting of the issue's 78 s measurement). Then, ROUNDS times, interleaved (the machine is shared;
its load drifts):

1. ``python -m sslyze --targets_in`` (full default scan) of the same 40 blocks: the raw tool;
2. golive ``-m "not load and not backup"`` on N = 40, 160 and 10 (a ``pytest`` subprocess, start-up,
   sign-off, Allure results and JUnit included), and on N = 40 without the silent target;

and prints medians of wall time and of CPU time (the process and its children; on a saturated
machine wall time follows the CPU share a process gets), the ratios the issue sets, and the
silent target's share: the summed durations of its checks (what it cost the checks' thread) and
the wall time it added (N = 40 with it minus without it).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_summary import record  # noqa: E402

from tests.servers.fleet import fleet_lab  # noqa: E402

TIMEOUT = 5.0
MARKEXPR = "not load and not backup"
SIZES = (10, 40, 160)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOLIVE_PROFILE", "PYTHONDONTWRITEBYTECODE")}
    return env  # byte-code caching on, as on users' machines


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall, CPU of the process and its children, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=_env(), capture_output=True, text=True, check=False, timeout=1800)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def golive(profile: Path, reports: Path) -> list[str]:
    return [sys.executable, "-m", "pytest", str(REPO / "checks"), "-p", "no:locust", "-p", "no:cacheprovider",
            "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), "--profile", str(profile),
            "--report-dir", str(reports), "-q", "--no-header", "-m", MARKEXPR]


def silent_share(junit: Path) -> float:
    """Summed durations of the silent target's checks (setup, call, teardown)."""
    total = 0.0
    for case in ET.parse(junit).iter("testcase"):
        if case.get("name", "").endswith("[silent]"):
            total += float(case.get("time", "0"))
    return total


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with fleet_lab(tmp / "lab", max(SIZES)) as lab:
            profiles = {}
            for n in SIZES:
                profiles[n] = tmp / f"fleet-{n}.yaml"
                profiles[n].write_text(yaml.safe_dump(
                    {"name": f"fleet-{n}", "timeout": f"{TIMEOUT:g}s", "targets": lab.targets(n),
                     "checks": {"smoke": {"latency": {"samples": 5}}}}))
            quiet = tmp / "fleet-40-no-silent.yaml"
            quiet.write_text(yaml.safe_dump({"name": "fleet-40-quiet", "timeout": f"{TIMEOUT:g}s",
                                             "targets": lab.targets(40, silent=False),
                                             "checks": {"smoke": {"latency": {"samples": 5}}}}))
            hosts = tmp / "hosts-40.txt"
            hosts.write_text(lab.sslyze_targets(40))
            commands = {
                "sslyze CLI, 40 hosts": [sys.executable, "-m", "sslyze", "--targets_in", str(hosts), "--quiet"],
                **{f"golive N={n}": golive(profiles[n], tmp / f"r{n}") for n in (40, 160, 10)},
                "golive N=40 without the silent target": golive(quiet, tmp / "rq"),
            }
            timed(commands["golive N=10"])  # warm the byte-code caches
            walls: dict[str, list[float]] = {k: [] for k in commands}
            cpus: dict[str, list[float]] = {k: [] for k in commands}
            shares: list[float] = []
            outcomes: dict[str, str] = {}
            for index in range(rounds):
                for label, command in commands.items():
                    wall, cpu, done = timed(command)
                    walls[label].append(wall)
                    cpus[label].append(cpu)
                    outcomes[label] = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
                    if label == "golive N=40":
                        shares.append(silent_share(tmp / "r40" / "junit.xml"))
                print(f"round {index + 1}/{rounds}: " + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in walls.items()),
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    print(f"\nfleet: one nginx, N HTTPS blocks + 2 slow-health + silent + closed; timeout {TIMEOUT:g}s; "
          f"medians of {rounds} interleaved rounds (wall / CPU incl. children)")
    for label in commands:
        print(f"  {label:40} {wall[label]:7.2f} s  / {cpu[label]:6.2f} s CPU   {outcomes[label][-70:]}")
    sslyze = "sslyze CLI, 40 hosts"
    ratio = wall["golive N=40"] / wall[sslyze]
    cpu_ratio = cpu["golive N=40"] / cpu[sslyze]
    growth = wall["golive N=160"] / wall["golive N=40"]
    share = statistics.median(shares)
    added = wall["golive N=40"] - wall["golive N=40 without the silent target"]
    print(f"  golive N=40 / sslyze CLI (same 40 hosts): {ratio:.2f}x wall (target <= 1.5x), {cpu_ratio:.2f}x CPU")
    print(f"  golive N=160 / N=40: {growth:.2f}x (target <= 3x; 4x the targets)")
    print(f"  silent target: its checks took {share:.2f} s in total (target <= one {TIMEOUT:g}s timeout); "
          f"wall added by it {added:+.2f} s")
    record("fleet: golive N=40 / sslyze CLI, 40 hosts (wall)", "<= 1.5x", f"{ratio:.2f}x (CPU {cpu_ratio:.2f}x)",
           ratio <= 1.5)
    record("fleet: golive N=160 / N=40 (wall)", "<= 3x", f"{growth:.2f}x", growth <= 3)
    record("fleet: silent target's checks, summed", f"<= {TIMEOUT:g} s (one timeout)",
           f"{share:.2f} s (wall added {added:+.1f} s)", share <= TIMEOUT)


if __name__ == "__main__":
    main()
