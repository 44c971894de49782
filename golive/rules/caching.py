"""``http.static_caching``: hashed assets cached for long and immutable; HTML and authenticated answers
not kept by shared caches (pure).

A hashed asset (``app.3f9c2b1e.js``) never changes under its name, so ``Cache-Control: public,
max-age=31536000, immutable`` is safe and saves every repeat request; an HTML page or an answer
made for one user must not be stored by a shared cache (``no-store`` / ``private``; ``no-cache`` is
enough for public HTML, since it forces revalidation). The seeds' pitfall: "Over-caching dynamic
content".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from golive.durations import format_duration
from golive.verdict import Verdict, fail, ok

_HASHED = re.compile(
    r"(?:^|[.\-_~])(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,}"
    r"(?:\.(?:min|chunk|bundle|module))?\.(?:js|mjs|css|woff2?|ttf|otf|png|jpe?g|gif|svg|webp|avif|ico|wasm)$"
)


def is_hashed(path: str) -> bool:
    """Whether the file name carries a content hash (``main.3f9c2b1e.js``, ``index-BxY3z9Qw.css``)."""
    return bool(_HASHED.search(PurePosixPath(urlsplit(path).path).name))


def cache_control(value: str | None) -> dict[str, str]:
    """``public, max-age=600`` → ``{public: "", max-age: "600"}`` (lower-case names, first wins)."""
    found: dict[str, str] = {}
    for part in (value or "").split(","):
        name, _, arg = part.strip().partition("=")
        if name.strip():
            found.setdefault(name.strip().lower(), arg.strip().strip('"'))
    return found


def _max_age(directives: dict[str, str]) -> int | None:
    text = directives.get("max-age", "")
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class Cached:
    """One answer as caching sees it: the path, its status and its Cache-Control (None: absent)."""

    path: str
    status: int
    cache_control: str | None


def _asset_problem(a: Cached, min_age: float, require_immutable: bool) -> str | None:
    if not 200 <= a.status < 300:
        return f"asset {a.path} answered {a.status}"
    directives = cache_control(a.cache_control)
    shown = a.cache_control or "no Cache-Control"
    if "no-store" in directives or "no-cache" in directives:
        return f"asset {a.path} is not cacheable ({shown})"
    age = _max_age(directives)
    if age is None or age < min_age:
        return f"asset {a.path} max-age {age if age is not None else 'missing'} below {min_age:.0f}s ({shown})"
    if require_immutable and "immutable" not in directives:
        return f"asset {a.path} lacks immutable ({shown})"
    return None


def _page_problem(a: Cached, who: str, allow_no_cache: bool) -> str | None:
    if not 200 <= a.status < 300:
        return None
    directives = cache_control(a.cache_control)
    safe = {"no-store", "private"} | ({"no-cache"} if allow_no_cache else set())
    if safe & directives.keys():
        return None
    if allow_no_cache and _max_age(directives) == 0 and "must-revalidate" in directives:
        return None
    shown = a.cache_control or "no Cache-Control (caches may keep it heuristically)"
    wanted = "no-store or private" + (" (or no-cache)" if allow_no_cache else "")
    return f"{who} {a.path} may be stored by shared caches ({shown}; wanted {wanted})"


def static_caching(assets: Sequence[Cached], pages: Sequence[Cached], private: Sequence[Cached],
                   min_age: float, require_immutable: bool = True) -> Verdict:
    """Hashed ``assets`` long-lived (+ immutable); ``pages`` and ``private`` answers not shared-cacheable."""
    expected = (f"hashed assets: max-age>={min_age:.0f}" + (", immutable" if require_immutable else "")
                + "; HTML: no-store/private/no-cache; authenticated: no-store or private")
    problems = [p for a in assets if (p := _asset_problem(a, min_age, require_immutable))]
    problems += [p for a in pages if (p := _page_problem(a, "page", True))]
    problems += [p for a in private if (p := _page_problem(a, "authenticated answer", False))]
    observed = "; ".join(f"{a.path}: {a.cache_control or '(none)'}" for a in (*assets, *pages, *private))
    if problems:
        return fail("static-caching-wrong", "caching: " + "; ".join(problems), observed, expected, score=0)
    parts = [f"{len(assets)} hashed asset(s) cached {format_duration(min_age)}+"
             + (" immutable" if require_immutable else "") if assets else
             "no hashed asset found (name them in checks.http.assets)",
             f"{len(pages)} page(s)" + (f" and {len(private)} authenticated answer(s)" if private else "")
             + " not shared-cacheable"]
    return ok("static-caching-ok", "; ".join(parts), observed, expected)
