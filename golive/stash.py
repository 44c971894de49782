"""The keys under which the plugin keeps per-item and per-run values on pytest's stashes.

In a module of their own, below the plugin, so that the parts the plugin drives (the observation
phase, the load fixtures) can read what it stored without importing the plugin itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.redact import Redactor

CHECK_ID = pytest.StashKey[str]()
"""An item's checklist id (``headers.hsts``)."""
SUBJECT = pytest.StashKey[str]()
"""An item's subject name (``web``)."""
REPORT_DIR = pytest.StashKey[Path]()
"""The run's report directory (config stash)."""
REDACTOR = pytest.StashKey[Redactor]()
"""The run's redactor (config stash)."""
SHOWN_PARAMETERS = pytest.StashKey[dict[str, Any]]()
"""An item's parameters shown in its Allure result as another value than their own, by name: the
subject's name for a check's subject parameter, whose value is the subject object (its repr carries
all its fields). Read by ``golive.allure_test_hooks`` when its set-up ends, as allure-pytest reads a
value set by ``allure.dynamic.parameter`` during the set-up, without that call's cost."""
