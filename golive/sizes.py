"""Byte sizes written with a unit (``10m``, ``2gb``, ``512MB``), as Redis and Docker write them.

One reading for profiles and for the values golive observes: ``k``/``kb``/``kib`` = 1024 bytes,
``m``/``mb``/``mib`` = 1024², ``g``/``gb``/``gib`` = 1024³ (Docker's ``max-size`` and Redis'
``maxmemory 2gb`` both mean binary multiples; Redis' bare ``1k`` = 1000 differs by 2.4 %, which no
threshold here is fine enough to notice). A bare integer is bytes.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(value: Any) -> int:
    """Bytes for ``10m``, ``2gb``, ``512MiB``, ``4096``; raises ValueError naming the accepted form."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size like 10m, 512mb, 2gb; got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected a size ≥ 0; got {value}")
        return value
    match = _PATTERN.match(str(value)) if isinstance(value, str | float) else None
    if match is None:
        raise ValueError(f"expected a size like 10m, 512mb, 2gb (or bytes); got {value!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_size(size: int | float) -> str:
    """The shortest readable binary form (``10m``, ``1.5g``) for messages."""
    for unit, factor in (("t", 1024**4), ("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if size >= factor:
            return f"{size / factor:.3g}{unit}"
    return f"{int(size)}b"


Size = Annotated[int, BeforeValidator(parse_size), PlainSerializer(format_size, return_type=str)]
"""A size field: written as ``10m``/``2gb`` in YAML, held as bytes (int) in the model."""
