"""allure-pytest's per-test hooks, with what is the same for every test of one definition done once.

For each test, allure-pytest's listener runs eight hook wrappers (protocol, set-up, call,
tear-down, three reports, log finish) and, in them, derives the test's full name, title path, test
case id, package and default suites from its node id, walks the test's marks six times (labels
twice, tags, links, description, HTML description) and builds its labels. golive runs one check
over hundreds of subjects: the same definition, the same node-id prefix, the same catalog marks.
On 2,000 trivial checks that per-test work cost the checks' thread about 0.25 s, the largest part
of what the Allure results cost a run besides writing them.

``LeanTestHooks`` builds the same test result, field for field (the labels taken from marks come
in the marks' order: allure-pytest gathers them in a set, whose order changes from run to run):

- what depends only on the node id's prefix (the part before the parameters) is derived once per
  definition (``_Definition``); a parameter id that contains ``::`` would change how allure-pytest
  splits the node id, so such a test gets its own;
- the marks are walked once per hook that reads them, and their labels, tags, links and
  descriptions taken from that one list with allure-pytest's own rules (``_MarkDigest``), labels,
  tags and links in one pass;
- the wrappers are pytest's new-style wrappers, cheaper to call than the old-style ones, and five
  instead of eight: pytest asks for a phase's report as soon as the phase's hook returns or
  raises, so the report wrapper also does what allure-pytest does at the end of the set-up and
  of the tear-down, at the same moment; the call's wrapper keeps the call's start and stop; each
  part runs whether the phase passed or raised, as before, and the report is read with
  allure-pytest's rules (``_judge``);
- a label is one object per name and value, shared by the results that carry it; ids come from
  ``LeanItemCache`` (no system call per test);
- a parameter with a value to show in the item's stash (``golive.stash.SHOWN_PARAMETERS``: a
  check's subject, shown by name) is recorded with that value, as if set by
  ``allure.dynamic.parameter`` during the set-up.

What changes a result during the test (allure's dynamic API, fixtures, marks added while it runs)
is read at the same moment as allure-pytest reads it. It mirrors allure-pytest 2.16
(``VERIFIED_ALLURE_PYTEST``); with another version, ``golive.allure_listener`` keeps allure-pytest's
own hooks. ``tests/test_allure_listener.py`` compares the results of both listeners on a suite of
passes, failures, errors in set-up and tear-down, skips, xfails, marks, titles, links, steps,
attachments and captured output.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest
from allure_commons.model2 import Label, Link, Parameter, Status, StatusDetails, TestResult
from allure_commons.types import AttachmentType, LabelType
from allure_commons.utils import md5, now, platform_label, represent
from allure_pytest.listener import _exception_brokes_test
from allure_pytest.utils import (
    ALLURE_DESCRIPTION_HTML_MARK,
    ALLURE_DESCRIPTION_MARK,
    ALLURE_LABEL_MARK,
    ALLURE_LINK_MARK,
    ALLURE_UNIQUE_LABELS,
    allure_full_name,
    allure_name,
    allure_package,
    allure_title,
    allure_title_path,
    get_history_id,
    get_pytest_report_status,
    parse_nodeid,
    should_convert_mark_to_tag,
)

from golive.allure_uuids import UuidSource
from golive.stash import SHOWN_PARAMETERS

VERIFIED_ALLURE_PYTEST = ("2.16.",)
"""allure-pytest versions whose per-test hooks ``LeanTestHooks`` reproduces (prefixes)."""

SUITE_LABELS = frozenset({LabelType.PARENT_SUITE, LabelType.SUITE, LabelType.SUB_SUITE})


@dataclass(frozen=True)
class _Definition:
    """What allure-pytest derives from a test's node id, the same for each test of one definition."""

    full_name: str
    title_path: tuple[str, ...]
    test_case_id: str
    package_label: Label
    suite_labels: tuple[Label, ...]
    """Parent suite, suite and sub-suite, the empty ones left out."""

    @classmethod
    def of(cls, item: Any) -> _Definition:
        """allure-pytest's own functions, asked once; the default suites before allure-pytest drops
        those the marks set (that depends on each test's marks: ``_after_teardown`` does it)."""
        nodeid = parse_nodeid(item)
        full_name = allure_full_name(item)
        suites = ((LabelType.PARENT_SUITE, nodeid.parent_package), (LabelType.SUITE, nodeid.module),
                  (LabelType.SUB_SUITE, " > ".join(nodeid.class_names)))
        return cls(full_name=full_name, title_path=tuple(allure_title_path(item)), test_case_id=md5(full_name),
                   package_label=shared_label("package", allure_package(item)),
                   suite_labels=tuple(shared_label(label, value) for label, value in suites if value))


class _MarkDigest:
    """A test's marks walked once, read with allure-pytest's rules (``allure_pytest.utils``)."""

    __slots__ = ("marks",)

    def __init__(self, item: Any) -> None:
        self.marks = tuple(item.iter_markers())

    def closest_value(self, name: str) -> Any:
        """``get_marker_value``: the first argument of the closest mark of that name."""
        for mark in self.marks:
            if mark.name == name:
                return mark.args[0] if mark.args else None
        return None

    def read(self) -> tuple[list[Label], list[Label], list[tuple[Any, Any, Any]]]:
        """What the tear-down takes from the marks, in one pass: ``allure_labels`` (the first of each
        unique label type, every value of the others, each pair once; allure-pytest collects them
        in a set, whose order changes from run to run: here they come in the marks' order), the
        tags of ``pytest_markers`` and the links of ``allure_links``."""
        unique: set[Any] = set()
        seen: set[tuple[Any, Any]] = set()
        labels: list[Label] = []
        tags: list[Label] = []
        links: list[tuple[Any, Any, Any]] = []
        for mark in self.marks:
            name = mark.name
            if name == ALLURE_LABEL_MARK:  # keyword arguments: never a tag
                label_type = mark.kwargs["label_type"]
                if label_type in ALLURE_UNIQUE_LABELS:
                    if label_type in unique:
                        continue
                    unique.add(label_type)
                    values: tuple[Any, ...] = (mark.args[0],)
                else:
                    values = mark.args
                for value in values:
                    if (label_type, value) not in seen:
                        seen.add((label_type, value))
                        labels.append(shared_label(label_type, value))
            elif name == ALLURE_LINK_MARK:  # likewise
                links.append((mark.kwargs["link_type"], mark.args[0], mark.kwargs["name"]))
            elif should_convert_mark_to_tag(mark):
                tags.append(shared_label(LabelType.TAG, name))
        return labels, tags, links


class LeanTestHooks:
    """Mixed into allure-pytest's ``AllureListener`` (before it): its per-test hooks, the same
    results for less work. Needs the listener's ``allure_logger``, ``_cache``, ``_host`` and
    ``_thread``, and its ``_update_fixtures_children``."""

    allure_logger: Any
    config: Any
    _cache: Any
    _host: str
    _thread: str
    attach_data: Any

    _update_fixtures_children: Any

    pytest_runtest_setup = None
    """Not a hook here: the end of the set-up is read by ``pytest_runtest_makereport`` (pluggy
    registers only routines, so this hides allure-pytest's set-up wrapper)."""
    pytest_runtest_teardown = None
    """Likewise for the tear-down."""

    def _definition(self, item: Any) -> _Definition:
        """Derived once per node-id prefix; a parameter id with ``::`` in it is split by allure-pytest
        as part of the node id, so that test gets its own."""
        known: dict[tuple[Any, ...], _Definition] = self.__dict__.setdefault("_golive_definitions", {})
        prefix, _, parameters = item.nodeid.partition("[")
        if "::" in parameters:
            return _Definition.of(item)
        key = (prefix, getattr(item, "originalname", None), isinstance(item, pytest.Function))
        definition = known.get(key)
        if definition is None:
            definition = known[key] = _Definition.of(item)
        return definition

    def _schedule(self, item: Any) -> None:
        uuid = self._cache.push(item.nodeid)
        self.allure_logger.schedule_test(uuid, TestResult(name=item.name, uuid=uuid, start=now(), stop=now()))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Generator[None, Any, Any]:
        self._schedule(item)
        try:
            return (yield)
        finally:
            uuid = self._cache.pop(item.nodeid)
            if uuid:
                test_result = self.allure_logger.get_test(uuid)
                if test_result.status is None:
                    test_result.status = Status.SKIPPED
                self.allure_logger.close_test(uuid)

    def _after_setup(self, item: Any) -> None:
        self._update_fixtures_children(item)
        test_result = self.allure_logger.get_test(self._cache.get(item.nodeid))
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        definition = self._definition(item)
        test_result.name = (allure_name(item, params, callspec.id if callspec is not None else None)
                            if allure_title(item) else item.name)
        test_result.fullName = definition.full_name
        test_result.titlePath = [*definition.title_path]
        test_result.testCaseId = definition.test_case_id
        marks = _MarkDigest(item)
        description = marks.closest_value(ALLURE_DESCRIPTION_MARK)
        if not description and hasattr(item, "function"):
            description = item.function.__doc__
        test_result.description = description
        test_result.descriptionHtml = marks.closest_value(ALLURE_DESCRIPTION_HTML_MARK)
        current = [parameter.name for parameter in test_result.parameters]
        shown = item.stash.get(SHOWN_PARAMETERS, {})
        test_result.parameters.extend([Parameter(name=name, value=represent(shown.get(name, value)))
                                       for name, value in params.items() if name not in current])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: Any) -> Generator[None, Any, Any]:
        uuid = self._cache.get(item.nodeid)
        test_result = self.allure_logger.get_test(uuid)
        if test_result:
            self.allure_logger.drop_test(uuid)
            self.allure_logger.schedule_test(uuid, test_result)
            test_result.start = now()
        try:
            return (yield)
        finally:
            self._update_fixtures_children(item)
            if test_result:
                test_result.stop = now()

    def _after_teardown(self, item: Any) -> None:
        test_result = self.allure_logger.get_test(self._cache.get(item.nodeid))
        callspec = getattr(item, "callspec", None)
        test_result.historyId = get_history_id(test_result.fullName, test_result.parameters,
                                               original_values=callspec.params if callspec is not None else {})
        mark_labels, tags, links = _MarkDigest(item).read()
        labels = test_result.labels
        labels += mark_labels
        labels += tags
        present = {label.name for label in labels if label.name in SUITE_LABELS}
        definition = self._definition(item)
        labels.extend(label for label in definition.suite_labels if label.name not in present)
        labels += self._run_labels()
        labels.append(definition.package_label)
        test_result.links.extend([Link(link_type, url, name) for link_type, url, name in links])

    def _run_labels(self) -> tuple[Label, ...]:
        """Host, thread, framework and language: the same on every test of this listener."""
        run_labels: tuple[Label, ...] | None = self.__dict__.get("_golive_run_labels")
        if run_labels is None:
            run_labels = self.__dict__["_golive_run_labels"] = (
                shared_label(LabelType.HOST, self._host), shared_label(LabelType.THREAD, self._thread),
                shared_label(LabelType.FRAMEWORK, "pytest"), shared_label(LabelType.LANGUAGE, platform_label()))
        return run_labels

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Generator[None, Any, Any]:
        """Also the end of the set-up and of the tear-down: pytest asks for the report of a phase
        as soon as the phase's hook returns or raises, the moment allure-pytest's set-up and
        tear-down wrappers do this work at, one hook call fewer each."""
        if call.when == "setup":
            if not self._cache.get(item.nodeid):  # a set-up run outside the protocol hook: the test
                self._schedule(item)  # is scheduled late, without what its set-up told allure
            self._after_setup(item)
        elif call.when == "teardown":
            self._after_teardown(item)
        uuid = self._cache.get(item.nodeid)
        report = yield
        self._judge(self.allure_logger.get_test(uuid), report, call)
        return report

    def _judge(self, test_result: Any, report: Any, call: Any) -> None:
        """allure-pytest's reading of one phase's report: the test's status and its details."""
        status = get_pytest_report_status(report)
        status_details = None
        if call.excinfo:
            message = call.excinfo.exconly()
            if hasattr(report, "wasxfail"):
                reason = report.wasxfail
                message = (f"XFAIL {reason}" if reason else "XFAIL") + "\n\n" + message
            status_details = StatusDetails(message=message, trace=report.longreprtext)
            if status != Status.SKIPPED and _exception_brokes_test(call.excinfo.value):
                status = Status.BROKEN
        if status == Status.PASSED and hasattr(report, "wasxfail"):
            reason = report.wasxfail
            status_details = StatusDetails(message=f"XPASS {reason}" if reason else "XPASS")
        if report.when == "setup":
            test_result.status = status
            test_result.statusDetails = status_details
        elif report.when == "call":
            if test_result.status == Status.PASSED:
                test_result.status = status
                test_result.statusDetails = status_details
        elif report.when == "teardown":
            if status in (Status.FAILED, Status.BROKEN) and test_result.status == Status.PASSED:
                test_result.status = status
                test_result.statusDetails = status_details
            if self.config.option.attach_capture:
                if report.caplog:
                    self.attach_data(report.caplog, "log", AttachmentType.TEXT, None)
                if report.capstdout:
                    self.attach_data(report.capstdout, "stdout", AttachmentType.TEXT, None)
                if report.capstderr:
                    self.attach_data(report.capstderr, "stderr", AttachmentType.TEXT, None)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        """Closed after the other plugins' own log-finish hooks (allure-pytest closes it in a
        wrapper, after them too)."""
        uuid = self._cache.pop(nodeid)
        if uuid:
            self.allure_logger.close_test(uuid)


class LeanItemCache:
    """allure-pytest's ``ItemCache`` (the uuid of a test or fixture, by the identity of its key),
    its uuids drawn from ``UuidSource`` rather than one ``uuid.uuid4()`` system call each."""

    def __init__(self, items: dict[int, str] | None = None) -> None:
        self._items: dict[int, str] = dict(items or {})
        self._uuids = UuidSource()

    def get(self, key: Any) -> str | None:
        return self._items.get(id(key))

    def push(self, key: Any) -> str:
        uuid = self._items.get(id(key))
        if uuid is None:
            uuid = self._items[id(key)] = self._uuids()
        return uuid

    def pop(self, key: Any) -> str | None:
        return self._items.pop(id(key), None)


_LABELS: dict[tuple[str, Any], Label] = {}


def shared_label(name: str, value: Any) -> Label:
    """One ``Label`` per name and value for the whole run, shared by every result that carries it:
    nothing changes a label once it is added, and a 2,000-check run would otherwise build some
    24,000 equal ones. A value that cannot be a key gets a label of its own."""
    try:
        label = _LABELS.get((name, value))
    except TypeError:
        return Label(name=name, value=value)
    if label is None:
        label = _LABELS[(name, value)] = Label(name=name, value=value)
    return label
