"""allure-pytest's listener without the subject parameters' containers (``golive.allure_listener``).

A real pytest run (pytester, subprocess) with allure-pytest's own file logger: a session-scoped
parametrize argument (what golive's subjects are) gets no container, a real fixture keeps its
container, a broken one with its status, and every test still has its result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = '''
from golive import allure_listener

def pytest_sessionstart(session):
    assert allure_listener.install(session.config)
    assert type(session.config.pluginmanager.get_plugin("allure_listener")).__name__ == "SubjectParamsSkipped"
'''

CHECKS = '''
import pytest

@pytest.fixture
def database():
    yield "db"

@pytest.fixture
def broken():
    raise RuntimeError("connection refused")

@pytest.mark.parametrize("target", ["web", "api"], scope="session")
def test_subject(target, database):
    assert target

def test_broken(broken):
    pass
'''


def test_subject_parameters_get_no_container(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_checks=CHECKS)
    results = tmp_path / "allure-results"
    outcome = pytester.runpytest_subprocess("-p", "no:locust", "-p", "no:cacheprovider",
                                            "--alluredir", str(results))
    outcome.assert_outcomes(passed=2, errors=1)
    containers = [json.loads(p.read_text()) for p in results.glob("*-container.json")]
    befores = sorted(entry["name"] for c in containers for entry in c.get("befores", []))
    assert "target" not in befores, befores
    assert befores.count("database") == 2 and "broken" in befores, befores
    broken = next(e for c in containers for e in c.get("befores", []) if e["name"] == "broken")
    assert broken["status"] == "broken" and "connection refused" in broken["statusDetails"]["message"]
    names = sorted(json.loads(p.read_text())["name"] for p in results.glob("*-result.json"))
    assert names == ["test_broken", "test_subject[api]", "test_subject[web]"], names


def test_install_leaves_a_listener_of_another_class_alone() -> None:
    from allure_pytest.listener import AllureListener

    from golive import allure_listener

    class Other(AllureListener):
        pass

    class Manager:
        def __init__(self, plugin: object) -> None:
            self.plugin = plugin

        def get_plugin(self, name: str) -> object:
            return self.plugin

    class Config:
        pluginmanager = Manager(Other.__new__(Other))

    assert allure_listener.install(Config()) is False  # type: ignore[arg-type]
    Config.pluginmanager = Manager(None)
    assert allure_listener.install(Config()) is False  # type: ignore[arg-type]
