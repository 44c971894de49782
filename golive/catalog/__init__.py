"""The checklist as data: every item of the five seed guides, automated, planned or manual.

Items live in one YAML file per category (``golive/catalog/<category>.yaml``) so that each
domain owns its list. An item's markers, severity and title come from here — the ``@check``
decorator reads them, so a check cannot disagree with the catalog.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when present (several times faster on large profiles)."""

Severity = Literal["critical", "high", "medium", "low", "advisory"]
Mode = Literal["automated", "planned", "manual"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "advisory")
MODES: tuple[str, ...] = ("automated", "planned", "manual")
KNOWN_MARKERS = frozenset({
    "prereq", "security", "headers", "tls", "http", "smoke", "monitoring", "load", "backup",
    "critical", "manual", "intrusive",
})
SEED_FILES = {
    "000": "000_260c0dac8d607e86.txt (OmniTask)",
    "001": "001_2e63ccc0c4036428.txt (OmniNode Bridge)",
    "002": "002_8f5b147dfd1f0c8b.txt (Universal Assistant)",
    "003": "003_6ea3aa17cd069d7e.txt (Omniops)",
    "004": "004_5c0716ccb5f03139.txt (QUALIA NSS Orchestrator)",
}


@dataclass(frozen=True)
class Remediation:
    """How to fix a failing item: a short instruction, references, and server snippets.

    ``snippets`` maps a server kind (``nginx``, ``apache``, ``caddy``, ``postgresql``...) to a
    configuration excerpt. Shown next to a failing result in the sign-off and the HTML index.
    """

    fix: str
    references: tuple[str, ...] = ()
    snippets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogItem:
    """One checklist item."""

    id: str
    title: str
    severity: Severity
    markers: tuple[str, ...]
    seeds: tuple[str, ...]
    mode: Mode
    description: str = ""
    subjects: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    remediation: Remediation | None = None

    @property
    def category(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def all_markers(self) -> tuple[str, ...]:
        """Markers the test carries: the catalog's, plus ``critical`` and ``manual`` as they apply."""
        marks = list(self.markers)
        if self.severity == "critical" and "critical" not in marks:
            marks.append("critical")
        if self.mode == "manual" and "manual" not in marks:
            marks.append("manual")
        return tuple(marks)


class CatalogError(ValueError):
    """The packaged catalog is malformed (a bug in golive, caught by its tests)."""


def _parse(entry: dict, source: str) -> CatalogItem:
    try:
        item = CatalogItem(
            id=str(entry["id"]),
            title=str(entry["title"]),
            severity=entry.get("severity", "medium"),
            markers=tuple(entry.get("markers", ())),
            seeds=tuple(str(s) for s in entry.get("seeds", ())),
            mode=entry.get("mode", "automated"),
            description=str(entry.get("description", "")).strip(),
            subjects=str(entry.get("subjects", "")),
            remediation=_remediation(entry.get("remediation"), source, entry.get("id")),
        )
    except KeyError as exc:
        raise CatalogError(f"{source}: item {entry!r} lacks {exc}") from None
    if item.severity not in SEVERITIES:
        raise CatalogError(f"{source}: {item.id}: severity {item.severity!r} not in {SEVERITIES}")
    if item.mode not in MODES:
        raise CatalogError(f"{source}: {item.id}: mode {item.mode!r} not in {MODES}")
    unknown = set(item.markers) - KNOWN_MARKERS
    if unknown:
        raise CatalogError(f"{source}: {item.id}: unknown markers {sorted(unknown)}")
    if "." not in item.id:
        raise CatalogError(f"{source}: {item.id}: ids are 'category.item'")
    return item


def _remediation(raw: object, source: str, item_id: object) -> Remediation | None:
    """The ``remediation:`` block of an item (``fix``, ``references``, ``snippets``), or None."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return Remediation(fix=raw.strip())
    if not isinstance(raw, dict) or "fix" not in raw:
        raise CatalogError(f"{source}: {item_id}: remediation needs at least 'fix' (a sentence)")
    snippets = raw.get("snippets") or {}
    if not isinstance(snippets, dict):
        raise CatalogError(f"{source}: {item_id}: remediation.snippets maps a server kind to a snippet")
    return Remediation(fix=str(raw["fix"]).strip(), references=tuple(str(r) for r in raw.get("references") or ()),
                       snippets={str(k): str(v) for k, v in snippets.items()})


EXTRA_ENV = "GOLIVE_CATALOG_EXTRA"
"""Colon-separated YAML files with a team's own checklist items (for checks they add themselves)."""


def load_catalog() -> dict[str, CatalogItem]:
    """Every checklist item, by id: golive's files (alphabetical), then the team's extra files."""
    return _load(os.environ.get(EXTRA_ENV, ""))


@cache
def _load(extra: str) -> dict[str, CatalogItem]:
    items: dict[str, CatalogItem] = {}
    folder = resources.files("golive.catalog")
    sources: list[tuple[str, str]] = [
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda p: p.name) if entry.name.endswith(".yaml")
    ]
    for path in filter(None, extra.split(os.pathsep)):
        try:
            sources.append((path, Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise CatalogError(f"{EXTRA_ENV}: cannot read {path}: {exc}") from None
    for name, text in sources:
        for raw in yaml.load(text, Loader=_LOADER) or []:
            item = _parse(raw, name)
            if item.id in items:
                raise CatalogError(f"{name}: duplicate id {item.id}")
            items[item.id] = item
    return items


def get_item(check_id: str) -> CatalogItem:
    """The item for an id; a clear error for an unknown one."""
    catalog = load_catalog()
    try:
        return catalog[check_id]
    except KeyError:
        raise CatalogError(f"unknown checklist id {check_id!r}; add it to golive/catalog/*.yaml") from None


def markexpr_may_select(markexpr: str | None, prefix: str) -> bool:
    """Whether ``-m markexpr`` keeps some automated item whose id starts with ``prefix``, judged
    on the catalog's markers before anything is collected (what a run can decide early, e.g. to
    warm up a scanner). No expression keeps everything; one pytest cannot parse answers True
    (pytest reports it itself)."""
    if not markexpr:
        return True
    try:
        from _pytest.mark.expression import Expression  # what pytest's own -m evaluates with

        expression = Expression.compile(markexpr)
    except (ImportError, SyntaxError):
        return True
    for item in load_catalog().values():
        if item.mode != "automated" or not item.id.startswith(prefix):
            continue
        if expression.evaluate(_carries({*item.all_markers, "golive_check"})):
            return True
    return False


def _carries(marks: set[str]) -> Callable[..., bool]:
    """A ``-m`` matcher: a bare marker name the item carries (the catalog's markers have no arguments)."""
    return lambda name, /, **kwargs: not kwargs and name in marks
