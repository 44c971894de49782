"""``http.source_maps``: production source maps are not served (pure).

A served source map hands out the original source (comments, internal names, sometimes secrets):
the seeds set ``productionBrowserSourceMaps: false``. For each JS/CSS asset golive asks for
``<asset>.map`` and for the file its ``sourceMappingURL`` comment names, and judges the answer by
content (a JSON object with ``version`` and ``mappings``), so a site that answers 200 with its home
page to every path does not fail. A ``SourceMap``/``X-SourceMap`` header or an inline ``data:``
map in the asset fails too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from golive.verdict import Verdict, fail, not_applicable, ok

MAPPING_URL = re.compile(r"[#@]\s*sourceMappingURL\s*=\s*(\S+?)\s*(?:\*/)?\s*$", re.MULTILINE)


def mapping_url(text: str) -> str | None:
    """The last ``sourceMappingURL`` comment's target (``app.js.map``, ``data:…``), or None."""
    found = MAPPING_URL.findall(text[-4096:])
    return found[-1] if found else None


def is_source_map(body: bytes) -> bool:
    """A Source Map v3 document: a JSON object with ``version`` and ``mappings`` (or ``sections``)."""
    try:
        data = json.loads(body[:2_000_000])
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "version" in data and ("mappings" in data or "sections" in data)


@dataclass(frozen=True)
class AssetMaps:
    """One asset and what golive saw of its maps."""

    asset: str
    header: str | None
    """``SourceMap`` / ``X-SourceMap`` value on the asset's answer."""
    comment: str | None
    """The ``sourceMappingURL`` comment's target."""
    maps: tuple[tuple[str, int, bool], ...] = ()
    """(map path, status, body is a source map) per probed map URL."""


def source_maps(assets: Sequence[AssetMaps]) -> Verdict:
    """No asset advertises or serves a source map."""
    expected = "no SourceMap header, no inline map, .map URLs not served (404)"
    if not assets:
        return not_applicable("source-maps-no-assets",
                              "no JS or CSS asset found to look for maps (name them in checks.http.assets)")
    problems: list[str] = []
    for a in assets:
        if a.header:
            problems.append(f"{a.asset} sends a SourceMap header ({a.header[:80]})")
        if a.comment and a.comment.startswith("data:"):
            problems.append(f"{a.asset} embeds an inline source map")
        for path, status, is_map in a.maps:
            if 200 <= status < 300 and is_map:
                problems.append(f"{path} ({status}) serves the source map of {a.asset}")
    probed = sum(len(a.maps) for a in assets)
    observed = "; ".join(f"{p} {s}" for a in assets for p, s, _ in a.maps) or "(no map probed)"
    if problems:
        return fail("source-maps-served", "source maps exposed: " + "; ".join(problems), observed, expected,
                    score=0)
    return ok("source-maps-absent", f"no source map for {len(assets)} asset(s) ({probed} map URL(s) probed)",
              observed, expected)
