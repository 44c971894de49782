"""Generator health: sample the load generator's own CPU while it runs.

A gevent process can use at most one core; once it is near 100 % it queues its own requests and
the latencies it reports are its own, not the target's. The sampler reads ``psutil`` for every
generator process (the master/local process and any worker processes) and keeps, per sample, the
busiest process's figure. ``golive.rules.load.generator_health`` judges the result.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psutil


@dataclass
class CpuSampler:
    """Percent-of-one-core samples of the busiest generator process (call ``sample()`` periodically)."""

    pids: list[int]
    samples: list[float] = field(default_factory=list)
    system: list[float] = field(default_factory=list)
    _procs: dict[int, psutil.Process] = field(default_factory=dict)

    def add(self, pids: Iterable[int]) -> None:
        """Follow more processes (worker processes started after the sampler)."""
        self.pids.extend(p for p in pids if p not in self.pids)

    def sample(self) -> None:
        """Take one sample; the first reading of a process only primes psutil's counters."""
        busiest: float | None = None
        for pid in self.pids:
            proc = self._procs.get(pid)
            try:
                if proc is None:
                    proc = self._procs[pid] = psutil.Process(pid)
                    proc.cpu_percent(None)
                    continue
                value = proc.cpu_percent(None)
            except psutil.Error:
                continue
            busiest = value if busiest is None else max(busiest, value)
        if busiest is not None:
            self.samples.append(busiest)
            self.system.append(psutil.cpu_percent(None))

    def summary(self, cpu_warning: bool = False) -> dict[str, Any]:
        """The ``generator`` block of the run summary."""
        return {
            "samples": len(self.samples),
            "cpu_avg": round(statistics.fmean(self.samples), 1) if self.samples else 0.0,
            "cpu_max": round(max(self.samples), 1) if self.samples else 0.0,
            "system_cpu_avg": round(statistics.fmean(self.system), 1) if self.system else 0.0,
            "processes": len(self.pids),
            "cpu_count": psutil.cpu_count() or 1,
            "cpu_warning": cpu_warning,
        }
