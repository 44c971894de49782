"""allure-pytest's listener, without the set-up step of each check's subject parameter.

golive parametrizes every check over its subjects (``target``, ``host``, ``database``), session
scoped so that pytest keeps one subject's checks together. pytest sets that parameter up as a
pseudo-fixture (``DirectParamFixtureDef``) for each check, and allure-pytest's listener records it
like any fixture: a container, a "before" step, a wrapped finalizer and its "after" step, reported
when the parameter is torn down. Such a fixture cannot fail or attach anything, so every one of
those containers is noise that ``allure_env.prune_fixture_noise`` would remove from the report
anyway; building them cost a 2,000-check run about a tenth of its time.

It also keeps allure-pytest's record of which tests a fixture's container holds linear. For each
test, twice, allure-pytest asks whether the test is already among the children of every fixture
it uses, by scanning the container's list: a session-scoped fixture's list holds every test of the
run, so the cost grows with the square of the run (3.7 s of a 160-target fleet gate, against 0.5 s
at 40 targets). ``_update_fixtures_children`` does the same updates, in the same order, and answers
that question from a set kept beside a long list (rebuilt if anything else changes the list).

``install(config)`` swaps the class of the listener allure-pytest registered for this run
(``"allure_listener"``) for ``LeanListener`` (``SubjectParamsSkipped`` with the per-test hooks of
``golive.allure_test_hooks``, and its ``LeanItemCache`` of uuids; ``SubjectParamsSkipped`` alone
under an allure-pytest version those hooks were not verified against) and registers it again with
pytest, so that the overridden hooks take effect; every other hook, and the listener's state, stay
allure-pytest's. The Allure results are those of allure-pytest after the pruning
(``tests/test_allure_writer.py``, ``tests/test_allure_listener.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from allure_commons.model2 import TestResultContainer
from allure_pytest.listener import AllureListener, _test_fixtures

from golive.allure_test_hooks import VERIFIED_ALLURE_PYTEST, LeanItemCache, LeanTestHooks

try:  # pytest >= 8.1: the pseudo-fixture of a direct parametrization has its own class
    from _pytest.python import DirectParamFixtureDef as _DirectParam
except ImportError:  # pragma: no cover - older pytest: told by the function it wraps
    _DirectParam = None  # type: ignore[assignment,misc]


def is_direct_param(fixturedef: Any) -> bool:
    """``fixturedef`` is the pseudo-fixture pytest makes for a ``parametrize`` argument."""
    if _DirectParam is not None:
        return isinstance(fixturedef, _DirectParam)
    return getattr(getattr(fixturedef, "func", None), "__name__", "") == "get_direct_param_fixture_func"


SHORT_LIST = 16
"""Up to this many children, a container's list is scanned (as allure-pytest does); beyond it, a set
answers: only the few containers of long-lived fixtures get one."""


class SubjectParamsSkipped(AllureListener):
    """allure-pytest's listener; a parametrize argument's pseudo-fixture gets no container, and a
    test's membership in a long-lived fixture's container is looked up in a set."""

    def _update_fixtures_children(self, item: Any) -> None:
        """allure-pytest's ``_update_fixtures_children`` (same containers, same children, same
        order), with ``uuid in group.children`` answered by ``_has_child``."""
        uuid = self._cache.get(item.nodeid)
        for fixturedef in _test_fixtures(item):
            group_uuid = self._cache.get(fixturedef)
            if group_uuid:
                group = self.allure_logger.get_item(group_uuid)
            else:
                group_uuid = self._cache.push(fixturedef)
                group = TestResultContainer(uuid=group_uuid)
                self.allure_logger.start_group(group_uuid, group)
            if not self._has_child(group_uuid, group, uuid):
                self.allure_logger.update_group(group_uuid, children=uuid)

    def _has_child(self, group_uuid: Any, group: Any, uuid: Any) -> bool:
        """``uuid in group.children``; when False, the caller appends ``uuid`` to the list at once."""
        children = group.children
        if len(children) <= SHORT_LIST:
            return uuid in children
        known: dict[Any, tuple[set[Any], int]] = self.__dict__.setdefault("_golive_children", {})
        members, counted = known.get(group_uuid, (None, -1))
        if members is None or counted != len(children):  # first look, or the list changed elsewhere
            members = set(children)
        if uuid in members:
            known[group_uuid] = (members, len(children))
            return True
        members.add(uuid)
        known[group_uuid] = (members, len(children) + 1)  # the caller appends it now
        return False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Generator[None, Any, None]:
        if is_direct_param(fixturedef):
            yield
            return
        yield from AllureListener.pytest_fixture_setup(self, fixturedef, request)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_post_finalizer(self, fixturedef: Any) -> Generator[None, Any, None]:
        if is_direct_param(fixturedef):
            yield
            return
        yield from AllureListener.pytest_fixture_post_finalizer(self, fixturedef)


class LeanListener(LeanTestHooks, SubjectParamsSkipped):
    """``SubjectParamsSkipped`` with allure-pytest's per-test hooks done for less work."""


def listener_class(allure_pytest_version: str) -> type[SubjectParamsSkipped]:
    """The lean per-test hooks where they mirror this allure-pytest; its own hooks elsewhere."""
    return LeanListener if allure_pytest_version.startswith(VERIFIED_ALLURE_PYTEST) else SubjectParamsSkipped


def shows_stashed_parameters(config: pytest.Config) -> bool:
    """This run's listener reads ``SHOWN_PARAMETERS`` (the lean hooks are installed)."""
    return isinstance(config.pluginmanager.get_plugin("allure_listener"), LeanTestHooks)


def install(config: pytest.Config) -> bool:
    """Use golive's listener class for this run's allure-pytest listener (False when there is none,
    or when it is not allure-pytest's own class: then it is left alone)."""
    from importlib.metadata import PackageNotFoundError, version

    manager = config.pluginmanager
    listener = manager.get_plugin("allure_listener")
    if listener is None or type(listener) is not AllureListener:
        return False
    try:
        allure_pytest_version = version("allure-pytest")
    except PackageNotFoundError:  # pragma: no cover - imported above, so installed
        allure_pytest_version = ""
    manager.unregister(listener, "allure_listener")
    listener.__class__ = listener_class(allure_pytest_version)
    if isinstance(listener, LeanTestHooks):  # the verified allure-pytest: its cache keeps ``_items``
        listener._cache = LeanItemCache(getattr(listener._cache, "_items", None))
    manager.register(listener, "allure_listener")
    return True
