"""``golive load-worker --master HOST:PORT``: a load worker on another machine, serving golive runs.

No profile and no locustfile on this machine: each run's scenarios, settings and locustfile come
from golive's load master (``golive.load.protocol``) and stay in memory. Each run is one worker
process (``python -m golive.load.worker``, locust's ``WorkerRunner``); when the master tells it to
quit (the run ended, or golive was interrupted), the next one connects again and waits for the
next master — so one ``golive load-worker`` serves every target of a gate, and gate after gate,
as a container or a Kubernetes Deployment would run it. ``--runs N`` ends it after N runs.

This process does not import locust (no gevent here); SIGINT/SIGTERM are passed on to the
current worker, which tells the master it quits and stops its users, then this process ends.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from golive.load.address import Endpoint
from golive.load.worker import EXIT_NO_RUN

RETRY_PAUSE = 1.0
"""Seconds between a worker that ran no load (no master, a refused spec) and the next attempt."""
STOP_GRACE = 2.0
"""Seconds the current worker gets to quit on SIGINT/SIGTERM before it is killed (by its pid)."""


def _say(text: str) -> None:
    print(f"golive load-worker: {text}", file=sys.stderr, flush=True)


def serve(master: Endpoint, name: str | None = None, runs: int = 0, python: str = sys.executable) -> int:
    """Serve runs of the master at ``master`` until ``runs`` are done (0: until SIGINT/SIGTERM)."""
    state: dict[str, Any] = {"stop": None, "child": None}

    def on_signal(signum: int, _frame: Any) -> None:
        state["stop"] = signal.Signals(signum).name
        child = state["child"]
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    command = [python, "-m", "golive.load.worker", "--master", str(master), *(["--name", name] if name else [])]
    served = 0
    try:
        while state["stop"] is None and (not runs or served < runs):
            _say(f"waiting for the golive load master at {master}")
            state["child"] = child = subprocess.Popen(command)
            code = _wait(child, state)
            state["child"] = None
            if state["stop"] is not None:
                break
            if code == 0:
                served += 1
                _say(f"run {served} done" + (f" ({runs - served} to go)" if runs else ""))
            else:
                _say("no load run (" + ("no master answered, or it refused this worker" if code == EXIT_NO_RUN
                                         else f"worker exited with status {code}") + ")")
                time.sleep(RETRY_PAUSE)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if state["stop"]:
        _say(f"stopped by {state['stop']} after {served} run(s)")
    return 0


def _wait(child: subprocess.Popen[bytes], state: dict[str, Any]) -> int:
    """The worker's exit status; once a stop is asked, at most ``STOP_GRACE`` before it is killed."""
    while True:
        try:
            return child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
        if state["stop"] is not None:
            try:
                return child.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                child.kill()
                return child.wait()
