"""pytest hooks of the observation phase (``golive.observe``), registered by golive's plugin.

- ``pytest_collection`` (first): the HTTPS targets' trust stores start loading in a thread
  (``golive.http.warm_ssl_contexts``: local files only, nothing is sent), beside the collection.
- ``pytest_runtestloop`` (first): plan the collected checks' observations and start gathering
  them before the first check runs; under xdist, a worker plans each batch the controller sends.
- ``pytest_runtest_protocol`` (xdist workers): plan the checks newly queued on this worker.
- ``pytest_runtest_logreport`` (wrapper): keeps the progress line and pytest's own output apart.
- ``pytest_sessionfinish`` (first): end the phase (queued work cancelled, session objects closed).

Progress: while a check has waited on the network for more than ``PROGRESS_AFTER`` seconds, a
line on pytest's terminal says how many subjects are observed and which are still waited on
(every ``PROGRESS_EVERY`` seconds while the wait lasts). Not under ``-q``, not when the terminal
is not a TTY (CI logs stay as they were).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from typing import Any

import pytest

from golive.http import warm_ssl_contexts
from golive.observe import Observations, needs_of

OBSERVATIONS = pytest.StashKey[Observations]()


def of(config: pytest.Config) -> Observations:
    """The session's observation phase (what fixtures get their shared session objects from)."""
    found = config.stash.get(OBSERVATIONS, None)
    if found is None:
        raise RuntimeError("golive's observation phase is not set up (no profile loaded)")
    return found


def register(config: pytest.Config, profile: Any) -> None:
    """Set up the phase for a run with a profile (called from golive's ``pytest_configure``)."""
    observations = Observations(profile, profile.concurrency)
    config.stash[OBSERVATIONS] = observations
    config.pluginmanager.register(ObservationHooks(config, observations), "golive-observe")


PROGRESS_AFTER = 2.0
PROGRESS_EVERY = 5.0
SHOWN_NAMES = 5


class ObservationHooks:
    """The phase's hooks; one per session (a plugin object, its state on the session)."""

    def __init__(self, config: pytest.Config, observations: Observations) -> None:
        self.config = config
        self.observations = observations
        self._queue: Any = None
        self._seen_queue: tuple[int, ...] = ()
        self._progress: Progress | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> None:
        if self.config.option.collectonly:
            return
        bundles = [str(t.ca_bundle) if t.ca_bundle else None for t in self.observations.profile.targets
                   if t.is_https]
        if bundles:
            warm_ssl_contexts(bundles)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        if self.config.option.collectonly or not session.items:
            return
        workerinput = getattr(self.config, "workerinput", None)
        if workerinput is None:
            self.observations.start(self.observations.plan(needs_of(session.items)))
        else:
            self._queue = _worker_queue(self.config)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and self.config.option.verbose >= 0 and reporter.isatty() and workerinput is None:
            self._progress = Progress(reporter, self.observations)
            self._progress.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        if self._progress is not None:
            self._progress.test_started()
        if self._queue is None:
            return
        queued = _pending(self._queue)
        if queued is None:  # not the xdist we know: observe this check's subject on demand
            self.observations.start(self.observations.plan(needs_of([item])))
            return
        if queued == self._seen_queue:
            return
        self._seen_queue = queued
        items = item.session.items
        self.observations.start(self.observations.plan(needs_of([item, *(items[i] for i in queued)])))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, Any, Any]:
        if self._progress is None:
            return (yield)
        with self._progress.lock:
            self._progress.test_reported()
            return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._progress is not None:
            self._progress.stop()
        self.observations.close()


def _worker_queue(config: pytest.Config) -> Any:
    """xdist's queue of the test indices this worker is to run (None when it cannot be read)."""
    for plugin in config.pluginmanager.get_plugins():
        torun = getattr(plugin, "torun", None)
        if torun is not None and hasattr(torun, "lock"):
            return torun
    return None


def _pending(torun: Any) -> tuple[int, ...] | None:
    try:
        with torun.lock() as items:
            return tuple(i for i in items if isinstance(i, int))
    except Exception:  # another xdist: fall back to on-demand observation
        return None


class Progress:
    """A status line on pytest's terminal while a check waits on the network."""

    def __init__(self, reporter: Any, observations: Observations) -> None:
        self.reporter = reporter
        self.observations = observations
        self.lock = threading.Lock()
        self._since = time.monotonic()
        self._last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="golive-progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)

    def test_started(self) -> None:
        self._since = time.monotonic()

    def test_reported(self) -> None:
        self._since = time.monotonic()
        self._last = 0.0

    def line(self, waited: float) -> str | None:
        done, total, waiting = self.observations.progress()
        for label, part_waiting in self.observations.extra_progress():
            waiting = waiting + [f"{name} ({label})" for name in part_waiting if name not in waiting]
        if not waiting:
            return None
        names = ", ".join(waiting[:SHOWN_NAMES]) + (f" and {len(waiting) - SHOWN_NAMES} more"
                                                    if len(waiting) > SHOWN_NAMES else "")
        return f"golive: {done} of {total} subjects observed; still waiting on {names} ({waited:.0f}s)"

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            waited = now - self._since
            if waited < PROGRESS_AFTER or now - self._last < PROGRESS_EVERY:
                continue
            with self.lock:
                if time.monotonic() - self._since < PROGRESS_AFTER:
                    continue  # the check finished meanwhile
                text = self.line(waited)
                if text:
                    self.reporter.write_line(text)
                    self._last = time.monotonic()
