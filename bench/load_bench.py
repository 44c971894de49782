"""Benchmark: golive's load stage vs a bare locust FastHttpUser run, same users/duration/server, one run.

    .venv/bin/python bench/load_bench.py [--users 10] [--duration 4] [--rounds 3]

Against one nginx on loopback (static 200 on /api/health), median of ``--rounds`` interleaved rounds
(the machine is shared, single runs are noisy):

1. bare locust: a minimal script (Environment + create_local_runner + FastHttpUser, no wait),
   in its own process, its own stats' total_rps;
2. golive's load stage: ``golive.load.runner.run_load`` with a spec built from a profile target and
   ``checks.load`` (subprocess, scenarios user, CPU sampler, stop checks, CSV/HTML/summary writing);
3. golive with ``workers: 1`` and ``workers: 2`` (master + worker processes).

Prints req/s for each, the golive/bare ratio (target >= 0.9) and the 2-vs-1 worker gain. On a
2-core machine nginx shares the cores with the generator, so the worker gain is bounded by that.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from golive.load.runner import build_spec, run_load  # noqa: E402
from golive.profile import Target  # noqa: E402
from golive.settings.load import LoadSettings  # noqa: E402
from tests.servers.base import free_port  # noqa: E402
from tests.servers.nginx import start_nginx  # noqa: E402

RUNS: dict[str, int | None] = {"bare locust": None, "golive (1 process)": 0, "golive workers: 1": 1,
                               "golive workers: 2": 2}
"""What to measure: None is bare locust, a number is golive with that many worker processes."""

BARE = textwrap.dedent("""
    import json, sys, time
    import gevent
    from locust import FastHttpUser, constant, task, events
    from locust.env import Environment

    host, users, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

    class Bare(FastHttpUser):
        host = host
        wait_time = constant(0)

        @task
        def health(self):
            self.client.get("/api/health")

    env = Environment(user_classes=[Bare], events=events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users * 10)
    gevent.sleep(duration)
    runner.quit()
    total = env.stats.total
    print(json.dumps({"requests": total.num_requests, "failures": total.num_failures,
                      "rps": total.total_rps}))
""")


def bare(host: str, users: int, duration: float, workdir: Path) -> dict:
    script = workdir / "bare_locust.py"
    script.write_text(BARE)
    done = subprocess.run([sys.executable, str(script), host, str(users), str(duration)], capture_output=True,
                          text=True, timeout=duration + 60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def golive_stage(host: str, users: int, duration: float, workers: int, workdir: Path, tag: str) -> dict:
    target = Target(name="bench", url=host)
    load = LoadSettings(users=users, spawn_rate=users * 10, duration=f"{duration}s", workers=workers,
                        thresholds=["p95 < 1s", "error_rate < 1%"])
    spec = build_spec(target, load, "/api/health", load.parsed_thresholds())
    started = time.monotonic()
    run = run_load(spec, workdir / tag)
    wall = time.monotonic() - started
    if not run.ok or run.summary is None:
        raise SystemExit(f"golive run failed: {run.error}")
    total = run.summary["total"]
    return {"requests": total["requests"], "failures": total["failures"], "rps": total["rps"], "wall_s": wall,
            "generator_cpu": run.summary["generator"]["cpu_avg"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="golive-load-bench-"))
    port = free_port()
    server = start_nginx(workdir / "nginx",
                         f"server {{ listen 127.0.0.1:{port}; keepalive_requests 1000000; "
                         f"location = /api/health {{ return 200 'ok'; }} }}", [port])
    host = f"http://127.0.0.1:{port}"
    seen: dict[str, list[dict]] = {name: [] for name in RUNS}
    try:
        for round_ in range(args.rounds):
            for name, workers in RUNS.items():
                if workers is None:
                    figures = bare(host, args.users, args.duration, workdir)
                else:
                    tag = f"w{workers}-{round_}"
                    figures = golive_stage(host, args.users, args.duration, workers, workdir, tag)
                seen[name].append(figures)
    finally:
        server.stop()
    best = {name: sorted(runs, key=lambda f: f["rps"])[len(runs) // 2] for name, runs in seen.items()}
    print(f"load bench: {args.users} users, {args.duration:g}s, nginx on loopback, "
          f"median of {args.rounds} interleaved rounds")
    for name, figures in best.items():
        extra = f", wall {figures['wall_s']:.1f}s, generator CPU {figures['generator_cpu']:.0f} %" \
            if "wall_s" in figures else ""
        spread = ", ".join(f"{f['rps']:,.0f}" for f in seen[name])
        print(f"  {name:<20} {figures['rps']:>9,.0f} req/s  [{spread}]  ({figures['requests']:,} requests, "
              f"{figures['failures']} failures{extra})")
    ratio = best["golive (1 process)"]["rps"] / best["bare locust"]["rps"]
    gain = best["golive workers: 2"]["rps"] / best["golive workers: 1"]["rps"]
    print(f"  golive / bare locust: {ratio:.2f}x (target >= 0.9x)")
    print(f"  2 workers / 1 worker: {gain:.2f}x")


if __name__ == "__main__":
    main()
