"""``python -m golive.load.run SPEC OUT_DIR``: one bounded locust run, locust used as a library.

Runs in its own process because importing locust monkey-patches the interpreter with gevent.
Steps: read the spec (``golive.load.runner`` wrote it) → map the target's hostname to ``resolve``
(like ``curl --resolve``: URL, Host header, SNI and certificate check keep the real name) → load
the user classes (default ``load/scenarios.py``, or the profile's ``locustfile``) → a local runner,
or a master plus N worker processes (``workers``) → start users → stop at the first of: duration,
``max_requests``, an ``abort`` threshold breached after its grace → write ``summary.json`` (from
locust's stats objects), locust's CSV and HTML report.

``python -m golive.load.run --worker SPEC MASTER_PORT`` is one worker process of a local
distributed run.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from golive.load import SPEC_ENV

TICK = 0.2
"""Seconds between checks of the stop conditions and CPU samples."""
WORKER_REPORT_INTERVAL = 0.5
"""Workers report stats this often (locust's default 3 s is longer than a short run)."""


def install_resolve(hostname: str, address: str) -> None:
    """Connect to ``address`` whenever the target's ``hostname`` is looked up, in this process only."""
    import gevent.socket

    original = gevent.socket.getaddrinfo
    wanted = hostname.lower()

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower().rstrip(".") == wanted:
            host = address
        return original(host, *args, **kwargs)

    gevent.socket.getaddrinfo = getaddrinfo
    socket.getaddrinfo = getaddrinfo


def user_classes(spec: dict[str, Any]) -> list[type]:
    """The user classes of the run: the locustfile's, tuned with the run's TLS and timeouts."""
    from locust.util.load_locustfile import load_locustfile

    from golive.load import users

    path = spec.get("locustfile")
    if path:
        found, _shapes = load_locustfile(path)
        classes = list(found.values())
        if not classes:
            raise RuntimeError(f"no locust User class in {path}")
    else:
        classes = [type("ProfileScenarios", (users.ProfileUser,), {"abstract": False})]
    for cls in classes:
        users.configure(cls, spec)
    return classes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup(spec_path: str) -> dict[str, Any]:
    os.environ[SPEC_ENV] = spec_path
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    import locust.runners

    locust.runners.WORKER_REPORT_INTERVAL = WORKER_REPORT_INTERVAL
    if spec.get("resolve") and spec.get("hostname"):
        install_resolve(spec["hostname"], spec["resolve"])
    return spec


def worker(spec_path: str, master_port: int) -> int:
    """One worker process: runs users for the master until told to quit."""
    spec = _setup(spec_path)
    from locust import events
    from locust.env import Environment

    env = Environment(user_classes=user_classes(spec), host=spec["host"], events=events)
    runner = env.create_worker_runner("127.0.0.1", master_port)
    runner.greenlet.join()
    return 0


def _abort_check(spec: dict[str, Any], stats: Any, elapsed: float) -> dict[str, Any] | None:
    """The first ``abort`` threshold breached after its grace period, if any."""
    from golive.load.summary import build_summary
    from golive.load.thresholds import parse_threshold
    from golive.rules.load import judge

    due = [t for t in (parse_threshold(a["text"], a["grace"]) for a in spec.get("aborts", []))
           if t.abort and elapsed >= t.grace]
    if not due or not stats.total.num_requests:
        return None
    snapshot = build_summary(stats)
    for threshold in due:
        if threshold.relative:
            continue
        verdict = judge(threshold, snapshot)
        if not verdict.passed and verdict.name == "load-threshold-breached":
            return {"threshold": threshold.text, "after_s": round(elapsed, 2), "observed": verdict.observed}
    return None


def main(spec_path: str, out_dir: str) -> int:
    """The master (or local) process: run, stop at the first bound, write the summary and reports."""
    spec = _setup(spec_path)
    import gevent
    from locust import events
    from locust.env import Environment
    from locust.html import get_html_report
    from locust.runners import STATE_STOPPED
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    from golive.load.sampler import CpuSampler
    from golive.load.summary import build_summary

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = Environment(user_classes=user_classes(spec), host=spec["host"], events=events, stop_timeout=2.0)
    workers = int(spec.get("workers", 0))
    procs: list[Any] = []
    sampler = CpuSampler([os.getpid()])
    if workers:
        import subprocess

        port = _free_port()
        runner: Any = env.create_master_runner("127.0.0.1", port)
        for _ in range(workers):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "golive.load.run", "--worker", spec_path, str(port)],
                env={**os.environ, SPEC_ENV: spec_path}))
        sampler.add(p.pid for p in procs)
        deadline = time.monotonic() + 30
        while runner.worker_count < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"only {runner.worker_count} of {workers} locust workers connected")
            gevent.sleep(0.05)
    else:
        runner = env.create_local_runner()
    env.events.init.fire(environment=env, runner=runner, web_ui=None)

    duration = float(spec["duration"])
    max_requests = int(spec["max_requests"])
    runner.start(int(spec["users"]), float(spec["spawn_rate"]))
    started = time.monotonic()
    stopped_by, aborted = "duration", None
    next_abort_check = 0.0
    while True:
        gevent.sleep(TICK)
        elapsed = time.monotonic() - started
        sampler.sample()
        if elapsed >= duration:
            break
        if env.stats.total.num_requests >= max_requests:
            stopped_by = "max_requests"
            break
        if elapsed >= next_abort_check:
            next_abort_check = elapsed + 0.5
            aborted = _abort_check(spec, env.stats, elapsed)
            if aborted:
                stopped_by = "abort"
                break
    elapsed = time.monotonic() - started
    runner.stop()
    if workers:
        deadline = time.monotonic() + 10
        while runner.state != STATE_STOPPED and time.monotonic() < deadline:
            gevent.sleep(0.05)
        gevent.sleep(WORKER_REPORT_INTERVAL)

    summary = build_summary(
        env.stats, target=spec.get("target"), host=spec["host"], users=spec["users"],
        spawn_rate=spec["spawn_rate"], duration_s=duration, elapsed_s=round(elapsed, 3), workers=workers,
        stopped_by=stopped_by, aborted=aborted,
        generator=sampler.summary(bool(getattr(runner, "cpu_warning_emitted", False))),
        files={"stats_csv": "locust_stats.csv", "failures_csv": "locust_failures.csv",
               "html": "locust_report.html"},
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    writer = StatsCSV(env, PERCENTILES_TO_REPORT)
    with open(out / "locust_stats.csv", "w", newline="", encoding="utf-8") as handle:
        writer.requests_csv(csv.writer(handle))
    with open(out / "locust_failures.csv", "w", newline="", encoding="utf-8") as handle:
        writer.failures_csv(csv.writer(handle))
    (out / "locust_report.html").write_text(get_html_report(env, show_download_link=False), encoding="utf-8")
    runner.quit()
    _end_workers(procs)
    return 0


def _end_workers(procs: list[Any], grace: float = 0.5) -> None:
    """Workers were told to quit; one that lingers (its stats are already in) is terminated by pid."""
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.05, deadline - time.monotonic()))
        except Exception:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except Exception:
                proc.kill()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--worker":
        sys.exit(worker(args[1], int(args[2])))
    if len(args) != 2:
        sys.exit("usage: python -m golive.load.run SPEC OUT_DIR | --worker SPEC MASTER_PORT")
    sys.exit(main(args[0], args[1]))
