"""What a release's migrations directory expects, per tool, read from the files' own naming rules.

- alembic: ``versions/*.py`` (or the directory itself) hold ``revision`` and ``down_revision``; the
  heads are the revisions no other file names as its down revision.
- flyway: ``V<version>__<description>.sql``; the head is the highest version (dotted numbers).
- django: ``<app>/migrations/<NNNN>_<name>.py``; every (app, name) must be applied.
- rails: ``<version>_<name>.rb`` (``db/migrate``); every version must be applied.
- prisma: ``<timestamp>_<name>/migration.sql``; every migration directory name must be applied.
- supabase: ``<version>_<name>.sql``; every version must be applied.

Files only, nothing executed: a migrations directory is data here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_ALEMBIC_REV = re.compile(r"^(?:revision)\s*(?::\s*[\w\[\], |]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_ALEMBIC_DOWN = re.compile(r"^(?:down_revision)\s*(?::\s*[^=]+)?=\s*(.+)$", re.M)
_FLYWAY = re.compile(r"^V([0-9][0-9._]*)__.+\.sql$")
_NUMBERED = re.compile(r"^([0-9]+)_.+$")


@dataclass(frozen=True)
class Expected:
    """``heads``: the ids that must be the applied head(s) (alembic, flyway); ``applied``: the ids that
    must all be recorded as applied (django, rails, prisma, supabase)."""

    heads: frozenset[str] = frozenset()
    applied: frozenset[str] = frozenset()


def expected(tool: str, directory: Path) -> Expected:
    reader = {"alembic": _alembic, "flyway": _flyway, "django": _django, "rails": _numbered_files,
              "prisma": _prisma, "supabase": _numbered_files}[tool]
    return reader(directory)


def _alembic(directory: Path) -> Expected:
    root = directory / "versions" if (directory / "versions").is_dir() else directory
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in root.glob("*.py"):
        text = path.read_text(errors="replace")
        rev = _ALEMBIC_REV.search(text)
        if not rev:
            continue
        revisions.add(rev.group(1))
        down = _ALEMBIC_DOWN.search(text)
        if down:
            downs.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return Expected(heads=frozenset(revisions - downs))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split(r"[._]", version) if part.isdigit())


def _flyway(directory: Path) -> Expected:
    versions = [m.group(1).replace("_", ".") for p in directory.rglob("V*__*.sql") if (m := _FLYWAY.match(p.name))]
    if not versions:
        return Expected()
    return Expected(heads=frozenset({max(versions, key=version_key)}))


def _django(directory: Path) -> Expected:
    names = {f"{p.parent.parent.name}.{p.stem}" for p in directory.rglob("migrations/[0-9]*.py")}
    return Expected(applied=frozenset(names))


def _numbered_files(directory: Path) -> Expected:
    return Expected(applied=frozenset(m.group(1) for p in directory.iterdir()
                                      if p.is_file() and (m := _NUMBERED.match(p.name))))


def _prisma(directory: Path) -> Expected:
    return Expected(applied=frozenset(p.name for p in directory.iterdir()
                                      if p.is_dir() and (p / "migration.sql").exists()))
