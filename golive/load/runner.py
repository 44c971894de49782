"""The pytest side of a load run: write the spec, run ``golive.load.run`` in a subprocess, read the summary.

Never imports locust (it would gevent-patch the pytest process). The subprocess is bounded twice:
the run stops itself at ``duration`` / ``max_requests``, and this side kills it (by its own pid)
when it overruns ``duration + ramp + margin``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


@dataclass
class LoadRun:
    """One finished (or failed) load run of a target."""

    target: str
    out_dir: Path
    summary: dict[str, Any] | None
    error: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.summary is not None and self.error is None

    def file(self, key: str) -> Path | None:
        """A report file of the run (``stats_csv``, ``failures_csv``, ``html``) when it exists."""
        name = (self.summary or {}).get("files", {}).get(key)
        path = self.out_dir / name if name else None
        return path if path and path.exists() else None


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
        "scenarios": scenarios,
        "locustfile": locustfile,
        "aborts": [{"text": t.text, "grace": t.grace} for t in thresholds if t.abort],
    }


def time_limit(spec: dict[str, Any]) -> float:
    """How long the subprocess may take before it is killed."""
    ramp = float(spec["users"]) / float(spec["spawn_rate"])
    return float(spec["duration"]) + ramp + START_MARGIN


def run_load(spec: dict[str, Any], out_dir: Path, python: str = sys.executable) -> LoadRun:
    """Run the load subprocess and read its summary; a failed run is a ``LoadRun`` with ``error``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # The spec holds scenario headers (credentials from ${VAR}): a private file outside the report dir.
    private = Path(tempfile.mkdtemp(prefix="golive-load-"))
    try:
        spec_path = private / "spec.json"
        spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
        return _run(spec, spec_path, out_dir, python)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _run(spec: dict[str, Any], spec_path: Path, out_dir: Path, python: str) -> LoadRun:
    log_path = out_dir / "locust.log"
    env = {**os.environ, SPEC_ENV: str(spec_path)}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [python, "-m", "golive.load.run", str(spec_path), str(out_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            code = proc.wait(timeout=time_limit(spec))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return LoadRun(spec["target"], out_dir, None,
                           f"load run overran its {time_limit(spec):.0f}s limit and was stopped", spec)
    summary_path = out_dir / "summary.json"
    if code != 0 or not summary_path.exists():
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        return LoadRun(spec["target"], out_dir, None,
                       f"load run failed (exit {code}): {' | '.join(tail) or 'no output'}", spec)
    return LoadRun(spec["target"], out_dir, json.loads(summary_path.read_text(encoding="utf-8")), None, spec)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the run and its worker processes: its own process group, by the pid we started."""
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
