"""The observation phase: what the checks will judge, gathered concurrently across subjects.

Checks judge cached observations (one fetch per subject per session). Gathered by each check as
it runs, a gate cost the sum of its subjects' network time: a fleet of a hundred URLs paid a
hundred round trips one after another, and each slow target its full latency in turn. So, before
the first check runs, golive plans which observations the collected checks will ask for (the
checks ``-m``/``-k`` kept, subject by subject) and gathers them on a bounded pool of
``concurrency`` threads (profile key, default ``DEFAULT_CONCURRENCY``): one job per subject,
subjects side by side. Checks then run in their usual order in the main thread and find their
observation ready or wait for the one in flight; nothing is fetched twice (the caches are
single-flight, ``golive.memo``), so test order, ids, evidence and the sign-off are what they were.

Within one subject, a gate of one or two targets (the common post-deploy gate) would still pay
every request's round trip in turn: some thirty for the bundled checks. So a prefetcher returns
its subject's observations as independent *parts* (the page and its header verdicts, the redirect
chain, the exposure probes, ...), and a job runs them in up to ``LANES_PER_SUBJECT`` lanes: its
own thread plus pool threads that are free (helpers queued behind other subjects' jobs find no
part left and return, so a fleet keeps one lane per subject; ``concurrency: 1`` keeps one request
at a time). The subject's first part (``first_contact``) goes alone, before the lanes open: a
dead or hostile subject is found out by one request and fails its other parts at once, instead
of holding six connections and the pool threads other subjects wait for. A prefetcher marked
``alone`` (the latency samples) runs after the subject's other parts are done, with nothing else
of that subject in flight: its samples measure one client.

Domains plug in from their fixture modules: ``@prefetcher("headers.", "http.exposure")`` registers
a function ``(observations, subject value, check ids) -> parts`` that warms that domain's caches
for one subject (parts: zero-argument callables, or None when it did its work itself); with
``per="run"`` it is called once, before any subject's job, with the list of every subject value
that needs it (e.g. to queue the TLS scan of all of them at once). Their session objects are
``observations.resource(name, make)``: one per session, shared by the prefetcher and the fixture
the checks use. A prefetcher's failure is not reported by it: the cache keeps the exception and
the check that asks reports it.

Under ``pytest -n N`` each worker has its own phase over the checks xdist hands it (read from the
worker's queue as batches arrive), so workers and threads compose.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from golive.memo import SingleFlight
from golive.profile import DEFAULT_CONCURRENCY
from golive.reach import Reachability
from golive.workers import WorkerPool

if TYPE_CHECKING:
    import pytest

    from golive.http import HttpFetcher
    from golive.profile import Profile

T = TypeVar("T")
log = logging.getLogger("golive.observe")

Part = Callable[[], object]
"""One independent observation of a subject (e.g. its redirect chain), run in any lane."""
Prefetch = Callable[["Observations", Any, frozenset[str]], "Iterable[Part] | None"]

LANES_PER_SUBJECT = 6
"""Parts of one subject in flight at once (requests to one target at a time): as many connections
as a browser opens to one host, enough to overlap a gate's thirty-odd round trips to a distant
target (measured against a target 50 ms away: 4 lanes 1.96 s, 6 lanes 1.79 s, one at a time 3.4 s)."""


@dataclass(frozen=True)
class Prefetcher:
    """A domain's warm-up for one subject (or, ``per="run"``, for the whole run)."""

    name: str
    checks: tuple[str, ...]
    """Check ids it serves; an id ending in "." is a category prefix ("headers.")."""
    function: Prefetch
    per: str = "subject"
    alone: bool = False
    """Run after the subject's other parts, with nothing else of that subject in flight."""

    def serves(self, check_id: str) -> bool:
        return any(check_id == c or (c.endswith(".") and check_id.startswith(c)) for c in self.checks)


_PREFETCHERS: list[Prefetcher] = []


def prefetcher(*checks: str, per: str = "subject", alone: bool = False) -> Callable[[Prefetch], Prefetch]:
    """Register a prefetch function for ``checks`` (ids or "category." prefixes); ``alone``: its
    requests must not overlap the subject's others (latency samples)."""

    def register(function: Prefetch) -> Prefetch:
        name = f"{function.__module__}.{function.__qualname__}"
        _PREFETCHERS[:] = [p for p in _PREFETCHERS if p.name != name]  # re-import replaces
        _PREFETCHERS.append(Prefetcher(name, checks, function, per, alone))
        return function

    return register


def lead(part: Part) -> Part:
    """Mark ``part`` to start first when the lanes open (right after the subject's first contact): a
    chain of requests that must go one after another (the error probes) would otherwise start last
    and end after everything else. A chain is never the first contact while another part can be."""
    part.golive_lead = True  # type: ignore[attr-defined]
    return part


def first_contact(parts: Sequence[Part]) -> Part | None:
    """The part that goes to a subject before any other: its first part that is not a chain (a
    single page, the health request), else its first part.

    Run alone, it finds out whether the subject answers at all. A subject that is down (refused,
    silent, stalling mid-handshake) is then on record (``golive.reach``) before anything else is
    sent, and its other parts fail at once: one timeout and one connection, as before lanes, not
    ``LANES_PER_SUBJECT`` connections held open by a hostile server while other subjects' work
    waits for pool threads. Its cost for a sound subject is that one request's round trip."""
    for part in parts:
        if not getattr(part, "golive_lead", False):
            return part
    return parts[0] if parts else None


def prefetchers() -> list[Prefetcher]:
    return list(_PREFETCHERS)


@dataclass
class Job:
    """Everything one subject's checks will ask for, gathered in one go."""

    subject: str
    steps: list[tuple[Prefetcher, Any, set[str]]] = field(default_factory=list)
    future: Future[None] | None = None
    started: float | None = None
    finished: float | None = None

    def add(self, prefetch: Prefetcher, value: Any, check_id: str) -> None:
        for known, known_value, checks in self.steps:
            if known is prefetch and known_value is value:
                checks.add(check_id)
                return
        self.steps.append((prefetch, value, {check_id}))


@dataclass(frozen=True)
class Need:
    """One collected check as the planner sees it: id, subject name, subject value."""

    check_id: str
    subject: str
    value: Any


class Observations:
    """The session's observation phase: shared session objects, the plan, the pool, its progress."""

    def __init__(self, profile: Profile, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.profile = profile
        self.concurrency = concurrency
        self.reachability = Reachability()
        self._resources: SingleFlight[Any] = SingleFlight()
        self._closers: list[Callable[[], None]] = []
        self._dirs: list[Path] = []
        self._lock = threading.Lock()
        self._pool: WorkerPool | None = None
        self._jobs: dict[str, Job] = {}
        """The open (not yet queued) or latest job of each subject."""
        self._all: list[Job] = []
        self._run_steps: set[str] = set()
        self._planned: set[tuple[str, str, int]] = set()
        self._parts: dict[str, Callable[[], list[str]]] = {}
        self.closed = False

    # ------------------------------------------------------------------ session objects

    def resource(self, name: str, make: Callable[[], T], close: Callable[[T], None] | None = None) -> T:
        """The session's one ``name`` object (made on first use, by whichever thread asks first)."""

        def made() -> T:
            value = make()
            if close is not None:
                with self._lock:
                    self._closers.append(lambda: close(value))
            return value

        return self._resources.get(name, made)

    @property
    def http(self) -> HttpFetcher:
        """The session's HTTP fetcher (what the ``http`` fixture gives checks)."""
        from golive.http import HttpFetcher

        return self.resource("http", lambda: HttpFetcher(default_timeout=self.profile.timeout,
                                                         reachability=self.reachability),
                             lambda fetcher: fetcher.close())

    def workdir(self, name: str) -> Path:
        """A private temporary directory for this session, removed when the session ends."""
        path = Path(tempfile.mkdtemp(prefix=f"golive-{name}-"))
        with self._lock:
            self._dirs.append(path)
        return path

    # ------------------------------------------------------------------ the phase

    def plan(self, needs: Iterable[Need]) -> list[Job]:
        """New jobs for ``needs`` (in the order checks will ask), grouped by subject. Run-wide
        prefetchers are called at once with every subject value that needs them (they return
        immediately, e.g. after queuing a scan)."""
        registered = prefetchers()
        new: list[Job] = []
        run_steps: dict[str, tuple[Prefetcher, list[Any], set[str]]] = {}
        for need in needs:
            marker = (need.check_id, need.subject, id(need.value))
            if marker in self._planned:
                continue
            self._planned.add(marker)
            for prefetch in registered:
                if not prefetch.serves(need.check_id):
                    continue
                if prefetch.per == "run":
                    _, values, checks = run_steps.setdefault(prefetch.name, (prefetch, [], set()))
                    if not any(v is need.value for v in values):
                        values.append(need.value)
                    checks.add(need.check_id)
                    continue
                job = self._jobs.get(need.subject)
                if job is None or job.future is not None:  # xdist: a later batch gets a job of its own
                    job = self._jobs[need.subject] = Job(need.subject)
                    new.append(job)
                    self._all.append(job)
                job.add(prefetch, need.value, need.check_id)
        for prefetch, values, checks in run_steps.values():
            for part in self._step(prefetch, values, checks):  # run-wide prefetchers only queue work
                self._part(part)
        return new

    def start(self, jobs: list[Job]) -> None:
        """Queue ``jobs`` on the pool (created on first use)."""
        if self.closed or not jobs:
            return
        if self._pool is None:
            self._pool = WorkerPool(self.concurrency, "golive-observe")
        for job in jobs:
            job.future = self._pool.submit(lambda job=job: self._run(job))

    def _run(self, job: Job) -> None:
        job.started = time.monotonic()
        try:
            parts: list[Part] = []
            for prefetch, value, checks in job.steps:
                if not prefetch.alone:
                    parts.extend(self._step(prefetch, value, frozenset(checks)))
            parts.sort(key=lambda part: not getattr(part, "golive_lead", False))  # stable: else in check order
            contact = first_contact(parts)
            if contact is not None:  # alone: a dead subject costs one timeout and one connection
                self._part(contact)
                parts.remove(contact)
            self._in_lanes(parts)
            for prefetch, value, checks in job.steps:
                if prefetch.alone and not self.closed:
                    for part in self._step(prefetch, value, frozenset(checks)):
                        self._part(part)
        finally:
            job.finished = time.monotonic()

    def _step(self, prefetch: Prefetcher, value: Any, checks: set[str] | frozenset[str]) -> list[Part]:
        """The prefetcher's parts (it may also have done its work itself and return none)."""
        try:
            return list(prefetch.function(self, value, frozenset(checks)) or ())
        except Exception as exc:  # the cache keeps it; the check that asks reports it
            log.debug("prefetch %s failed: %s", prefetch.name, exc)
            return []

    def _part(self, part: Part) -> None:
        if self.closed:
            return
        try:
            part()
        except Exception as exc:  # the cache keeps it; the check that asks reports it
            log.debug("observation %r failed: %s", part, exc)

    def _in_lanes(self, parts: Sequence[Part]) -> None:
        """Run ``parts`` here and on up to ``LANES_PER_SUBJECT - 1`` free pool threads; return
        when all are done. This thread never waits for a helper that has not started (it takes
        every part left), so a pool whose threads are all busy cannot deadlock on it."""
        lanes = _Lanes(parts, self._part)
        if self._pool is not None:
            for _ in range(min(LANES_PER_SUBJECT, len(parts)) - 1):
                self._pool.submit(lanes.work)
        lanes.work()
        lanes.wait()

    # ------------------------------------------------------------------ progress

    def progress(self) -> tuple[int, int, list[str]]:
        """(subjects observed, subjects planned, names of those still waited on, in plan order)."""
        pending: dict[str, bool] = {}
        for job in list(self._all):
            if job.finished is None:
                pending[job.subject] = True
            else:
                pending.setdefault(job.subject, False)
        waiting = [name for name, open_ in pending.items() if open_]
        return len(pending) - len(waiting), len(pending), waiting

    def add_progress(self, label: str, waiting: Callable[[], list[str]]) -> None:
        """A run-wide part of the phase (the TLS scan) that names the subjects it still waits on."""
        with self._lock:
            self._parts[label] = waiting

    def extra_progress(self) -> list[tuple[str, list[str]]]:
        with self._lock:
            parts = list(self._parts.items())
        return [(label, waiting()) for label, waiting in parts]

    def close(self) -> None:
        """End the phase: queued jobs are cancelled, session objects closed, temp dirs removed."""
        self.closed = True
        if self._pool is not None:
            self._pool.close()
        with self._lock:
            closers, self._closers = self._closers, []
            dirs, self._dirs = self._dirs, []
        for closer in reversed(closers):
            try:
                closer()
            except Exception as exc:  # closing is best effort; the run's outcome is decided
                log.debug("closing a session object failed: %s", exc)
        for path in dirs:
            shutil.rmtree(path, ignore_errors=True)


class _Lanes:
    """The parts of one subject, taken by whichever lane is free; ``wait`` returns when none is
    left or running."""

    def __init__(self, parts: Sequence[Part], run: Callable[[Part], None]) -> None:
        self._parts = deque(parts)
        self._run = run
        self._running = 0
        self._idle = threading.Condition()

    def work(self) -> None:
        while True:
            with self._idle:
                if not self._parts:
                    return
                part = self._parts.popleft()
                self._running += 1
            try:
                self._run(part)
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

    def wait(self) -> None:
        with self._idle:
            self._idle.wait_for(lambda: not self._parts and not self._running)


def needs_of(items: Iterable[pytest.Item]) -> list[Need]:
    """The (check id, subject, value) of every golive check among ``items``, in order."""
    from golive.registry import spec_of
    from golive.stash import CHECK_ID, SUBJECT
    from golive.subjects import get_kind

    found: list[Need] = []
    for item in items:
        check_id = item.stash.get(CHECK_ID, None)
        spec = spec_of(getattr(item, "function", None))
        callspec = getattr(item, "callspec", None)
        if check_id is None or spec is None or spec.over is None or callspec is None:
            continue
        argname = get_kind(spec.over).argname
        if argname in callspec.params:
            found.append(Need(check_id, item.stash[SUBJECT], callspec.params[argname]))
    return found
