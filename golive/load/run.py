"""``python -m golive.load.run SPEC OUT_DIR``: one bounded locust run, locust used as a library.

Runs in its own process because importing locust monkey-patches the interpreter with gevent.
Steps: read the spec (``golive.load.runner`` wrote it) → activate it (``resolve``, the user classes:
default ``load/scenarios.py`` or the profile's ``locustfile``) → a local runner, or a locust master
that starts ``workers`` local worker processes and waits (``worker_wait``, with progress) for
``remote_workers`` ``golive load-worker`` processes on other machines → start users → stop at the
first of: duration, ``max_requests``, an ``abort`` threshold breached after its grace, every worker
lost, SIGINT/SIGTERM, or the golive process gone → write ``summary.json`` (from locust's stats
objects, with per-worker facts), locust's CSV and HTML report.

Exit status 0 when a summary was written (also for an interrupted run: ``stopped_by:
"interrupted"``), :data:`EXIT_NO_WORKERS` when the workers did not all come (``error.json`` says
how many did; no load was sent).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.load.address import Endpoint, parse_endpoint

TICK = 0.2
"""Seconds between checks of the stop conditions and CPU samples (a signal wakes the loop at once)."""
LOCAL_WORKER_WAIT = 30.0
"""Seconds local worker processes get to start and connect."""
EXIT_NO_WORKERS = 3
FINAL_STATS_WAIT = 0.8
"""Seconds an interrupted master waits for its workers' last stats (``generator.workers[].final_report``
says whose came): with the reports after it, well inside the 1.5 s before golive kills the group."""
STATUS_FILE = "status.json"
"""The run's phase for the pytest side's progress line (``waiting``: connected/expected; ``running``:
requests so far, refreshed every second)."""
ERROR_FILE = "error.json"


class Stop:
    """Why the run must end now (a signal, or golive gone), as a gevent event the loop waits on."""

    def __init__(self) -> None:
        from gevent.event import Event

        self.event = Event()
        self.reason: str | None = None
        self.signal: str | None = None

    def on_signal(self, signum: int) -> None:
        self.signal = signal.Signals(signum).name
        self.set(f"interrupted by {self.signal}")

    def set(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.event.set()

    def wait(self, seconds: float) -> bool:
        return bool(self.event.wait(seconds))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    temporary.replace(path)


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
        if not verdict.passed and verdict.name in ("load-threshold-breached", "load-requests-failed"):
            return {"threshold": threshold.text, "after_s": round(elapsed, 2), "observed": verdict.observed}
    return None


def _start_local_workers(master: Endpoint, count: int, key: str | None) -> list[subprocess.Popen[bytes]]:
    """Local worker processes: the same worker as on other machines, connected over loopback."""
    from golive.load.seal import KEY_ENV

    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    if key:
        env[KEY_ENV] = key
    return [subprocess.Popen([sys.executable, "-m", "golive.load.worker", "--master", str(master), "--local",
                              "--name", f"local-{i + 1}"], env=env) for i in range(count)]


def _missing_workers(spec: dict[str, Any], fleet: Any, master: Endpoint, local: int, remote: int) -> str:
    """The error when the workers did not all come: how many did, who, what to do."""
    came_remote, came_local = fleet.connected(local=False), fleet.connected(local=True)
    wait = float(spec.get("worker_wait", 60))
    parts = []
    if came_remote < remote:
        parts.append(
            f"only {came_remote} of {remote} remote workers connected to the load master at {master} within "
            f"{wait:g}s (connected: {fleet.describe()}); the load did not run: golive never judges thresholds "
            f"at a lower load than the profile asks. Start `golive load-worker --master {master}` on "
            f"{remote - came_remote} more machine(s) that can reach {master}, or lower checks.load.remote_workers")
    if came_local < local:
        parts.append(f"only {came_local} of {local} local worker processes connected")
    if fleet.refused:
        parts.append("refused: " + "; ".join(fleet.refused.values()))
    return "; ".join(parts)


@dataclass
class Generators:
    """What generates the load: a local runner, or locust's master with its fleet of workers."""

    runner: Any
    fleet: Any = None
    master: Endpoint | None = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)


def main(spec_path: str, out_dir: str) -> int:
    """The master (or local) process: run, stop at the first bound, write the summary and reports."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    import gevent
    from locust import events
    from locust.env import Environment

    from golive.load import classes
    from golive.load.sampler import CpuSampler

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stop = Stop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(signum, stop.on_signal, signum)
    parent = spec.get("parent_pid")

    def stopped(seconds: float) -> bool:
        if parent and os.getppid() != parent:
            stop.set("golive's process is gone")
        return stop.wait(seconds)

    env = Environment(user_classes=classes.from_spec(spec), host=spec["host"], events=events, stop_timeout=2.0)
    sampler = CpuSampler([os.getpid()])
    if spec.get("workers") or spec.get("remote_workers"):
        generators = _master(env, spec, out, stopped, stop)
        if generators is None:
            return EXIT_NO_WORKERS
    else:
        generators = Generators(env.create_local_runner())
    env.events.init.fire(environment=env, runner=generators.runner, web_ui=None)
    started = time.monotonic()
    stopped_by, aborted = _drive(env, spec, out, generators, sampler, stopped)
    elapsed = time.monotonic() - started
    _finish(env, spec, out, generators, sampler, stop, stopped_by, aborted, elapsed)
    return 0


def _master(env: Any, spec: dict[str, Any], out: Path, stopped: Callable[[float], bool],
            stop: Stop) -> Generators | None:
    """locust's master, its local workers started, its remote workers waited for (None: they did not
    all come, or a signal came first; ``error.json`` says which)."""
    from golive.load.fleet import Fleet
    from golive.load.protocol import worker_payload
    from golive.load.seal import seal

    local, remote = int(spec.get("workers", 0)), int(spec.get("remote_workers", 0))
    bind = parse_endpoint(spec["master_bind"], listen=True) if spec.get("master_bind") else Endpoint("127.0.0.1", 0)
    runner = env.create_master_runner(bind.bind_host, bind.port)
    master = Endpoint(bind.host, runner.server.port)
    key = spec.get("worker_key")
    fleet = Fleet(runner, seal(worker_payload(spec), key) if key else worker_payload(spec))
    procs = _start_local_workers(Endpoint(master.local_host, master.port), local, key)

    def progress(connected: int, expected: int) -> None:
        _write_json(out / STATUS_FILE, {"phase": "waiting", "master": str(master), "connected": connected,
                                        "expected": expected, "pid": os.getpid()})
        if expected:
            print(f"golive load master at {master}: {connected}/{expected} workers connected", flush=True)

    wait = float(spec.get("worker_wait", 60)) if remote else LOCAL_WORKER_WAIT
    if fleet.wait(local, remote, time.monotonic() + wait,
                  lambda s: stopped(s) or any(p.poll() is not None for p in procs), progress):
        return Generators(runner, fleet, master, procs)
    error = stop.reason or _missing_workers(spec, fleet, master, local, remote)
    _write_json(out / ERROR_FILE, {"error": error, "connected": fleet.connected(local=False), "expected": remote,
                                   "master": str(master), "interrupted": stop.signal})
    runner.quit()
    _end_workers(procs)
    return None


def _drive(env: Any, spec: dict[str, Any], out: Path, generators: Generators, sampler: Any,
           stopped: Callable[[float], bool]) -> tuple[str, dict[str, Any] | None]:
    """Start the users and watch the run until its first stop condition: (stopped_by, aborted)."""
    import gevent

    runner, fleet = generators.runner, generators.fleet
    running = {"phase": "running", "master": str(generators.master) if generators.master else None,
               "workers": fleet.connected() if fleet else 0,
               "connected": fleet.connected(local=False) if fleet else 0,
               "expected": int(spec.get("remote_workers", 0)), "pid": os.getpid()}
    _write_json(out / STATUS_FILE, {**running, "requests": 0, "elapsed_s": 0.0})
    duration, max_requests = float(spec["duration"]), int(spec["max_requests"])
    starting = gevent.spawn(runner.start, int(spec["users"]), float(spec["spawn_rate"]))
    if fleet:
        fleet.start()
    started = time.monotonic()
    next_abort_check = next_status = 0.0
    try:
        while True:
            if stopped(TICK):
                return "interrupted", None
            elapsed = time.monotonic() - started
            sampler.sample()
            if elapsed >= duration:
                return "duration", None
            if env.stats.total.num_requests >= max_requests:
                return "max_requests", None
            if fleet:
                for lost in fleet.check_lost():
                    print(f"golive load master: worker {lost.name} {lost.lost_how} after {lost.lost_after_s}s",
                          flush=True)
                if starting.ready() and fleet.connected() == 0:
                    return "workers_lost", None
            if elapsed >= next_status:
                next_status = elapsed + 1.0
                _write_json(out / STATUS_FILE, {**running, "requests": env.stats.total.num_requests,
                                                "elapsed_s": round(elapsed, 1)})
            if elapsed >= next_abort_check:
                next_abort_check = elapsed + 0.5
                aborted = _abort_check(spec, env.stats, elapsed)
                if aborted:
                    return "abort", aborted
    finally:
        starting.kill(block=False)
        if fleet:
            fleet.finish()


def _finish(env: Any, spec: dict[str, Any], out: Path, generators: Generators, sampler: Any, stop: Stop,
            stopped_by: str, aborted: dict[str, Any] | None, elapsed: float) -> None:
    """Stop the users and the workers (at once when interrupted), write the reports, release the port."""
    runner, fleet = generators.runner, generators.fleet
    interrupted = stopped_by == "interrupted"
    if interrupted:
        env.stop_timeout = 0.0  # no task may finish first
    if fleet:
        quitting = _quit_workers(runner, fleet, interrupted)
    else:
        if not interrupted:
            runner.stop()  # users finish their current task (stop_timeout)
        runner.quit()
    _write_reports(env, spec, out, runner, elapsed, stopped_by, aborted, stop, sampler, fleet, generators.master)
    if fleet:
        # The workers' last stats are in: end locust's half-second wait for them, close the port.
        quitting.kill(block=True)
        runner.greenlet.kill(block=True)
        runner.server.close(linger=0)
    _end_workers(generators.procs)


def _quit_workers(runner: Any, fleet: Any, interrupted: bool) -> Any:
    """End a distributed run: every worker is told to quit (locust's quit message) and sends the stats
    of its stopped users; golive waits for exactly those, then the master quits (a greenlet: its own
    fixed half-second wait for the same stats is cut short by the caller once the reports are written).

    Interrupted, the workers are first told to stop their users at once (``golive_stop_now``).
    Otherwise their users finish the current task (``stop_timeout``). Quitting instead of locust's
    ``stop`` also frees the workers at once: after ``stop`` a worker sleeps ``stop_timeout`` before it
    reads the next message, and a master gone by then never tells it to quit.
    """
    import gevent

    from golive.load.protocol import STOP_NOW

    if interrupted:
        runner.send_message(STOP_NOW)
    runner.send_message("quit")
    grace = FINAL_STATS_WAIT if interrupted else float(runner.environment.stop_timeout) + 1.0
    fleet.wait_final_reports(time.monotonic() + grace)
    return gevent.spawn(runner.quit)


def _write_reports(env: Any, spec: dict[str, Any], out: Path, runner: Any, elapsed: float, stopped_by: str,
                   aborted: dict[str, Any] | None, stop: Stop, sampler: Any, fleet: Any,
                   master: Endpoint | None) -> None:
    from locust.html import get_html_report
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    from golive.load.summary import build_summary

    generator = sampler.summary(bool(getattr(runner, "cpu_warning_emitted", False)))
    if fleet:
        generator["workers"] = fleet.summary()
        generator["processes"] = 1 + len(generator["workers"])
    summary = build_summary(
        env.stats, target=spec.get("target"), host=spec["host"], users=spec["users"],
        spawn_rate=spec["spawn_rate"], duration_s=float(spec["duration"]), elapsed_s=round(elapsed, 3),
        workers=int(spec.get("workers", 0)), remote_workers=int(spec.get("remote_workers", 0)),
        master=str(master) if master else None, stopped_by=stopped_by, aborted=aborted,
        interrupted={"signal": stop.signal, "reason": stop.reason} if stopped_by == "interrupted" else None,
        generator=generator,
        files={"stats_csv": "locust_stats.csv", "failures_csv": "locust_failures.csv",
               "html": "locust_report.html"},
    )
    _write_json(out / "summary.json", summary)
    writer = StatsCSV(env, PERCENTILES_TO_REPORT)
    with open(out / "locust_stats.csv", "w", newline="", encoding="utf-8") as handle:
        writer.requests_csv(csv.writer(handle))
    with open(out / "locust_failures.csv", "w", newline="", encoding="utf-8") as handle:
        writer.failures_csv(csv.writer(handle))
    (out / "locust_report.html").write_text(get_html_report(env, show_download_link=False), encoding="utf-8")


def _end_workers(procs: list[Any], grace: float = 0.5) -> None:
    """Workers were told to quit; one that lingers (its stats are already in) is terminated by pid."""
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.05, deadline - time.monotonic()))
        except Exception:
            proc.terminate()
            try:
                proc.wait(timeout=1)
            except Exception:
                proc.kill()


def _exit(code: int) -> None:
    """End the process once everything is on disk, skipping the interpreter's teardown: with gevent
    and locust loaded it takes some 0.3 s, a sixth of the 2 s an interrupted run has to be gone."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) != 2:
        sys.exit("usage: python -m golive.load.run SPEC OUT_DIR")
    _exit(main(args[0], args[1]))
