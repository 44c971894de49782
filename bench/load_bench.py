"""Benchmark: golive's load stage vs bare locust, one process and distributed, same users/duration/server, one run.

    .venv/bin/python bench/load_bench.py [--users 10] [--duration 4] [--rounds 3] [--stop-trials 3]

Against one nginx on loopback (static 200 on /api/health), median of ``--rounds`` interleaved rounds
(the machine is shared, single runs are noisy):

1. bare locust, one process: a minimal script (Environment + create_local_runner + FastHttpUser, no
   wait), its own stats' total_rps;
2. golive's load stage, one process: ``golive.load.runner.run_load`` with a spec built from a profile
   target and ``checks.load`` (subprocess, scenarios user, CPU sampler, stop checks, CSV/HTML/summary);
3. bare locust distributed, driven by hand: the same script as a master (``create_master_runner``)
   and 2 worker processes (``create_worker_runner``), started, slept, quit;
4. golive with ``remote_workers: 2``: the master from ``run_load`` and two ``golive load-worker``
   processes that receive the spec and the locustfile from it (on loopback here; the self-tests put
   them in network namespaces);
5. golive with ``workers: 2`` (local worker processes, the same worker code).

Prints req/s for each and the ratios golive/bare (target >= 0.9) for one process and for 2 workers.
On a 2-core machine nginx shares the cores with the generators, so 2 workers gain little over one.

``--stop-trials N`` also measures how fast SIGINT and SIGTERM on golive (a pytest run of ``-m load``
with a 60 s duration) end every load process — master, local or remote workers — and release the
master's port: median and worst of N trials per case (issue 15.7 wants every case under 2 s).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from golive.load.runner import build_spec, run_load  # noqa: E402
from golive.profile import Target  # noqa: E402
from golive.settings.load import LoadSettings  # noqa: E402
from tests.servers.base import free_port  # noqa: E402
from tests.servers.nginx import start_nginx  # noqa: E402

BARE = textwrap.dedent("""
    import json, sys, time
    import gevent
    from locust import FastHttpUser, constant, task, events
    from locust.env import Environment

    mode, host, users, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])

    class Bare(FastHttpUser):
        host = host
        wait_time = constant(0)

        @task
        def health(self):
            self.client.get("/api/health")

    env = Environment(user_classes=[Bare], events=events)
    if mode == "worker":  # python bare_locust.py worker HOST USERS DURATION MASTER_PORT
        runner = env.create_worker_runner("127.0.0.1", int(sys.argv[5]))
        runner.greenlet.join()
        sys.exit(0)
    if mode == "master":  # python bare_locust.py master HOST USERS DURATION WORKERS
        import subprocess
        runner = env.create_master_runner("127.0.0.1", 0)
        workers = [subprocess.Popen([sys.executable, __file__, "worker", host, str(users), str(duration),
                                     str(runner.server.port)]) for _ in range(int(sys.argv[5]))]
        while runner.worker_count < len(workers):
            gevent.sleep(0.05)
    else:
        runner = env.create_local_runner()
    runner.start(users, spawn_rate=users * 10)
    gevent.sleep(duration)
    runner.quit()
    if mode == "master":
        for worker in workers:
            worker.wait(timeout=10)
    total = env.stats.total
    print(json.dumps({"requests": total.num_requests, "failures": total.num_failures, "rps": total.total_rps}))
""")


def bare(host: str, users: int, duration: float, workdir: Path, workers: int = 0) -> dict:
    script = workdir / "bare_locust.py"
    script.write_text(BARE)
    mode = ["master", host, str(users), str(duration), str(workers)] if workers else ["local", host, str(users),
                                                                                       str(duration)]
    done = subprocess.run([sys.executable, str(script), *mode], capture_output=True, text=True,
                          timeout=duration + 60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def golive_stage(host: str, users: int, duration: float, workdir: Path, tag: str, workers: int = 0,
                 remote: int = 0) -> dict:
    target = Target(name="bench", url=host)
    master = f"127.0.0.1:{free_port()}" if remote else None
    load = LoadSettings(users=users, spawn_rate=users * 10, duration=f"{duration}s", workers=workers,
                        remote_workers=remote, master_bind=master, thresholds=["p95 < 1s", "error_rate < 1%"])
    spec = build_spec(target, load, "/api/health", load.parsed_thresholds())
    agents = [subprocess.Popen([sys.executable, "-m", "golive.cli", "load-worker", "--master", master, "--runs", "1",
                                "--name", f"bench-{i + 1}"], stderr=subprocess.DEVNULL)
              for i in range(remote)] if master else []
    started = time.monotonic()
    try:
        run = run_load(spec, workdir / tag)
    finally:
        for agent in agents:
            try:
                agent.wait(timeout=10)
            except subprocess.TimeoutExpired:
                agent.kill()
    wall = time.monotonic() - started
    if not run.ok or run.summary is None:
        raise SystemExit(f"golive run failed: {run.error}")
    total = run.summary["total"]
    return {"requests": total["requests"], "failures": total["failures"], "rps": total["rps"], "wall_s": wall,
            "generator_cpu": run.summary["generator"]["cpu_avg"]}


def throughput(args: argparse.Namespace, host: str, workdir: Path) -> None:
    runs: dict[str, Callable[[int], dict]] = {
        "bare locust (1 process)": lambda r: bare(host, args.users, args.duration, workdir),
        "golive (1 process)": lambda r: golive_stage(host, args.users, args.duration, workdir, f"w0-{r}"),
        "bare locust master + 2 workers": lambda r: bare(host, args.users, args.duration, workdir, workers=2),
        "golive remote_workers: 2": lambda r: golive_stage(host, args.users, args.duration, workdir, f"r2-{r}",
                                                           remote=2),
        "golive workers: 2 (local)": lambda r: golive_stage(host, args.users, args.duration, workdir, f"w2-{r}",
                                                            workers=2),
    }
    seen: dict[str, list[dict]] = {name: [] for name in runs}
    for round_ in range(args.rounds):
        for name, measure in runs.items():
            seen[name].append(measure(round_))
    best = {name: sorted(found, key=lambda f: f["rps"])[len(found) // 2] for name, found in seen.items()}
    print(f"load bench: {args.users} users, {args.duration:g}s, nginx on loopback, "
          f"median of {args.rounds} interleaved rounds")
    for name, figures in best.items():
        extra = f", wall {figures['wall_s']:.1f}s, generator CPU {figures['generator_cpu']:.0f} %" \
            if "wall_s" in figures else ""
        spread = ", ".join(f"{f['rps']:,.0f}" for f in seen[name])
        print(f"  {name:<31} {figures['rps']:>8,.0f} req/s  [{spread}]  ({figures['requests']:,} requests, "
              f"{figures['failures']} failures{extra})")
    for label, ours, theirs in (("golive / bare locust, 1 process", "golive (1 process)", "bare locust (1 process)"),
                                ("golive remote_workers: 2 / bare master + 2", "golive remote_workers: 2",
                                 "bare locust master + 2 workers"),
                                ("golive workers: 2 / bare master + 2", "golive workers: 2 (local)",
                                 "bare locust master + 2 workers")):
        medians = best[ours]["rps"] / best[theirs]["rps"]
        # the same round's pair ran back to back: its ratio is less exposed to the shared machine's drift
        paired = statistics.median(a["rps"] / b["rps"] for a, b in zip(seen[ours], seen[theirs], strict=True))
        print(f"  {label + ':':<46} {medians:.2f}x of medians, {paired:.2f}x median of paired rounds "
              "(target >= 0.9x)")


def stop_latencies(args: argparse.Namespace, host: str, workdir: Path) -> None:
    """SIGINT/SIGTERM on a running ``-m load`` gate: seconds until every load process is gone."""
    from tests.harness import manual_attestations, start_golive
    from tests.loadstop import load_processes, stop_latency, wait_running

    cases = [(signum, kind) for signum in (signal.SIGINT, signal.SIGTERM) for kind in ("1 process", "workers: 2",
                                                                                       "remote_workers: 2")]
    found: dict[tuple[signal.Signals, str], list[float]] = {case: [] for case in cases}
    for trial in range(args.stop_trials):
        for signum, kind in cases:
            master = f"127.0.0.1:{free_port()}"
            load: dict[str, Any] = {"users": 4, "spawn_rate": 40, "duration": "60s", "thresholds": ["p95 < 1s"]}
            if kind == "workers: 2":
                load["workers"] = 2
            if kind.startswith("remote"):
                load.update(remote_workers=2, master_bind=master)
            profile = {"name": "stopbench", "environment": "staging", "targets": [{"name": "web", "url": host}],
                       "checks": {"load": load}, "attestations": manual_attestations()}
            agents = [subprocess.Popen([sys.executable, "-m", "golive.cli", "load-worker", "--master", master,
                                        "--runs", "1"], stderr=subprocess.DEVNULL, start_new_session=True)
                      for _ in range(2 if kind.startswith("remote") else 0)]
            where = workdir / f"stop-{trial}-{signum.name}-{kind[0]}"
            started = start_golive(profile, "-m", "load", tmp_path=where)
            try:
                process = started.process
                status = wait_running(started.report_dir, alive=lambda p=process: p.poll() is None)
                time.sleep(0.5)
                processes = load_processes([started.process.pid, *(a.pid for a in agents)])
                port = None
                if status.get("master"):
                    bound, _, number = status["master"].rpartition(":")
                    port = (bound, int(number))
                pid = started.process.pid

                def send(signum: signal.Signals = signum, pid: int = pid) -> None:
                    if signum == signal.SIGINT:
                        os.killpg(pid, signum)  # Ctrl-C: the terminal signals golive's process group
                    else:
                        os.kill(pid, signum)

                found[(signum, kind)].append(stop_latency(send, processes, port))
                started.finish(timeout=60)
            finally:
                for process in [started.process, *agents]:
                    if process.poll() is None:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
    print(f"stop latency: SIGINT/SIGTERM on a running `-m load` gate until every load process is gone and "
          f"the master's port released, {args.stop_trials} trials each (bound: 2 s)")
    for (signum, kind), seconds in found.items():
        print(f"  {signum.name:<7} {kind:<18} median {statistics.median(seconds):.2f}s  worst {max(seconds):.2f}s  "
              f"[{', '.join(f'{s:.2f}' for s in seconds)}]")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stop-trials", type=int, default=0, help="also measure stop latency (N trials per case)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="golive-load-bench-"))
    port = free_port()
    server = start_nginx(workdir / "nginx",
                         f"server {{ listen 127.0.0.1:{port}; keepalive_requests 1000000; "
                         f"location = /api/health {{ return 200 'ok'; }} }}", [port])
    host = f"http://127.0.0.1:{port}"
    try:
        if args.rounds:
            throughput(args, host, workdir)
        if args.stop_trials:
            stop_latencies(args, host, workdir)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
