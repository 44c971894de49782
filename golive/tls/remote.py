"""The session's TLS scan in a child process, beside the checks instead of under their lock.

A TLS scan is hundreds of handshakes per server, driven by Python threads. In the run's own
process those threads share one interpreter lock with the checks, the HTTP observations and the
evidence writer, so a fleet's scan and its other checks took turns. ``RemoteTlsScan`` runs the
same engine (``golive.tls.scan.TlsScan``: probes, one sslyze ``Scanner`` per server, conversion)
in a child process (``golive.tls.child``) and talks to it over a socket pair: the run sends its
plan, then asks for keys; the child answers each key's ``TlsObservation`` (plain data) as soon as
it is converted, plus "scan started" (for the deadline and the progress line) and "endpoint down"
(recorded in the run's ``Reachability``, so that the target's HTTP checks fail at once too).

The interface is ``TlsScan``'s (``request``, ``start``, ``observe``, ``waiting``, ``close``), so
checks cannot tell. Used when the run scans at least ``REMOTE_FROM`` servers (with one more child
per ``SERVERS_PER_CHILD`` servers, up to one per CPU), or when the child was started early
(``golive.tls.early``: it warms up while the run loads and collects, so that even a one-target
gate finds its scanner ready). The children are stopped by their PIDs at ``close()``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from golive.reach import Endpoint, Reachability
from golive.settings.tls import TlsSettings
from golive.tls.child import ScanChild
from golive.tls.model import TlsObservation
from golive.tls.scan import ScanKey, ScanPlan

REMOTE_FROM = 4
"""Servers from which the scan runs in a child process."""
SERVERS_PER_CHILD = 16
"""Servers per child process, up to one child per CPU (``children_for``)."""


def children_for(servers: int, cpus: int | None = None) -> int:
    """How many child processes scan ``servers``: one more per ``SERVERS_PER_CHILD``, at most one
    per CPU (of this xdist worker's share of them). A child is one interpreter: on a fleet its
    scans saturate one core (about 0.3 s of CPU per server) while the others stay idle."""
    if cpus is None:  # under xdist, each worker's share of the CPUs
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
        cpus = (os.cpu_count() or 1) // max(1, workers)
    return max(1, min(cpus, math.ceil(servers / SERVERS_PER_CHILD)))


class RemoteTlsScan:
    """``TlsScan``'s interface, the work done by child processes (``child``: one started early).

    Each child gets the whole plan and scans the keys it is handed: requested keys go to the
    children in turn, each child with its share of ``concurrent_servers``. A child that dies
    fails its own keys, not the others'."""

    def __init__(self, plan: ScanPlan, settings: TlsSettings, workdir: Any = None,
                 reachability: Reachability | None = None, child: ScanChild | None = None) -> None:
        self.plan = plan
        self.settings = settings
        self.workdir = workdir
        self.reachability = reachability or Reachability()
        self._lock = threading.Lock()
        self._requested: set[ScanKey] = set()
        self._done = {key: threading.Event() for key in plan.bundles}
        self._observations: dict[ScanKey, TlsObservation] = {}
        self._scan_started: dict[ScanKey, float] = {}
        self._waiting_child = child
        self._children: list[ScanChild] = []
        self._owner: dict[ScanKey, ScanChild] = {}
        self._turn = 0
        self._closed = False
        self._read_done = threading.Event()
        self.started_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    def _children_running(self) -> bool:
        """Start the children (the early one first) and hand each the plan (False once closed)."""
        if self._children:
            return True
        if self._closed:
            return False
        count = children_for(len(self.plan.bundles))
        share = self.settings.model_copy(
            update={"concurrent_servers": max(1, math.ceil(self.settings.concurrent_servers / count))})
        down = {}
        for key in self.plan.bundles:
            endpoint = Endpoint(key.hostname, key.port, key.address)
            if (reason := self.reachability.down(endpoint)) is not None:
                down[tuple(endpoint)] = reason
        early, self._waiting_child = self._waiting_child, None
        if early is not None and not early.alive():
            early.stop()
            early = None
        self.started_at = time.perf_counter()
        for index in range(count):
            child = early if index == 0 and early is not None else ScanChild.spawn()
            self._children.append(child)
            threading.Thread(target=self._read, args=(child,), name=f"golive-tls-reader-{index}", daemon=True).start()
            child.send(("plan", self.plan, share, self.workdir, down))
        return True

    def start(self) -> None:
        self.request(list(self.plan.bundles))

    def warm(self) -> None:
        """Send the plan now (the children unpickle it while the run collects); scans nothing."""
        with self._lock:
            try:
                self._children_running()
            except (OSError, ValueError):
                return  # request() starts children again, or says why it cannot

    def request(self, keys: Sequence[ScanKey]) -> None:
        with self._lock:
            new = [key for key in dict.fromkeys(keys) if key in self._done and key not in self._requested]
            self._requested.update(new)
            if not new:
                return
            try:
                running = self._children_running()
                problem = "the run ended before this target was scanned"
            except Exception as exc:  # no child, no scan: every key says why, nothing waits
                running, problem = False, f"the TLS scan process could not start: {type(exc).__name__}: {exc}"
            shares: dict[int, list[ScanKey]] = {}
            if running:
                for key in new:
                    index = self._turn % len(self._children)
                    self._turn += 1
                    self._owner[key] = self._children[index]
                    shares.setdefault(index, []).append(key)
        if not running:
            for key in new:
                self._fail(key, problem)
            return
        for index, share in shares.items():
            self._send(self._children[index], ("request", share))

    def _send(self, child: ScanChild, message: Any) -> None:
        try:
            child.send(message)
        except (OSError, ValueError) as exc:
            self._fail_open(f"the TLS scan process is gone ({exc})", child)

    def _read(self, child: ScanChild) -> None:
        """Answers from one child, until it ends (then its keys still open fail with why)."""
        while True:
            try:
                message = child.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "done":
                _, key, observation = message
                with self._lock:
                    self._observations.setdefault(key, observation)
                self._done[key].set()
            elif kind == "started":
                with self._lock:
                    self._scan_started[message[1]] = time.monotonic()
            elif kind == "down":
                self.reachability.mark_down(Endpoint(*message[1]), message[2])
        if not self._closed:
            self._fail_open(f"the TLS scan process ended unexpectedly ({child.ended_because()})", child)
        self._read_done.set()

    def _fail(self, key: ScanKey, reason: str) -> None:
        observation = TlsObservation(key.hostname, key.port, key.address, error=reason)
        with self._lock:
            self._observations.setdefault(key, observation)
        self._done[key].set()

    def _fail_open(self, reason: str, child: ScanChild | None = None) -> None:
        """Fail every key still open (of ``child`` only, when given)."""
        for key, done in self._done.items():
            if not done.is_set() and (child is None or self._owner.get(key) is child):
                self._fail(key, reason)

    def close(self) -> None:
        """Stop the children by their PIDs (scans in flight are abandoned; the run has what it asked for)."""
        self._closed = True
        for child in [*self._children, *([self._waiting_child] if self._waiting_child else [])]:
            child.stop()
        self._fail_open("the run ended before this target was scanned")

    # ------------------------------------------------------------------ results

    def observe(self, key: ScanKey) -> TlsObservation:
        """The observation of ``key``; waits until its scan's deadline (as ``TlsScan.observe``)."""
        if key not in self._done:
            raise KeyError(f"{key.where} is not a TLS target of this profile")
        self.request([key])
        budget = float(self.settings.scan_timeout)
        while not self._done[key].wait(timeout=0.25):
            with self._lock:
                began = self._scan_started.get(key)
            if began is not None and time.monotonic() - began > budget:
                self._fail(key, f"scan did not finish within {budget:g}s (checks.tls.scan_timeout)")
            elif (owner := self._owner.get(key)) is None or not owner.alive():
                self._read_done.wait(1.0)  # the reader reports how the child ended, then fails what is open
                self._fail(key, "the TLS scan process is not running")
        with self._lock:
            return self._observations[key]

    def waiting(self) -> list[ScanKey]:
        with self._lock:
            requested = list(self._requested)
        return [key for key in requested if not self._done[key].is_set()]
