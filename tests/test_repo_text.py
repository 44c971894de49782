"""The checkout's own text holds no merge-conflict markers.

A merge once left ``<<<<<<< HEAD`` / ``=======`` / ``>>>>>>> main`` in the README's bench section:
nothing else fails on prose, so this looks for the markers in every source and document file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", ".golive", ".hypothesis", ".ruff_cache", ".pytest_cache", "reports", "node_modules",
                "__pycache__", "build", "dist"}
"""Not the project's own text: tools' and caches' directories (pruned from the walk, not entered)."""
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".txt", ".json", ".conf", ".sh", ".j2"}
MARKER = re.compile(r"^(<{7}( .*)?|={7}|>{7}( .*)?)$", re.MULTILINE)


def _text_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".venv")]
        found += [Path(folder) / name for name in files
                  if Path(name).suffix in TEXT_SUFFIXES or name in ("Makefile", "run")]
    return found


def test_no_conflict_markers_in_the_checkout() -> None:
    files = _text_files()
    assert any(p.name == "README.md" for p in files)
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for match in MARKER.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(REPO)}:{line}: {match.group(0)[:40]}")
    assert offenders == [], "merge-conflict markers left in:\n" + "\n".join(offenders)
