"""One subject's observations in lanes (``golive.observe``): the rule, without a network.

A prefetcher returns its subject's observations as parts; the phase runs them side by side, at
most ``LANES_PER_SUBJECT`` of one subject at once, and an ``alone`` prefetcher's parts after the
others, with none of them in flight. Proven with barriers (parts that can only finish when enough
of them run at the same time) and in-flight counters, never with timings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from golive import observe
from golive.observe import LANES_PER_SUBJECT, Need, Observations, lead, prefetcher


@pytest.fixture(autouse=True)
def own_registry() -> Iterator[None]:
    """These tests' prefetchers replace the domains' for the test, and only for it."""
    saved = observe._PREFETCHERS[:]
    observe._PREFETCHERS.clear()
    yield
    observe._PREFETCHERS[:] = saved


class InFlight:
    """Parts of each subject running now, the most at once, and what ran."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.ran: list[tuple[str, str, int]] = []
        """(subject, part, parts of that subject running beside it when it started)."""

    def part(self, subject: str, name: str, body: Callable[[], Any] = lambda: None) -> Callable[[], None]:
        def run() -> None:
            with self.lock:
                self.ran.append((subject, name, self.now.get(subject, 0)))
                self.now[subject] = self.now.get(subject, 0) + 1
                self.most[subject] = max(self.most.get(subject, 0), self.now[subject])
            try:
                body()
            finally:
                with self.lock:
                    self.now[subject] -= 1

        return run


def _gather(needs: list[Need], concurrency: int) -> Observations:
    phase = Observations(profile=None, concurrency=concurrency)  # type: ignore[arg-type]  # no domain asks it
    jobs = phase.plan(needs)
    phase.start(jobs)
    for job in jobs:
        assert job.future is not None
        job.future.result(timeout=30)  # a deadlock fails here, not by hanging the suite
    return phase


def test_one_subjects_parts_run_side_by_side() -> None:
    """Parts that each wait until LANES_PER_SUBJECT of them have started: only lanes finish them."""
    flight = InFlight()
    together = threading.Barrier(LANES_PER_SUBJECT, timeout=10)
    met: list[str] = []

    def meet(name: str) -> Callable[[], None]:
        return lambda: (together.wait(), met.append(name))

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, "contact"),
                *(flight.part(subject, f"p{i}", meet(f"p{i}")) for i in range(LANES_PER_SUBJECT))]

    _gather([Need("x.check", "web", "web")], concurrency=8).close()
    assert sorted(met) == [f"p{i}" for i in range(LANES_PER_SUBJECT)], "the parts could not all meet"
    assert flight.most["web"] == LANES_PER_SUBJECT


def test_never_more_than_the_lanes_of_one_subject() -> None:
    flight = InFlight()
    release = threading.Event()
    started = threading.Semaphore(0)

    def hold() -> None:
        started.release()
        release.wait(10)

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, "contact"),
                *(flight.part(subject, f"p{i}", hold) for i in range(3 * LANES_PER_SUBJECT))]

    releaser = threading.Thread(target=lambda: ([started.acquire(timeout=10) for _ in range(LANES_PER_SUBJECT)],
                                                release.set()))
    releaser.start()
    _gather([Need("x.check", "web", "web")], concurrency=16).close()
    releaser.join()
    assert flight.most["web"] == LANES_PER_SUBJECT, flight.most
    assert len(flight.ran) == 1 + 3 * LANES_PER_SUBJECT


def test_an_alone_part_runs_after_the_others_with_none_in_flight() -> None:
    flight = InFlight()
    order: list[str] = []

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, f"p{i}", lambda i=i: order.append(f"p{i}")) for i in range(6)]

    @prefetcher("x.sample", alone=True)
    def sample(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, "sample", lambda: order.append("sample"))]

    _gather([Need("x.sample", "web", "web"), Need("x.check", "web", "web")], concurrency=8).close()
    assert order[-1] == "sample" and len(order) == 7, order
    assert ("web", "sample", 0) in flight.ran, flight.ran


def test_a_subjects_first_part_goes_alone_before_the_lanes_open() -> None:
    """The first contact runs with nothing else of its subject in flight; the other parts start only
    when it is done (a dead subject is found out by one request, not by six at once)."""
    flight = InFlight()
    contact_done = threading.Event()
    other_started = threading.Event()
    started_early: list[str] = []

    def make_contact() -> None:
        other_started.wait(0.5)  # gives a lane that would start beside it the time to show itself
        contact_done.set()

    def note(name: str) -> Callable[[], None]:
        def run() -> None:
            other_started.set()
            if not contact_done.is_set():
                started_early.append(name)

        return run

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, "contact", make_contact),
                *(flight.part(subject, f"p{i}", note(f"p{i}")) for i in range(2 * LANES_PER_SUBJECT))]

    _gather([Need("x.check", "web", "web")], concurrency=8).close()
    assert flight.ran[0] == ("web", "contact", 0), flight.ran
    assert started_early == [], "parts started while the first contact was in flight"
    assert len(flight.ran) == 1 + 2 * LANES_PER_SUBJECT


def test_a_chain_alone_is_its_subjects_first_contact() -> None:
    flight = InFlight()

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [lead(flight.part(subject, "chain"))]

    _gather([Need("x.check", "web", "web")], concurrency=1).close()
    assert [name for _, name, _ in flight.ran] == ["chain"], "a chain alone is its subject's first contact"
    assert observe.first_contact([lead(lambda: None)]) is not None
    assert observe.first_contact([]) is None


def test_a_lead_part_starts_before_the_others() -> None:
    """The error probes' chain is listed after the headers' parts, yet starts first once the first
    contact is done (one lane here, so the order shows)."""
    flight = InFlight()

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, "p0"), flight.part(subject, "p1"), lead(flight.part(subject, "chain")),
                flight.part(subject, "p2")]

    _gather([Need("x.check", "web", "web")], concurrency=1).close()
    assert [name for _, name, _ in flight.ran] == ["p0", "chain", "p1", "p2"]


def test_a_busy_pool_runs_each_subjects_parts_in_its_own_thread() -> None:
    """concurrency 1: the helpers of each subject queue behind the other subjects' jobs; the job
    takes every part itself (no deadlock) and one request goes at a time."""
    flight = InFlight()

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part("all", f"{subject}-p{i}") for i in range(5)]

    subjects = [f"t{i}" for i in range(4)]
    _gather([Need("x.check", name, name) for name in subjects], concurrency=1).close()
    assert len(flight.ran) == 4 * 5
    assert flight.most["all"] == 1, flight.most


def test_a_failing_part_leaves_the_others_and_the_phase_alone() -> None:
    flight = InFlight()

    def boom() -> None:
        raise ConnectionError("refused")

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        return [flight.part(subject, "bad", boom), *(flight.part(subject, f"p{i}") for i in range(3))]

    _gather([Need("x.check", "web", "web")], concurrency=4).close()
    assert sorted(name for _, name, _ in flight.ran) == ["bad", "p0", "p1", "p2"]


def test_a_closed_phase_starts_no_further_part() -> None:
    flight = InFlight()
    phase_box: list[Observations] = []

    def close_phase() -> None:
        phase_box[0].closed = True

    @prefetcher("x.check")
    def parts(observations: Observations, subject: str, checks: frozenset[str]) -> list[Callable[[], None]]:
        phase_box.append(observations)
        return [flight.part(subject, "first", close_phase), *(flight.part(subject, f"p{i}") for i in range(3))]

    _gather([Need("x.check", "web", "web")], concurrency=1).close()
    assert [name for _, name, _ in flight.ran] == ["first"]
