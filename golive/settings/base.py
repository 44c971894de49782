"""Base class of every profile model: unknown keys are errors, not silently ignored.

A typo in a profile (``hsts_min_agee``) must stop the run with a hint, never fall back to a default
that makes a check pass; ``extra="forbid"`` is what makes the loader able to say "did you mean".
"""

from __future__ import annotations

import operator
from typing import Any

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and is immutable once loaded."""

    # Attribute docstrings document the fields; ``golive profile schema`` turns them into field
    # descriptions (golive.profile_schema). Not pydantic's ``use_attribute_docstrings``: that reads
    # and parses every model's source at import, about 0.1 s on every run that loads a profile.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def __repr__(self) -> str:
        """pydantic's repr, the same text, from one format string per class.

        allure-pytest hashes the repr of each check's subject into the check's history id, once per
        check; pydantic's own repr, a chain of generators over ``__dict__``, costs three times as
        much. A validated model's ``__dict__`` holds its fields in their declared order, the order
        used here. (A frozen model with ``extra="forbid"``: no extra fields. A class with computed
        fields keeps pydantic's repr, which shows those too.)
        """
        shown = _REPRS.get(type(self))
        if shown is None:
            shown = _REPRS[type(self)] = _repr_of(type(self))
        if shown is _PYDANTIC_REPR:
            return super().__repr__()
        template, values = shown
        return template.format(*values(self))


_PYDANTIC_REPR: Any = object()
_REPRS: dict[type, Any] = {}


def _repr_of(cls: type[StrictModel]) -> Any:
    """A class's repr template and the getter of its shown fields (``_PYDANTIC_REPR`` when it has
    computed fields, or fewer than two shown fields: ``attrgetter`` of one name is no tuple)."""
    names = [name for name, field in cls.__pydantic_fields__.items() if field.repr]
    if cls.__pydantic_computed_fields__ or len(names) < 2:
        return _PYDANTIC_REPR
    fields = ", ".join(f"{name}={{!r}}" for name in names)
    template = f"{cls.__name__.replace('{', '{{').replace('}', '}}')}({fields})"
    return template, operator.attrgetter(*names)


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else (lists included) is replaced by the override."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override
