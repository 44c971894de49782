"""Watching a running load from outside: its phase, its processes, and how fast a signal ends them.

For the stop self-tests (SIGINT/SIGTERM must end every load process — master, local workers,
remote workers' locust processes — and release the master's port within 2 s).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psutil

from tests.servers.base import port_open

LOAD_MODULES = ("golive.load.run", "golive.load.worker")


def wait_running(report_dir: Path, target: str = "web", timeout: float = 90.0,
                 alive: Callable[[], bool] = lambda: True, requests: int = 1) -> dict[str, Any]:
    """The run's status once it is generating load (``phase: running``, at least ``requests`` sent)."""
    path = report_dir / "load" / target / "status.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = json.loads(path.read_text())
        except (OSError, ValueError):
            status = {}
        if status.get("phase") == "running" and status.get("requests", 0) >= requests:
            return status
        if not alive():
            raise AssertionError("golive ended before its load ran")
        time.sleep(0.05)
    raise TimeoutError(f"the load of {target} was not running within {timeout:g}s")


def load_processes(roots: Iterable[int]) -> list[psutil.Process]:
    """Every load process (master/local run, workers) among the descendants of ``roots``."""
    found = []
    for root in roots:
        try:
            processes = psutil.Process(root).children(recursive=True)
        except psutil.NoSuchProcess:
            continue
        for proc in processes:
            try:
                if any(module in " ".join(proc.cmdline()) for module in LOAD_MODULES):
                    found.append(proc)
            except psutil.Error:
                continue
    return found


def gone(processes: list[psutil.Process], port: tuple[str, int] | None) -> bool:
    """No process left running (zombies count as gone) and the master's port refusing connections."""
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return port is None or not port_open(*port, timeout=0.05)


def stop_latency(signal_it: Callable[[], None], processes: list[psutil.Process],
                 port: tuple[str, int] | None, timeout: float = 10.0) -> float:
    """Seconds from ``signal_it()`` until every process is gone and the port is released."""
    assert processes, "no load process to stop"
    began = time.monotonic()
    signal_it()
    while time.monotonic() - began < timeout:
        if gone(processes, port):
            return time.monotonic() - began
        time.sleep(0.01)
    left = [p.pid for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    raise AssertionError(f"load processes {left} (or port {port}) still there {timeout:g}s after the signal")
