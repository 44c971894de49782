"""Allure labels of a check, from the catalog: epic = category, feature = id, story = subject.

Labels are attached as pytest marks at collection time (allure-pytest reads its ``allure_label``
and ``allure_description`` marks), so they cost nothing per test at run time; only the title,
which allure keeps on the running result, is set during the call.
"""

from __future__ import annotations

import allure
import pytest

from golive.catalog import get_item

ALLURE_SEVERITY = {
    "critical": "blocker",
    "high": "critical",
    "medium": "normal",
    "low": "minor",
    "advisory": "trivial",
}


def mark(item: pytest.Item, check_id: str, subject: str) -> None:
    """Add allure's label marks to a collected check."""
    entry = get_item(check_id)
    labels = [("epic", entry.category), ("feature", check_id), ("severity", ALLURE_SEVERITY[entry.severity]),
              ("tag", check_id)]
    if subject:
        labels.append(("story", subject))
    for label_type, value in labels:
        item.add_marker(pytest.mark.allure_label(value, label_type=label_type))
    seeds = ", ".join(entry.seeds)
    description = (f"{entry.description}\n\nChecklist id: {check_id}; severity: {entry.severity}"
                   + (f"; from seeds {seeds}" if seeds else ""))
    item.add_marker(pytest.mark.allure_description(description))


def title(check_id: str, subject: str, params: dict[str, object] | None = None) -> None:
    """The readable title of the running test ("Strict-Transport-Security enforces HTTPS [web]").

    The subject parameters are replaced by the subject's name: allure would otherwise record the
    repr of the subject object, and a database's repr would carry its DSN.
    """
    entry = get_item(check_id)
    allure.dynamic.title(f"{entry.title} [{subject}]" if subject else entry.title)
    for name in params or {}:
        allure.dynamic.parameter(name, subject)
