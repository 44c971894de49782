"""Base class of every profile model: unknown keys are errors, not silently ignored.

A typo in a profile (``hsts_min_agee``) must stop the run with a hint, never fall back to a default
that makes a check pass; ``extra="forbid"`` is what makes the loader able to say "did you mean".
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and is immutable once loaded."""

    # Attribute docstrings document the fields; ``golive profile schema`` turns them into field
    # descriptions (golive.profile_schema). Not pydantic's ``use_attribute_docstrings``: that reads
    # and parses every model's source at import, about 0.1 s on every run that loads a profile.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else (lists included) is replaced by the override."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override
