"""allure-pytest's listener, without the set-up step of each check's subject parameter.

golive parametrizes every check over its subjects (``target``, ``host``, ``database``), session
scoped so that pytest keeps one subject's checks together. pytest sets that parameter up as a
pseudo-fixture (``DirectParamFixtureDef``) for each check, and allure-pytest's listener records it
like any fixture: a container, a "before" step, a wrapped finalizer and its "after" step, reported
when the parameter is torn down. Such a fixture cannot fail or attach anything, so every one of
those containers is noise that ``allure_env.prune_fixture_noise`` would remove from the report
anyway; building them cost a 2,000-check run about a tenth of its time.

``install(config)`` swaps the class of the listener allure-pytest registered for this run
(``"allure_listener"``) for ``SubjectParamsSkipped`` and registers it again with pytest, so that
the two overridden hooks take effect; every other hook, and the listener's state, stay allure-pytest's.
The Allure results are those of allure-pytest after the pruning (``tests/test_allure_writer.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from allure_pytest.listener import AllureListener

try:  # pytest >= 8.1: the pseudo-fixture of a direct parametrization has its own class
    from _pytest.python import DirectParamFixtureDef as _DirectParam
except ImportError:  # pragma: no cover - older pytest: told by the function it wraps
    _DirectParam = None  # type: ignore[assignment,misc]


def is_direct_param(fixturedef: Any) -> bool:
    """``fixturedef`` is the pseudo-fixture pytest makes for a ``parametrize`` argument."""
    if _DirectParam is not None:
        return isinstance(fixturedef, _DirectParam)
    return getattr(getattr(fixturedef, "func", None), "__name__", "") == "get_direct_param_fixture_func"


class SubjectParamsSkipped(AllureListener):
    """allure-pytest's listener; a parametrize argument's pseudo-fixture gets no container."""

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


def install(config: pytest.Config) -> bool:
    """Use ``SubjectParamsSkipped`` for this run's allure-pytest listener (False when there is none,
    or when it is not allure-pytest's own class: then it is left alone)."""
    manager = config.pluginmanager
    listener = manager.get_plugin("allure_listener")
    if listener is None or type(listener) is not AllureListener:
        return False
    manager.unregister(listener, "allure_listener")
    listener.__class__ = SubjectParamsSkipped
    manager.register(listener, "allure_listener")
    return True
