"""The pytest side of a load run: write the spec, run ``golive.load.run`` in a subprocess, read the summary.

Never imports locust (it would gevent-patch the pytest process). The subprocess is bounded three
times: the run stops itself at ``duration`` / ``max_requests``; this side kills it (its process
group, by the pid it started) when it overruns ``duration + ramp + worker_wait + margin``; and
SIGINT or SIGTERM on golive stop it within :data:`STOP_GRACE` — the master tells its workers to
quit (locust's quit message), and ``LoadInterrupted`` carries what was stopped and how fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.load import SPEC_ENV
from golive.load.thresholds import Threshold
from golive.paths import scenarios_file

REPO_LOCUSTFILE = scenarios_file()
"""The default locustfile (``load/scenarios.py``; installed as ``golive/locustfiles/scenarios.py``)."""
START_MARGIN = 60.0
"""Seconds allowed on top of the run for interpreter start, worker connection and reports."""
STOP_GRACE = 1.5
"""Seconds the interrupted master gets to stop its users, tell its workers to quit and exit; then
its process group is killed. Within the 2 s in which every load process must be gone."""
POLL = 0.1
"""Seconds between looks at the running subprocess (its exit, its progress)."""
EXIT_NO_WORKERS = 3
"""``golive.load.run``'s exit status when its workers did not all connect (kept in step with it)."""

Progress = Callable[[str], None]


@dataclass
class LoadRun:
    """One finished (or failed) load run of a target."""

    target: str
    out_dir: Path
    summary: dict[str, Any] | None
    error: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    interrupted: dict[str, Any] | None = None
    """Set when SIGINT/SIGTERM stopped the run: ``signal``, ``after_s`` of load, ``stop_s``."""

    @property
    def ok(self) -> bool:
        return self.summary is not None and self.error is None

    def file(self, key: str) -> Path | None:
        """A report file of the run (``stats_csv``, ``failures_csv``, ``html``) when it exists."""
        name = (self.summary or {}).get("files", {}).get(key)
        path = self.out_dir / name if name else None
        return path if path and path.exists() else None


class LoadInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during a load run; the run's processes are already stopped.

    A ``KeyboardInterrupt``, so that everything above treats it as the interruption it is; ``run``
    is the stopped run (its ``interrupted`` says which signal, after how long, how fast it stopped).
    """

    def __init__(self, signal_name: str, run: LoadRun | None = None) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.run = run


def build_spec(target: Any, load: Any, health_path: str, thresholds: list[Threshold],
               cpu_count: int | None = None) -> dict[str, Any]:
    """Everything the subprocess needs, as plain JSON (the profile model does not cross processes)."""
    scenarios = [s.model_dump(mode="json", by_alias=True) for s in load.scenarios] or [
        {"name": None, "weight": 1, "method": "GET", "path": health_path, "headers": {}, "body": None,
         "json": None, "expect_status": []}
    ]
    locustfile = load.locustfile or (str(REPO_LOCUSTFILE) if REPO_LOCUSTFILE.exists() else None)
    return {
        "target": target.name,
        "host": target.url.rstrip("/"),
        "hostname": target.hostname,
        "resolve": target.resolve,
        "ca_bundle": str(target.ca_bundle) if target.ca_bundle else None,
        "verify_tls": load.verify_tls,
        "request_timeout": load.request_timeout,
        "users": load.users,
        "spawn_rate": load.spawn_rate,
        "duration": load.duration,
        "wait_time": list(load.wait_bounds),
        "max_requests": load.max_requests,
        "workers": load.worker_count(cpu_count if cpu_count is not None else os.cpu_count()),
        "remote_workers": load.remote_workers,
        "master_bind": load.master_bind,
        "worker_wait": load.worker_wait,
        "worker_key": load.worker_key,
        "scenarios": scenarios,
        "locustfile": locustfile,
        "aborts": [{"text": t.text, "grace": t.grace} for t in thresholds if t.abort],
    }


def time_limit(spec: dict[str, Any]) -> float:
    """How long the subprocess may take before it is killed."""
    ramp = float(spec["users"]) / float(spec["spawn_rate"])
    wait = float(spec.get("worker_wait", 0)) if spec.get("remote_workers") else 0.0
    return float(spec["duration"]) + ramp + wait + START_MARGIN


def run_load(spec: dict[str, Any], out_dir: Path, python: str = sys.executable,
             progress: Progress | None = None) -> LoadRun:
    """Run the load subprocess and read its summary; a failed run is a ``LoadRun`` with ``error``.

    Raises ``LoadInterrupted`` (after stopping every load process) on SIGINT or SIGTERM.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("status.json", "error.json", "summary.json"):
        (out_dir / stale).unlink(missing_ok=True)
    # The spec holds scenario headers (credentials from ${VAR}): a private file outside the report dir.
    private = Path(tempfile.mkdtemp(prefix="golive-load-"))
    try:
        spec = {**spec, "parent_pid": os.getpid()}
        spec_path = private / "spec.json"
        spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
        return _run(spec, spec_path, out_dir, python, progress)
    finally:
        shutil.rmtree(private, ignore_errors=True)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``LoadInterrupted`` while the load runs (then the previous handlers
    are back). SIGTERM's default would end golive at once and leave the load running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: Any) -> None:
        raise LoadInterrupted(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run(spec: dict[str, Any], spec_path: Path, out_dir: Path, python: str,
         progress: Progress | None) -> LoadRun:
    log_path = out_dir / "locust.log"
    env = {**os.environ, SPEC_ENV: str(spec_path)}
    limit = time_limit(spec)
    with open(log_path, "wb") as log, _interruptible():
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                [python, "-m", "golive.load.run", str(spec_path), str(out_dir)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        except KeyboardInterrupt as exc:
            raise LoadInterrupted(getattr(exc, "signal_name", "SIGINT")) from None
        try:
            code = _wait(proc, out_dir, started + limit, progress)
        except KeyboardInterrupt as exc:
            name = getattr(exc, "signal_name", "SIGINT")
            stop_s = _stop(proc, name)
            run = _read(spec, out_dir, proc.returncode, log_path)
            after = (run.summary or {}).get("elapsed_s", time.monotonic() - started - stop_s)
            run.interrupted = {"signal": name, "after_s": round(float(after), 1), "stop_s": round(stop_s, 2)}
            raise LoadInterrupted(name, run) from None
    if code is None:
        _kill_group(proc)
        return LoadRun(spec["target"], out_dir, None,
                       f"load run overran its {limit:.0f}s limit and was stopped", spec)
    return _read(spec, out_dir, code, log_path)


def _wait(proc: subprocess.Popen[bytes], out_dir: Path, deadline: float, progress: Progress | None) -> int | None:
    """The exit status, or None past ``deadline``; reports the master's waiting phase on the way."""
    shown = None
    while True:
        try:
            return proc.wait(timeout=POLL)
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            return None
        if progress is not None and shown != "running":
            status = _read_json(out_dir / "status.json") or {}
            if status.get("expected"):
                line = (f"{status.get('connected')}/{status.get('expected')} workers connected to the load master "
                        f"at {status.get('master')}" + ("; load running" if status.get("phase") == "running" else ""))
                if line != shown:
                    progress(line)
                    shown = "running" if status.get("phase") == "running" else line


def _stop(proc: subprocess.Popen[bytes], signal_name: str) -> float:
    """Stop an interrupted run: the same signal to the master (it quits its workers and writes what it
    has), then its process group is killed if anything is left after ``STOP_GRACE``. Seconds it took."""
    began = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.Signals[signal_name] if signal_name in ("SIGINT", "SIGTERM") else signal.SIGTERM)
    while True:
        try:
            proc.wait(timeout=max(0.01, began + STOP_GRACE - time.monotonic()))
            break
        except subprocess.TimeoutExpired:
            break
        except KeyboardInterrupt:  # a second Ctrl-C does not abandon the stop
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # local workers left behind, or a master that did not stop
    proc.wait(timeout=5)
    return time.monotonic() - began


def _read(spec: dict[str, Any], out_dir: Path, code: int | None, log_path: Path) -> LoadRun:
    summary_path = out_dir / "summary.json"
    if code == EXIT_NO_WORKERS:
        error = (_read_json(out_dir / "error.json") or {}).get("error")
        if error:
            return LoadRun(spec["target"], out_dir, None, str(error), spec)
    if code != 0 or not summary_path.exists():
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        return LoadRun(spec["target"], out_dir, None,
                       f"load run failed (exit {code}): {' | '.join(tail) or 'no output'}", spec)
    return LoadRun(spec["target"], out_dir, json.loads(summary_path.read_text(encoding="utf-8")), None, spec)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the run and its worker processes: its own process group, by the pid we started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
