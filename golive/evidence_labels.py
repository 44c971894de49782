"""Allure labels of a check, from the catalog: epic = category, feature = id, story = subject.

Labels are attached as pytest marks at collection time (allure-pytest reads its ``allure_label``
and ``allure_description`` marks), so they cost nothing per test at run time; only the title,
which allure keeps on the running result, is set during the call.
"""

from __future__ import annotations

import functools

import allure
import pytest

from golive.catalog import CatalogItem, get_item

ALLURE_SEVERITY = {
    "critical": "blocker",
    "high": "critical",
    "medium": "normal",
    "low": "minor",
    "advisory": "trivial",
}


def mark(item: pytest.Item, check_id: str, subject: str) -> None:
    """Add allure's label marks to a collected check."""
    for marker in _check_marks(get_item(check_id)):
        item.add_marker(marker)
    if subject:
        item.add_marker(_story_mark(subject))


_CHECK_MARKS: dict[str, tuple[CatalogItem, tuple[pytest.MarkDecorator, ...]]] = {}


def _check_marks(entry: CatalogItem) -> tuple[pytest.MarkDecorator, ...]:
    """The marks every subject of one check shares, built once per check and not once per item:
    a 200-URL audit collects 2000 items, and building marks costs more than adding them.
    (Keyed by id, valid while the catalog hands out the same entry.)"""
    cached = _CHECK_MARKS.get(entry.id)
    if cached is not None and cached[0] is entry:
        return cached[1]
    check_id = entry.id
    labels = [("epic", entry.category), ("feature", check_id), ("severity", ALLURE_SEVERITY[entry.severity]),
              ("tag", check_id)]
    seeds = ", ".join(entry.seeds)
    description = (f"{entry.description}\n\nChecklist id: {check_id}; severity: {entry.severity}"
                   + (f"; from seeds {seeds}" if seeds else ""))
    marks = (*(pytest.mark.allure_label(value, label_type=label_type) for label_type, value in labels),
             pytest.mark.allure_description(description))
    _CHECK_MARKS[check_id] = (entry, marks)
    return marks


@functools.cache
def _story_mark(subject: str) -> pytest.MarkDecorator:
    return pytest.mark.allure_label(subject, label_type="story")


def subject_parameters(subject: str, params: dict[str, object]) -> None:
    """The subject parameters of the running test, as the subject's name, at set-up.

    allure-pytest records each parameter that is not set yet as the repr of its value when the
    test's set-up ends. The value here is the subject object, whose repr carries every field of
    it, secrets interpolated into a URL included; a check whose set-up failed kept it in its
    result. Set before that moment, the name is all that is recorded, and allure-pytest does not
    build a repr it would throw away.
    """
    for name in params:
        allure.dynamic.parameter(name, subject)


def title(check_id: str, subject: str) -> None:
    """The readable title of the running test ("Strict-Transport-Security enforces HTTPS [web]").

    Set during the call: allure-pytest sets the test's name when its set-up ends.
    """
    entry = get_item(check_id)
    allure.dynamic.title(f"{entry.title} [{subject}]" if subject else entry.title)
