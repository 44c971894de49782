"""Durations written with a unit (``800ms``, ``15s``, ``15m``, ``24h``, ``30d``).

Profiles hold durations as strings so that a reader never has to guess the unit; this module turns
them into seconds and is also the pydantic type used by every settings model.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")


def parse_duration(value: Any) -> float:
    """Seconds for a duration string; raises ValueError naming the accepted form."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration with a unit like 800ms, 15s, 15m, 24h, 30d; got {value!r}")
    if isinstance(value, int | float):
        raise ValueError(
            f"expected a duration with a unit like 800ms, 15s, 15m, 24h, 30d; got the bare number {value!r}"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a duration string like 15s; got {type(value).__name__}")
    match = _PATTERN.match(value)
    if not match:
        raise ValueError(f"expected a duration with a unit like 800ms, 15s, 15m, 24h, 30d; got {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def format_duration(seconds: float) -> str:
    """The shortest readable form of a duration in seconds (for messages)."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 120:
        return f"{seconds:.3g}s"
    if seconds < 7200:
        return f"{seconds / 60:.3g}m"
    if seconds < 172800:
        return f"{seconds / 3600:.3g}h"
    return f"{seconds / 86400:.3g}d"


DURATION_SCHEMA = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$",
                   "description": "a duration with a unit: 800ms, 15s, 15m, 24h, 30d", "examples": ["15s"]}
"""How a duration is written in a profile (``golive profile schema``): a string, never a bare number."""

Duration = Annotated[float, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str),
                     WithJsonSchema(DURATION_SCHEMA, mode="validation")]
"""A duration field: written as ``15s`` in YAML, held as seconds (float) in the model."""
