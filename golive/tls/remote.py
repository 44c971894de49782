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
checks cannot tell. Used when the run scans at least ``REMOTE_FROM`` servers, or when the child
was started early (``golive.tls.early``: it warms up while the run loads and collects, so that
even a one-target gate finds its scanner ready). The child is stopped by its PID at ``close()``.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Sequence
from typing import Any

from golive.reach import Endpoint, Reachability
from golive.settings.tls import TlsSettings
from golive.tls.child import ScanChild
from golive.tls.model import TlsObservation
from golive.tls.scan import ScanKey, ScanPlan

REMOTE_FROM = 4
"""Servers from which the scan runs in a child process."""


class _ForwardingReachability(Reachability):
    """The child's reachability record: endpoints found down are also sent to the run."""

    def __init__(self, send: Any) -> None:
        super().__init__()
        self._send = send

    def mark_down(self, endpoint: Endpoint, reason: str) -> str:
        recorded = super().mark_down(endpoint, reason)
        self._send(("down", tuple(endpoint), recorded))
        return recorded


def serve(conn: Any) -> None:
    """The child process: warm up, take the run's plan, scan what it asks for, answer each key
    when it is ready; ends when the run says stop or the socket closes."""
    from golive.tls.scan import TlsScan, preload

    warnings.filterwarnings("ignore")
    preload()  # while the run still loads and collects, when the child was started early
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return
    if message[0] != "plan":
        return
    _, plan, settings, workdir, down = message
    lock = threading.Lock()

    def send(message: Any) -> None:
        with lock, contextlib.suppress(OSError, ValueError):
            conn.send(message)

    reachability = _ForwardingReachability(send)
    for endpoint, reason in down.items():
        Reachability.mark_down(reachability, Endpoint(*endpoint), reason)
    scan = TlsScan(plan, settings, workdir, reachability,
                   on_started=lambda key: send(("started", key)),
                   on_observation=lambda key, obs: send(("done", key, obs)))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "request":
            scan.request(message[1])
        elif message[0] == "stop":
            break
    scan.close()


class RemoteTlsScan:
    """``TlsScan``'s interface, the work done by a child process (``child``: one started early)."""

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
        self._child: ScanChild | None = None
        self._closed = False
        self._read_done = threading.Event()
        self.started_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    def _child_running(self) -> bool:
        """Hand the plan to the child, started now or early (False once closed)."""
        if self._child is not None:
            return True
        if self._closed:
            return False
        child, self._waiting_child = self._waiting_child, None
        if child is None or not child.alive():
            if child is not None:
                child.stop()
            child = ScanChild.spawn()
        down = {}
        for key in self.plan.bundles:
            endpoint = Endpoint(key.hostname, key.port, key.address)
            if (reason := self.reachability.down(endpoint)) is not None:
                down[tuple(endpoint)] = reason
        self._child = child
        self.started_at = time.perf_counter()
        threading.Thread(target=self._read, args=(child,), name="golive-tls-reader", daemon=True).start()
        child.send(("plan", self.plan, self.settings, self.workdir, down))
        return True

    def start(self) -> None:
        self.request(list(self.plan.bundles))

    def warm(self) -> None:
        """Send the plan now (the child unpickles it while the run collects); scans nothing."""
        with self._lock:
            try:
                self._child_running()
            except (OSError, ValueError):
                return  # request() starts a child again, or says why it cannot

    def request(self, keys: Sequence[ScanKey]) -> None:
        with self._lock:
            new = [key for key in dict.fromkeys(keys) if key in self._done and key not in self._requested]
            self._requested.update(new)
            if not new:
                return
            try:
                running = self._child_running()
                problem = "the run ended before this target was scanned"
            except Exception as exc:  # no child, no scan: every key says why, nothing waits
                running, problem = False, f"the TLS scan process could not start: {type(exc).__name__}: {exc}"
        if not running:
            for key in new:
                self._fail(key, problem)
            return
        self._send(("request", new))

    def _send(self, message: Any) -> None:
        assert self._child is not None
        try:
            self._child.send(message)
        except (OSError, ValueError) as exc:
            self._fail_all(f"the TLS scan process is gone ({exc})")

    def _read(self, child: ScanChild) -> None:
        """Answers from the child, until it ends (then every key still open fails with why)."""
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
            self._fail_all(f"the TLS scan process ended unexpectedly ({child.ended_because()})")
        self._read_done.set()

    def _fail(self, key: ScanKey, reason: str) -> None:
        observation = TlsObservation(key.hostname, key.port, key.address, error=reason)
        with self._lock:
            self._observations.setdefault(key, observation)
        self._done[key].set()

    def _fail_all(self, reason: str) -> None:
        for key, done in self._done.items():
            if not done.is_set():
                self._fail(key, reason)

    def close(self) -> None:
        """Stop the child by its PID (scans in flight are abandoned; the run has what it asked for)."""
        self._closed = True
        for child in (self._child, self._waiting_child):
            if child is not None:
                child.stop()
        self._fail_all("the run ended before this target was scanned")

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
            elif self._child is None or not self._child.alive():
                self._read_done.wait(1.0)  # the reader reports how the child ended, then fails what is open
                self._fail(key, "the TLS scan process is not running")
        with self._lock:
            return self._observations[key]

    def waiting(self) -> list[ScanKey]:
        with self._lock:
            requested = list(self._requested)
        return [key for key in requested if not self._done[key].is_set()]
