"""The master's view of its workers: who came, what each sent, its CPU, who was lost.

Runs inside the locust master process and listens to locust's own events and messages:
``worker_connect`` (send the worker its spec), golive's ``golive_ready`` / ``golive_refused``
(count it in or out), ``worker_report`` (per-worker request counts from the stats each worker
sends), ``heartbeat_sent`` (the worker's CPU, which locust's heartbeats carry), and the runner's
``clients`` (a worker locust marks ``missing``, or that left, is lost). The facts end up in the run
summary's ``generator.workers`` list, which ``golive.rules.load`` judges.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from golive.load import protocol

CPU_SATURATED = 90.0
"""locust's own per-worker warning level (percent of one core)."""


@dataclass
class WorkerFacts:
    """One worker as the master saw it."""

    client_id: str
    index: int
    name: str = ""
    host: str = ""
    pid: int | None = None
    cpu_count: int | None = None
    local: bool = False
    requests: int = 0
    failures: int = 0
    cpu: list[float] = field(default_factory=list)
    cpu_warning: bool = False
    final_report: bool = False
    lost_after_s: float | None = None
    lost_how: str | None = None
    joined_after_s: float | None = None

    def summary(self, label: str) -> dict[str, Any]:
        return {
            "name": label, "host": self.host, "pid": self.pid, "index": self.index, "local": self.local,
            "cpu_count": self.cpu_count, "requests": self.requests, "failures": self.failures,
            "samples": len(self.cpu),
            "cpu_avg": round(statistics.fmean(self.cpu), 1) if self.cpu else 0.0,
            "cpu_max": round(max(self.cpu), 1) if self.cpu else 0.0,
            "cpu_warning": self.cpu_warning,
            "lost": self.lost_after_s is not None, "lost_after_s": self.lost_after_s, "lost_how": self.lost_how,
            "joined_after_s": self.joined_after_s, "final_report": self.final_report,
        }


class Fleet:
    """Registers golive's handlers on a locust ``MasterRunner`` and keeps per-worker facts."""

    def __init__(self, runner: Any, payload: dict[str, Any]) -> None:
        self.runner = runner
        self.payload = payload
        self.ready: dict[str, WorkerFacts] = {}
        self.refused: dict[str, str] = {}
        self.running_since: float | None = None
        self.ran: set[str] = set()
        events = runner.environment.events
        runner.register_message(protocol.READY, self._on_ready)
        runner.register_message(protocol.REFUSED, self._on_refused)
        events.worker_connect.add_listener(self._on_connect)
        events.worker_report.add_listener(self._on_report)
        events.heartbeat_sent.add_listener(self._on_heartbeat)

    # ------------------------------------------------------------------ locust events and messages

    def _on_connect(self, client_id: str, **_kw: Any) -> None:
        self.runner.send_message(protocol.SPEC, self.payload, client_id=client_id)

    def _on_ready(self, environment: Any, msg: Any) -> None:
        data = msg.data or {}
        facts = self.ready.get(msg.node_id) or WorkerFacts(msg.node_id, self.runner.get_worker_index(msg.node_id))
        facts.name = str(data.get("name") or data.get("host") or msg.node_id)
        facts.host, facts.pid = str(data.get("host", "")), data.get("pid")
        facts.cpu_count, facts.local = data.get("cpu_count"), bool(data.get("local"))
        if self.running_since is not None and msg.node_id not in self.ran:  # joined mid-run (locust rebalances)
            facts.joined_after_s = round(time.monotonic() - self.running_since, 1)
            self.ran.add(msg.node_id)
        self.ready[msg.node_id] = facts

    def _on_refused(self, environment: Any, msg: Any) -> None:
        data = msg.data or {}
        self.refused[msg.node_id] = f"{data.get('name', msg.node_id)}: {data.get('error', 'refused')}"
        self.runner.send_message("quit", None, client_id=msg.node_id)

    def _on_report(self, client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        facts = self.ready.get(client_id)
        total = data.get("stats_total") or {}
        if facts is not None:
            facts.requests += int(total.get("num_requests", 0))
            facts.failures += int(total.get("num_failures", 0))
            facts.final_report = facts.final_report or bool(data.get(protocol.FINAL))

    def _on_heartbeat(self, client_id: str, **_kw: Any) -> None:
        facts = self.ready.get(client_id)
        node = self.runner.clients.get(client_id)
        if facts is None or node is None or self.running_since is None:
            return
        facts.cpu.append(float(node.cpu_usage))
        facts.cpu_warning = facts.cpu_warning or float(node.cpu_usage) > CPU_SATURATED

    # ------------------------------------------------------------------ what the master loop asks

    def connected(self, local: bool | None = None) -> int:
        """Workers ready to run (loaded the spec and still connected), optionally local or remote only."""
        clients = self.runner.clients
        return sum(1 for cid, facts in self.ready.items()
                   if cid in clients and clients[cid].state != "missing" and (local is None or facts.local == local))

    def wait(self, local: int, remote: int, deadline: float, stopped: Callable[[float], bool],
             progress: Callable[[int, int], None]) -> bool:
        """Wait until ``local`` + ``remote`` workers are ready, or ``deadline`` (monotonic), or a stop."""
        seen = -1
        while True:
            count = self.connected(local=False)
            if count != seen:
                seen = count
                progress(count, remote)
            if count >= remote and self.connected(local=True) >= local:
                return True
            if time.monotonic() >= deadline or stopped(0.1):
                return False

    def start(self) -> None:
        """The load starts: from now on CPU is sampled and a worker that goes away is lost."""
        self.running_since = time.monotonic()
        self.ran = {cid for cid in self.ready if cid in self.runner.clients}

    def check_lost(self) -> list[WorkerFacts]:
        """Workers that ran and are now missing (no heartbeat) or gone; each recorded once."""
        if self.running_since is None:
            return []
        lost = []
        clients = self.runner.clients
        for cid in self.ran:
            facts = self.ready[cid]
            if facts.lost_after_s is not None:
                continue
            node = clients.get(cid)
            how = "stopped answering (no heartbeat)" if node is not None and node.state == "missing" else (
                "left the run" if node is None else None)
            if how:
                facts.lost_after_s = round(time.monotonic() - self.running_since, 1)
                facts.lost_how = how
                lost.append(facts)
        return lost

    def wait_final_reports(self, deadline: float) -> None:
        """Until every worker that ran (and was not lost) sent the stats of its stopped users, or ``deadline``."""
        import gevent

        waiting = [self.ready[cid] for cid in self.ran if self.ready[cid].lost_after_s is None]
        while not all(f.final_report for f in waiting) and time.monotonic() < deadline:
            gevent.sleep(0.01)

    def finish(self) -> None:
        """The load stopped: later departures (the workers quitting) are not losses."""
        self.running_since = None

    def summary(self) -> list[dict[str, Any]]:
        """Per-worker facts, named uniquely (``name``, or ``name#index`` when names repeat)."""
        chosen = [self.ready[cid] for cid in sorted(self.ran or self.ready, key=lambda c: self.ready[c].index)]
        names = [f.name for f in chosen]
        return [f.summary(f.name if names.count(f.name) == 1 else f"{f.name}#{f.index}") for f in chosen]

    def describe(self) -> str:
        """Who came, for messages: ``ns-a, ns-b (local)``."""
        ready = [f"{f.name}{' (local)' if f.local else ''}" for f in self.ready.values()]
        return ", ".join(ready) or "none"
