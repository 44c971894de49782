"""The keys under which the plugin keeps per-item and per-run values on pytest's stashes.

In a module of their own, below the plugin, so that the parts the plugin drives (the observation
phase, the load fixtures) can read what it stored without importing the plugin itself.
"""

from __future__ import annotations

from pathlib import Path

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
