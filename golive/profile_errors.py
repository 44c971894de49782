"""Profile errors: every problem of a file at once, each with file, line:column, key path, what was
expected and, where it can tell, "did you mean".

Generic on purpose: the messages are built from pydantic's own error list (type, location, input,
context), so a key another domain adds to its settings model gets the same treatment without any
code here. ``ProfileError`` keeps its original shape (``file``, ``key``, ``problem`` of the first
problem) for callers that handle one error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from golive.redact import Redactor

MAX_SHOWN_INPUT = 80
"""A wrong value longer than this is not echoed (it may be a pasted secret or a whole document)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a profile."""

    key: str
    problem: str
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def render(self, default_file: str) -> str:
        where = self.file or default_file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: {self.key}: {self.problem}" if self.key else f"{where}: {self.problem}"
        if self.file and self.file != default_file:
            text += f" (in a profile {default_file} extends)"
        return text


class ProfileError(Exception):
    """A profile that cannot be used: names the file, the key path(s) and what was expected."""

    def __init__(self, file: Path | str, key: str = "", problem: str = "",
                 problems: Sequence[Problem] | None = None) -> None:
        self.file = str(file)
        self.problems: list[Problem] = _unique(problems) if problems else [Problem(key, problem)]
        first = self.problems[0]
        self.key, self.problem = first.key, first.problem
        super().__init__(self.render())

    def render(self) -> str:
        lines = [p.render(self.file) for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} problems in {self.file}:\n" + "\n".join(f"  {line}" for line in lines)

    def located(self, locate: Locator) -> ProfileError:
        """The same error with each problem's file and line:column filled in where known."""
        return ProfileError(self.file, problems=[locate(p) for p in self.problems])

    def redacted(self, redactor: Redactor) -> ProfileError:
        return ProfileError(self.file, problems=[replace(p, problem=redactor.text(p.problem))
                                                 for p in self.problems])


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


class Locator:
    """Where a key path is written: the files of an ``extends`` chain, the child first."""

    def __init__(self, files: Sequence[tuple[Path, Any]]) -> None:
        """``files``: (path, positions) pairs, the positions a mapping or anything with a
        ``positions`` mapping (a ``golive.profile_yaml.Document``: worked out only when needed)."""
        self.files = list(files)

    def __call__(self, problem: Problem) -> Problem:
        if problem.line is not None or not self.files:
            return problem
        for prefix in _prefixes(problem.key):
            for path, where in self.files:
                positions = getattr(where, "positions", where)
                if prefix in positions:
                    line, column = positions[prefix]
                    return replace(problem, file=str(path), line=line, column=column)
        return problem


def _prefixes(key: str) -> list[str]:
    """``a.b[0].c`` → ``a.b[0].c``, ``a.b[0]``, ``a.b``, ``a``."""
    out = [key] if key else []
    while key:
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
        if key:
            out.append(key)
    return [*out, ""]  # "": the document itself (a missing top-level key)


# --------------------------------------------------------------------------- pydantic errors


def explain(exc: ValidationError, model: type[BaseModel], data: Any) -> list[Problem]:
    """Every pydantic error as a ``Problem``; errors of one key (union members) folded into one."""
    by_key: dict[str, list[str]] = {}
    for error in exc.errors():
        key, problem = _one(error, model, data)
        messages = by_key.setdefault(key, [])
        if problem not in messages:
            messages.append(problem)
    return [Problem(key, " — or — ".join(messages[:3])) for key, messages in by_key.items()]


def _one(error: Any, model: type[BaseModel], data: Any) -> tuple[str, str]:
    loc = tuple(error["loc"])
    key = key_path(loc, data)
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        allowed = allowed_keys(model, _data_loc(loc, data)[:-1])
        hint = difflib.get_close_matches(unknown, allowed, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        known = f" Known keys here: {', '.join(allowed)}." if allowed and not hint else ""
        return key, f"unknown key {unknown!r}{suggestion}{known}"
    if kind == "missing":
        return key, "required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        hint = difflib.get_close_matches(str(got), choices, n=1) if isinstance(got, str) else []
        message += f"; got {_shown(got)}" + (f"; did you mean {hint[0]!r}?" if hint else "")
    elif kind.endswith(("_type", "_parsing", "_from_datetime_inexact")) or kind.startswith(("date", "datetime")):
        message += f"; got {_shown(got)}"
    # a model validator that names a nested key ("targets[1].name: duplicate name 'web'")
    nested = re.match(r"^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*): (.+)$", message, re.S)
    if nested and kind == "value_error":
        inner = nested.group(1)
        if not key or inner.split(".")[0].split("[")[0] in _fields(model, _data_loc(loc, data)):
            return f"{key}.{inner}" if key else inner, nested.group(2)
    return key, message


def _shown(value: Any) -> str:
    if isinstance(value, str | bytes) and len(value) > MAX_SHOWN_INPUT:
        return f"<{len(value)} characters, not shown>"
    if isinstance(value, dict | list) and len(repr(value)) > MAX_SHOWN_INPUT:
        return f"a {type(value).__name__} of {len(value)} entries"
    return repr(value)


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """The parts of a pydantic location that are real keys/indexes of the input (union-member and
    validator tags such as ``function-after[...]``, ``str``, ``tuple[...]`` dropped)."""
    out: list[Any] = []
    current = data
    for part in loc:
        addresses = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current))
        if addresses:
            out.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and part == loc[-1]:
            out.append(part)  # the missing or unknown key itself
            current = None
    return tuple(out)


def key_path(loc: tuple[Any, ...], data: Any = None) -> str:
    """``("targets", 0, "url")`` → ``targets[0].url`` (only the parts that address the input)."""
    parts = _data_loc(loc, data) if data is not None else loc
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif data is None and str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current = _model_at(model, loc)
    return list(getattr(current, "model_fields", {}).keys()) if current else []


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at ``loc`` (for "did you mean" hints), aliases as written."""
    current = _model_at(model, loc)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        field = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if field is None:
            return None
        current = _inner_model(field.annotation)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``X``, ``X | None``, ``list[X]``, ``dict[str, X]``…"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
