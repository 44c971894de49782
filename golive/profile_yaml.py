"""Reading a profile's YAML: bounded, strict about duplicate keys, and with each key's line:column.

Why not ``yaml.safe_load``: a YAML alias bomb under 1 KB expands to gigabytes once constructed (a
438-byte one took 732 MB), a duplicate key silently keeps the last value (a typo'd second
``timeout:`` wins unseen), ``expires: 2026-02-30`` is turned into a date by the YAML resolver and
ends in a bare ``ValueError``, and errors could not say where in the file they are.

So the document is first *composed* (libyaml builds the node graph; an alias is a shared node, not
a copy), measured — expanded node count, nesting depth, recursion — and refused above the limits
before anything is constructed; duplicate keys are found on the nodes; every key path gets its
line:column; dates and times stay strings for pydantic to parse (with the key path in its error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

MAX_BYTES = 4 * 1024 * 1024
"""A profile larger than this is refused (the largest real profiles are tens of kilobytes)."""
MAX_NODES = 100_000
"""Nodes after alias expansion: a 2000-target audit profile has about 30 000."""
MAX_DEPTH = 64
"""Nesting depth of mappings and sequences (a profile nests about eight deep)."""

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BASE):  # type: ignore[misc,valid-type]
    """libyaml's safe loader (several times faster on large profiles) without the timestamp
    resolver: ``2026-11-20`` stays a string, and pydantic parses (or refuses, naming the key) it."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _BASE.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class YamlProblem:
    """A problem found in the document itself (syntax, limits, duplicate keys)."""

    key: str
    problem: str
    line: int | None = None
    column: int | None = None


class YamlError(Exception):
    """The document cannot be used at all; ``problems`` says where and why."""

    def __init__(self, problems: list[YamlProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.problem for p in problems))


@dataclass
class Document:
    """A profile file's data, its node graph, and its duplicate keys."""

    data: Any
    root: yaml.Node | None = None
    duplicates: list[YamlProblem] = field(default_factory=list)
    """Duplicate keys (the data keeps the last value, as YAML does); the loader reports them with
    every other problem of the file."""
    _positions: dict[str, tuple[int, int]] | None = None

    @property
    def positions(self) -> dict[str, tuple[int, int]]:
        """Where each key path is written (1-based line, column); computed when first asked for,
        which is only when there is a problem to locate."""
        if self._positions is None:
            self._positions = {}
            if self.root is not None:
                self._positions[""] = (self.root.start_mark.line + 1, self.root.start_mark.column + 1)
                _walk(self.root, "", self._positions, [])
        return self._positions


def read_document(path: Path) -> Document:
    """Read, bound, check and construct one YAML file; raises ``YamlError`` or ``OSError``."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlError([YamlProblem("", f"the file is {size} bytes; a profile may hold at most {MAX_BYTES}")])
    text = path.read_bytes().decode("utf-8")
    return parse_document(text)


def parse_document(text: str) -> Document:
    """The ``Document`` of a YAML text (see ``read_document``)."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise YamlError([_syntax_problem(exc)]) from None
        except RecursionError:
            raise YamlError([YamlProblem("", f"nesting deeper than {MAX_DEPTH} levels")]) from None
        if node is None:
            return Document(None)
        has_duplicates = _measure(node)
        document = Document(None, node)
        if has_duplicates:  # rare: only then the key paths are worked out, to name them
            found: list[YamlProblem] = []
            _walk(node, "", {}, found)
            document.duplicates = list({(d.line, d.column): d for d in found}.values())  # an anchor reused: once
        try:
            document.data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise YamlError([_syntax_problem(exc)]) from None
        return document
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    text = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return YamlProblem("", text)
    return YamlProblem("", text, mark.line + 1, mark.column + 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node) -> bool:
    """Refuse recursive aliases, excessive depth and excessive expanded size, without expanding;
    whether some mapping repeats a key.

    Iterative post-order walk over the node graph; each distinct node is visited once, its expanded
    size (itself plus its children's, counted at every use of an alias) memoised.
    """
    duplicates = False
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_NODES:
                raise YamlError([_at(node, f"the document expands to more than {MAX_NODES} nodes "
                                             "(YAML aliases repeated into a bomb?); refused")])
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlError([_at(node, "a YAML alias refers to its own anchor (recursive structure)")])
        if depth > MAX_DEPTH:
            raise YamlError([_at(node, f"nesting deeper than {MAX_DEPTH} levels")])
        on_path.add(key)
        stack.append((node, depth, True))
        if isinstance(node, yaml.MappingNode) and not duplicates:
            names = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            duplicates = len(set(names)) != len(names)
        for child in _children(node):
            if id(child) in on_path:
                raise YamlError([_at(child, "a YAML alias refers to its own anchor (recursive structure)")])
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return duplicates


def _at(node: yaml.Node, problem: str) -> YamlProblem:
    mark = node.start_mark
    return YamlProblem("", problem, mark.line + 1, mark.column + 1)


def _walk(node: yaml.Node, path: str, positions: dict[str, tuple[int, int]],
          duplicates: list[YamlProblem]) -> None:
    """Record each key path's position; report duplicate keys of a mapping."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                _walk(value_node, path, positions, duplicates)  # a << merge: its keys are this mapping's
                continue
            name = key_node.value
            child = f"{path}.{name}" if path else name
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if name in seen:
                first = seen[name]
                duplicates.append(YamlProblem(child, f"duplicate key {name!r} (first at line {first[0]}); "
                                                     "YAML would silently keep only the last one",
                                              *where))
                continue
            seen[name] = where
            positions.setdefault(child, where)
            _walk(value_node, child, positions, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            positions.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
            _walk(item, child, positions, duplicates)
