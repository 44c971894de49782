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


MANY = '''
import pytest

@pytest.fixture(scope="session")
def fleet():
    yield "fleet"

@pytest.fixture(scope="module")
def site():
    yield "site"

@pytest.fixture
def probe():
    yield "probe"

@pytest.fixture(scope="session")
def late():
    yield "late"

NAMES = [f"t{i}" for i in range(40)]

@pytest.mark.parametrize("target", NAMES, scope="session")
def test_each(target, fleet, site, probe):
    assert target

@pytest.mark.parametrize("target", NAMES, scope="session")
def test_late(target, fleet, request):
    assert request.getfixturevalue("late") == "late"  # a fixture first used during the call
'''


def _containers(results: Path) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each container as (its fixtures, its children's test names in order), sorted."""
    names = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text())
        names[data["uuid"]] = data["name"]
    found = []
    for path in results.glob("*-container.json"):
        data = json.loads(path.read_text())
        fixtures = tuple(sorted(entry["name"] for entry in data.get("befores", [])))
        found.append((fixtures, tuple(names.get(child, child) for child in data.get("children", []))))
    return sorted(found)


def test_long_lived_fixtures_list_each_test_once_as_allure_pytest_does(pytester: pytest.Pytester,
                                                                        tmp_path: Path) -> None:
    """80 tests share a session fixture (more than ``SHORT_LIST``: its membership is a set): every
    container lists the same children in the same order as allure-pytest's own listener, each once."""
    from golive.allure_listener import SHORT_LIST

    pytester.makepyfile(test_many=MANY)
    common = ("-p", "no:locust", "-p", "no:cacheprovider", "-p", "no:randomly")
    plain = tmp_path / "plain"
    pytester.runpytest_subprocess(*common, "--alluredir", str(plain)).assert_outcomes(passed=80)
    pytester.makeconftest(CONFTEST)
    ours = tmp_path / "ours"
    pytester.runpytest_subprocess(*common, "--alluredir", str(ours)).assert_outcomes(passed=80)

    expected = [(fixtures, children) for fixtures, children in _containers(plain) if fixtures != ("target",)]
    assert _containers(ours) == expected  # the subject parameter's containers aside (see above)
    fleet = next(children for fixtures, children in expected if fixtures == ("fleet",))
    assert len(fleet) == len(set(fleet)) == 80 > SHORT_LIST
    late = next(children for fixtures, children in expected if fixtures == ("late",))
    assert len(late) == 40 and all(name.startswith("test_late") for name in late)
