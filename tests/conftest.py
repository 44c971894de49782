"""Shared fixtures of golive's own tests: demo targets by flaw set, and the golive runner."""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import GoliveRun, run_golive


@pytest.fixture(autouse=True)
def _no_stale_golive_modules_after_inprocess_runs(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test with an in-process pytester run, forget the golive modules that run imported.

    pytester drops every module a run imported from ``sys.modules`` but leaves it as an attribute of
    its package. ``from golive import allure_listener`` would then give the old module while
    ``from golive.allure_test_hooks import LeanItemCache`` imports a fresh one: two unrelated classes
    of one name, and an ``isinstance`` that fails only in the orders xdist happens to choose.
    """
    yield
    if "pytester" in request.fixturenames:
        forget_golive_modules_gone_from_sys_modules()


def forget_golive_modules_gone_from_sys_modules() -> None:
    """Delete package attributes naming golive submodules that ``sys.modules`` no longer holds."""
    for name, package in list(sys.modules.items()):
        if name != "golive" and not name.startswith("golive."):
            continue
        for attribute, value in list(vars(package).items()):
            if (isinstance(value, types.ModuleType) and value.__name__ == f"{name}.{attribute}"
                    and sys.modules.get(value.__name__) is not value):
                delattr(package, attribute)


@pytest.fixture(scope="session")
def demo_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """``demo_target("hsts_missing")`` → a running ``DemoTarget`` with exactly those flaws.

    One server per flaw set per test session (per xdist worker), stopped by PID at the end.
    """
    from golive.demo import start_demo

    stack = contextlib.ExitStack()
    running: dict[frozenset[str], Any] = {}
    state = tmp_path_factory.mktemp("demo-state")

    def get(*flaws: str) -> Any:
        key = frozenset(flaws)
        if key not in running:
            running[key] = stack.enter_context(start_demo(flaws=set(flaws), state_dir=state))
        return running[key]

    with stack:
        yield get


@pytest.fixture
def golive(tmp_path: Path) -> Callable[..., GoliveRun]:
    """``golive(profile_dict, "-m", "smoke")`` → a finished ``GoliveRun``."""

    def run(profile: dict[str, Any] | Path, *args: str, **kwargs: Any) -> GoliveRun:
        return run_golive(profile, *args, tmp_path=kwargs.pop("tmp_path", tmp_path), **kwargs)

    return run


def demo_profile(demo: Any, name: str = "selftest", **extra: Any) -> dict[str, Any]:
    """A profile with the demo target as ``web`` (plus any extra top-level keys)."""
    return {"name": name, "environment": "staging", "timeout": "5s", "targets": [demo.target_dict("web")], **extra}
