"""``checks.http``: the behaviour probes of served pages and assets (compression, caching, source
maps, error pages).

Which pages and assets are judged is named here: ``pages`` (HTML, default ``/``), ``assets``
(hashed static files) plus, with ``discover_assets``, the same-origin ``<script src>`` /
``<link href>`` files the pages reference. Every probe is a handful of GETs per target.
"""

# pydantic copies field defaults per instance, so list defaults are safe here.

from __future__ import annotations

from typing import Literal

from pydantic import Field

from golive.durations import Duration
from golive.settings.base import StrictModel

ERROR_PROBES = ("not_found", "method", "oversized", "long_uri", "bad_host", "bad_encoding")
ErrorProbe = Literal["not_found", "method", "oversized", "long_uri", "bad_host", "bad_encoding"]


class HttpSettings(StrictModel):
    """Every key has a default; see the README's profile reference (``checks.http``)."""

    pages: list[str] = Field(["/"], min_length=1)
    assets: list[str] = []
    discover_assets: bool = True
    max_assets: int = Field(10, ge=0, le=50)
    compress_paths: list[str] = []
    compression_min_size: int = Field(1024, ge=0)
    static_min_age: Duration = Field(31536000.0, ge=0)
    require_immutable: bool = True
    private_cache_protected: bool = True
    error_probes: list[ErrorProbe] = list(ERROR_PROBES)
    error_oversized_bytes: int = Field(2 * 1024 * 1024, ge=1024, le=16 * 1024 * 1024)
