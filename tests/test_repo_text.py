"""The checkout's own text holds no merge-conflict markers.

A merge once left ``<<<<<<< HEAD`` / ``=======`` / ``>>>>>>> main`` in the README's bench section:
nothing else fails on prose, so this looks for the markers in every source and document file.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "reports", "node_modules", "__pycache__", ".ruff_cache", "build", "dist"}
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".txt", ".json", ".conf", ".sh", ".j2"}
MARKER = re.compile(r"^(<{7}( .*)?|={7}|>{7}( .*)?)$", re.MULTILINE)


def _text_files() -> list[Path]:
    found = []
    for path in REPO.rglob("*"):
        relative = path.relative_to(REPO)
        if any(part in SKIPPED_DIRS or part.startswith(".venv") for part in relative.parts[:-1]):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in ("Makefile", "run")):
            found.append(path)
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
