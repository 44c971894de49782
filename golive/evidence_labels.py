"""Allure labels of a check, from the catalog: epic = category, feature = id, story = subject."""

from __future__ import annotations

import allure

from golive.catalog import get_item

ALLURE_SEVERITY = {
    "critical": allure.severity_level.BLOCKER,
    "high": allure.severity_level.CRITICAL,
    "medium": allure.severity_level.NORMAL,
    "low": allure.severity_level.MINOR,
    "advisory": allure.severity_level.TRIVIAL,
}


def label(check_id: str, subject: str) -> None:
    """Label the running test; called from an autouse fixture during setup."""
    item = get_item(check_id)
    allure.dynamic.epic(item.category)
    allure.dynamic.feature(check_id)
    if subject:
        allure.dynamic.story(subject)
    allure.dynamic.severity(ALLURE_SEVERITY[item.severity])
    allure.dynamic.title(f"{item.title} [{subject}]" if subject else item.title)
    seeds = ", ".join(item.seeds)
    allure.dynamic.description(f"{item.description}\n\nChecklist id: {check_id}; severity: {item.severity}"
                               + (f"; from seeds {seeds}" if seeds else ""))
    allure.dynamic.tag(check_id)
