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
    assert type(session.config.pluginmanager.get_plugin("allure_listener")).__name__ == "LeanListener"
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


VARIED = '''
import logging
import sys

import allure
import pytest


@pytest.fixture
def resource():
    allure.attach("set-up data", name="set-up attachment", attachment_type=allure.attachment_type.TEXT)
    yield "r"
    with allure.step("clean up"):
        pass


@pytest.fixture
def broken_setup():
    raise RuntimeError("set-up boom")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("tear-down boom")


@pytest.fixture
def titled_in_setup():
    allure.dynamic.title("title from a fixture")
    allure.dynamic.description("description from a fixture")


@allure.epic("E")
@allure.feature("F")
@allure.story("S1")
@allure.story("S2")
@allure.severity(allure.severity_level.CRITICAL)
@allure.severity(allure.severity_level.MINOR)
@allure.link("https://example.test/x", name="x")
@allure.issue("I-1")
@allure.tag("t1")
@pytest.mark.smoke
def test_labelled(resource):
    """A docstring, the description."""
    print("to stdout")
    print("to stderr", file=sys.stderr)
    logging.getLogger("varied").warning("to the log")
    with allure.step("step one"):
        allure.attach("body", name="inside a step")
    assert resource == "r"


@allure.title("Title for {value} / {param_id}")
@pytest.mark.parametrize("value", [1, "two", pytest.param(3, marks=pytest.mark.slow)], ids=["one", "a::b", "three"])
def test_titled(value):
    allure.dynamic.label("owner", "me")
    assert value != 3


@allure.description("A marked description")
@allure.description_html("<b>html</b>")
def test_error():
    raise ValueError("broken")


def test_skip():
    pytest.skip("not today")


@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="maybe")
def test_xpass():
    pass


def test_setup_error(broken_setup):
    pass


def test_teardown_error(broken_teardown):
    pass


def test_title_from_a_fixture(titled_in_setup):
    pass


@allure.parent_suite("custom parent")
class TestGroup:
    @allure.sub_suite("custom sub")
    def test_in_class(self):
        allure.dynamic.title("dynamic title")
        allure.dynamic.parameter("p", "v", excluded=True)
        allure.dynamic.suite("dynamic suite")

    def test_second(self, request):
        request.node.add_marker(allure.label("layer", "added during the call"))


@pytest.mark.parametrize("target", ["web", "api"], scope="session")
def test_subject(target, resource):
    assert target
'''


def _comparable(results: Path) -> dict[str, list[str]]:
    """Every result and container as sorted JSON, without what differs between two runs (uuids,
    times, the process id in the thread label), attachments by content, labels as a sorted list
    (allure-pytest collects them in a set: their order differs from run to run anyway)."""
    names = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text())
        names[data["uuid"]] = data["fullName"] + data["name"]

    def normal(value: object) -> object:
        if isinstance(value, dict):
            found = {}
            for key, item in value.items():
                if key in ("uuid", "start", "stop"):
                    continue
                if key == "source":
                    found[key] = (results / item).read_text()
                elif key == "children":
                    found[key] = sorted(names.get(child, child) for child in item)
                elif key == "labels":
                    found[key] = sorted((label["name"], "" if label["name"] == "thread" else label["value"])
                                        for label in item)
                else:
                    found[key] = normal(item)
            return found
        if isinstance(value, list):
            return [normal(item) for item in value]
        return value

    found: dict[str, list[str]] = {"result": [], "container": []}
    for path in results.glob("*.json"):
        kind = "result" if path.name.endswith("-result.json") else "container"
        data = json.loads(path.read_text())
        if kind == "container" and [b["name"] for b in data.get("befores", [])] in (["target"], ["value"]):
            continue  # the parametrize arguments' containers, which golive's listener does not make
        found[kind].append(json.dumps(normal(data), sort_keys=True))
    return {kind: sorted(items) for kind, items in found.items()}


def test_lean_hooks_make_the_results_allure_pytest_makes(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Passes, failures, errors in set-up and tear-down, a skip, an xfail and an xpass, labels
    (unique and repeated), links, tags, titles with parameters and a parameter id with ``::``,
    dynamic titles, labels, parameters and suites, a mark added during the call, steps,
    attachments in tests and fixtures, captured stdout, stderr and log: golive's listener
    (``LeanListener``) writes the same results and containers as allure-pytest's own, including
    the history and test case ids."""
    pytester.mkpydir("pkg")
    (pytester.path / "pkg" / "test_varied.py").write_text(VARIED)
    common = ("-p", "no:locust", "-p", "no:cacheprovider", "-p", "no:randomly")
    plain = tmp_path / "plain"
    pytester.runpytest_subprocess(*common, "--alluredir", str(plain)).assert_outcomes(
        passed=9, failed=2, errors=2, skipped=1, xfailed=1, xpassed=1)
    pytester.makeconftest(CONFTEST)
    ours = tmp_path / "ours"
    pytester.runpytest_subprocess(*common, "--alluredir", str(ours)).assert_outcomes(
        passed=9, failed=2, errors=2, skipped=1, xfailed=1, xpassed=1)
    mine, reference = _comparable(ours), _comparable(plain)
    assert len(mine["result"]) == 15
    assert mine == reference
    assert any('"historyId"' in result and '"testCaseId"' in result for result in mine["result"])


def test_an_unverified_allure_pytest_keeps_its_own_per_test_hooks() -> None:
    from golive.allure_listener import LeanListener, SubjectParamsSkipped, listener_class

    assert listener_class("2.16.2") is LeanListener
    assert listener_class("2.17.0") is SubjectParamsSkipped
    assert listener_class("2.13.5") is SubjectParamsSkipped


@pytest.mark.parametrize(("version", "lean"), [("2.16.2", True), ("2.17.0", False)])
def test_install_draws_uuids_without_a_system_call_only_for_the_verified_version(
        version: str, lean: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import uuid

    from allure_pytest.listener import AllureListener, ItemCache

    from golive import allure_listener
    from golive.allure_test_hooks import LeanItemCache

    listener = AllureListener.__new__(AllureListener)
    listener._cache = ItemCache()
    known = object()
    earlier = listener._cache.push(known)

    class Manager:
        def get_plugin(self, name: str) -> object:
            return listener

        def unregister(self, plugin: object, name: str) -> None:
            pass

        def register(self, plugin: object, name: str) -> None:
            pass

    class Config:
        pluginmanager = Manager()

    monkeypatch.setattr(importlib.metadata, "version", lambda name: version)
    assert allure_listener.install(Config()) is True  # type: ignore[arg-type]
    cache = listener._cache
    assert isinstance(cache, LeanItemCache) is lean
    assert cache.get(known) == earlier  # what was pushed before stays
    key = object()
    drawn = cache.push(key)
    assert cache.push(key) == drawn == cache.get(key) and cache.pop(key) == drawn and cache.get(key) is None
    assert uuid.UUID(drawn).version == 4 and str(uuid.UUID(drawn)) == drawn
