"""Smoke rules: pure judgements of observed HTTP responses (no network here).

Each function takes what was observed (an ``Observed`` response, a list of latency samples, a
version string) plus the profile's expectation and returns a ``Verdict`` whose message names the
observed and the expected value. Body excerpts are cut short here; the caller passes bodies that
are already redacted (see ``golive.redact``), so an excerpt never carries a secret.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from golive.durations import format_duration
from golive.http import Observed
from golive.verdict import Verdict, combine, fail, ok

EXCERPT = 160
"""Characters of a body quoted in a message: enough to recognise an error page, short for logs."""

UNHEALTHY_WORDS = frozenset({
    "down", "unhealthy", "error", "fail", "failed", "failing", "disconnected", "degraded",
    "unavailable", "critical", "dead", "stopped", "timeout", "unreachable", "not connected", "warn",
})
"""Component states that count as a component status even when not in the healthy list."""

_MISSING = object()
_STATE_KEYS = ("status", "state", "health")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """One line of at most ``limit`` characters (whitespace collapsed), for messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def body_json(response: Observed) -> Any:
    """The parsed JSON body, or ``_MISSING`` when the body is not JSON."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return _MISSING


def is_json(value: Any) -> bool:
    return value is not _MISSING


def _index_in(part: str, items: list[Any]) -> bool:
    return part.lstrip("-").isdigit() and -len(items) <= int(part) < len(items)


def json_path(data: Any, path: str) -> Any:
    """``data`` at the dotted ``path`` (``a.b.0.c``: list indexes are numbers); ``_MISSING`` if absent."""
    current = data
    for part in filter(None, path.split(".")):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and _index_in(part, current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def subset_mismatches(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``actual`` does not contain ``expected``: mappings key by key, lists and scalars by equality."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{where or '(body)'}: expected an object, got {_short(actual)}"]
        out: list[str] = []
        for key, value in expected.items():
            path = f"{where}.{key}" if where else str(key)
            if key not in actual:
                out.append(f"{path}: missing")
            else:
                out.extend(subset_mismatches(value, actual[key], path))
        return out
    if expected != actual:
        return [f"{where or '(body)'}: {_short(actual)} != {_short(expected)}"]
    return []


def _short(value: Any) -> str:
    return excerpt(json.dumps(value, default=str), 60)


def _status_word(value: Any) -> str:
    return str(value).strip().lower()


# --------------------------------------------------------------------------- smoke.health


def health(response: Observed, healthy: Sequence[str], status_field: str = "status",
           body_text: str | None = None) -> Verdict:
    """200 and (for JSON) ``status_field`` in ``healthy``; plain text must be a healthy word.

    ``body_text`` is the (redacted) body used for excerpts; defaults to the response body.
    """
    path = _path_of(response)
    text = response.text if body_text is None else body_text
    wanted = "/".join(healthy)
    if response.status != 200:
        hint = " (is this the health endpoint? set checks.smoke.health_path)" if response.status in (404, 405) else ""
        return fail("health-status", f"health {path} answered {response.status}{hint}: {excerpt(text)!r}",
                    observed=str(response.status), expected="200")
    data = body_json(response)
    if is_json(data):
        if not status_field:
            return ok("health-ok", f"health {path} answered 200 with JSON")
        value = json_path(data, status_field)
        if value is _MISSING:
            return fail("health-no-status",
                        f"health {path} JSON has no '{status_field}' field: {excerpt(text)!r}",
                        observed="no field", expected=f"{status_field} in {wanted}")
        if _status_word(value) not in {h.lower() for h in healthy}:
            return fail("health-unhealthy",
                        f"health {path} reports {status_field}={value!r}: {excerpt(text)!r}",
                        observed=f"{status_field}={value}", expected=f"{status_field} in {wanted}")
        return ok("health-ok", f"health {path} answered 200, {status_field}={value}",
                  observed=str(value), expected=wanted)
    if response.content_type in ("text/html", "application/xhtml+xml"):
        return fail("health-html",
                    f"health {path} answered 200 with an HTML page, not a status: {excerpt(text)!r}",
                    observed=response.content_type, expected=f"JSON or plain {wanted}")
    word = _status_word(text)
    if not word or word in {h.lower() for h in healthy}:
        return ok("health-ok", f"health {path} answered 200 {word!r}")
    return fail("health-not-json", f"health {path} answered 200 with a non-JSON body: {excerpt(text)!r}",
                observed=response.content_type or "no content type", expected=f"JSON or plain {wanted}")


def _path_of(response: Observed) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(response.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --------------------------------------------------------------------------- smoke.health_deep


def components(data: Any, healthy: Iterable[str], depth: int = 3) -> list[tuple[str, str]]:
    """(component, status) pairs found in a comprehensive health document.

    A component is an object with a ``status`` (or ``state``/``health``) field, found up to
    ``depth`` levels down (``{"database": {"status": "connected"}}``, ``{"checks": {"redis":
    {"status": "up"}}}``), or a string value that is a health word (``{"database": "connected"}``).
    Counters such as ``{"workers": {"scraping": 2}}`` are not statuses and are ignored.
    """
    words = {h.lower() for h in healthy} | UNHEALTHY_WORDS
    found: list[tuple[str, str]] = []

    def walk(node: Any, prefix: str, level: int) -> None:
        if not isinstance(node, Mapping) or level > depth:
            return
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping):
                state = next((value[k] for k in _STATE_KEYS if k in value), None)
                if isinstance(state, str | bool):
                    found.append((name, _bool_word(state)))
                walk(value, name, level + 1)
            elif isinstance(value, str) and _status_word(value) in words and key not in _STATE_KEYS:
                found.append((name, value))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, Mapping) and "name" in item:
                        state = next((item[k] for k in _STATE_KEYS if k in item), None)
                        if isinstance(state, str | bool):
                            found.append((f"{name}.{item['name']}", _bool_word(state)))

    walk(data, "", 1)
    return found


def _bool_word(state: str | bool) -> str:
    if isinstance(state, bool):
        return "up" if state else "down"
    return state


def deep_health(response: Observed, healthy: Sequence[str], body_text: str | None = None) -> Verdict:
    """Every component of the comprehensive health endpoint is healthy; failures name the components."""
    path = _path_of(response)
    text = response.text if body_text is None else body_text
    data = body_json(response)
    if not is_json(data):
        return fail("deep-health-not-json",
                    f"comprehensive health {path} answered {response.status} without JSON: {excerpt(text)!r}",
                    observed=f"{response.status} {response.content_type or 'no content type'}",
                    expected="200 with a JSON component report")
    accepted = {h.lower() for h in healthy}
    found = components(data, healthy)
    top = data.get("status") if isinstance(data, Mapping) else None
    bad = [(n, s) for n, s in found if _status_word(s) not in accepted]
    if isinstance(top, str) and _status_word(top) not in accepted and not bad:
        bad = [("status", top)]
    if bad:
        listed = ", ".join(f"{n}={s}" for n, s in bad)
        return fail("deep-health-component", f"comprehensive health {path}: unhealthy component(s): {listed}",
                    observed=listed, expected=f"every component in {'/'.join(healthy)}",
                    components=dict(found))
    if response.status != 200:
        return fail("deep-health-status", f"comprehensive health {path} answered {response.status}: "
                    f"{excerpt(text)!r}", observed=str(response.status), expected="200")
    if not found:
        return fail("deep-health-empty",
                    f"comprehensive health {path} lists no component status: {excerpt(text)!r}",
                    observed="no components", expected="components with a status (database, redis, ...)")
    names = ", ".join(n for n, _ in found)
    return ok("deep-health-ok", f"comprehensive health {path}: {len(found)} components healthy ({names})",
              components=dict(found))


# --------------------------------------------------------------------------- smoke.endpoints


def endpoint(name: str, response: Observed, expect: Any, body_text: str | None = None) -> Verdict:
    """Judge a declared request against its ``Expect`` (status, JSON, body, header, type, latency)."""
    text = response.text if body_text is None else body_text
    label = f"{response.method} {_path_of(response)} ({name})"
    parts: list[Verdict] = []
    statuses = expect.statuses
    if response.status not in statuses:
        parts.append(fail("endpoint-status", f"{label} answered {response.status}: {excerpt(text)!r}",
                          observed=str(response.status), expected=" or ".join(map(str, statuses))))
    if expect.content_type and expect.content_type.lower() not in (response.content_type or "").lower():
        parts.append(fail("endpoint-content-type",
                          f"{label} content type {response.content_type or 'none'}, "
                          f"expected one containing {expect.content_type!r}",
                          observed=response.content_type or "none", expected=expect.content_type))
    for needle in expect.body_contains:
        if needle not in response.text:
            parts.append(fail("endpoint-body", f"{label} body lacks {needle!r}: {excerpt(text)!r}",
                              observed="absent", expected=f"body contains {needle!r}"))
    for header, wanted in expect.headers.items():
        value = response.header(header)
        if value is None:
            parts.append(fail("endpoint-header", f"{label} has no {header} header",
                              observed="absent", expected=f"{header}: {wanted}"))
        elif wanted != "*" and wanted.lower() not in value.lower():
            parts.append(fail("endpoint-header", f"{label} header {header}: {excerpt(value, 60)!r}",
                              observed=value, expected=f"contains {wanted!r}"))
    if expect.json_subset is not None or expect.json_paths or expect.json_has:
        parts.extend(_json_parts(label, response, expect, text))
    if expect.max_latency is not None and response.elapsed > expect.max_latency:
        parts.append(fail("endpoint-latency", f"{label} took {format_ms(response.elapsed)}",
                          observed=format_ms(response.elapsed),
                          expected=f"≤ {format_ms(expect.max_latency)}"))
    if not parts:
        return ok("endpoint-ok",
                  f"{label} answered {response.status} as expected in {format_ms(response.elapsed)}")
    return combine("endpoint", parts, "")


def _json_parts(label: str, response: Observed, expect: Any, text: str) -> list[Verdict]:
    data = body_json(response)
    if not is_json(data):
        return [fail("endpoint-not-json", f"{label} body is not JSON: {excerpt(text)!r}",
                     observed=response.content_type or "no content type", expected="a JSON body")]
    out: list[Verdict] = []
    if expect.json_subset is not None:
        for miss in subset_mismatches(expect.json_subset, data):
            out.append(fail("endpoint-json", f"{label} JSON {miss}", observed=miss, expected="JSON subset"))
    for path, wanted in expect.json_paths.items():
        value = json_path(data, path)
        if value is _MISSING:
            out.append(fail("endpoint-json-path", f"{label} JSON has no {path}",
                            observed="missing", expected=f"{path} = {_short(wanted)}"))
        elif value != wanted:
            out.append(fail("endpoint-json-path", f"{label} JSON {path} = {_short(value)}",
                            observed=_short(value), expected=_short(wanted)))
    for path in expect.json_has:
        if json_path(data, path) is _MISSING:
            out.append(fail("endpoint-json-has", f"{label} JSON has no {path}",
                            observed="missing", expected=f"{path} present"))
    return out


# --------------------------------------------------------------------------- smoke.auth_required


def auth_required(label: str, anonymous: int, authorised: int | None, refuse: Sequence[int],
                  accept: Sequence[int] = ()) -> Verdict:
    """Anonymous request refused (``refuse``), credentialed one accepted (``accept`` or 2xx/3xx).

    ``authorised`` is None when the profile gives no credentials (then only the refusal is judged).
    """
    parts: list[Verdict] = []
    refused = "/".join(map(str, refuse))
    if anonymous not in refuse:
        parts.append(fail("auth-not-enforced", f"{label} answered {anonymous} without credentials",
                          observed=str(anonymous), expected=refused, score=-50))
    if authorised is not None:
        good = authorised in accept if accept else 200 <= authorised < 400
        if not good:
            parts.append(fail("auth-rejects-credentials",
                              f"{label} answered {authorised} with the credentials",
                              observed=str(authorised),
                              expected="/".join(map(str, accept)) if accept else "2xx/3xx"))
    if parts:
        return combine("auth", parts, "")
    with_creds = f", {authorised} with credentials" if authorised is not None else ""
    return ok("auth-ok", f"{label} refused anonymous ({anonymous}){with_creds}")


# --------------------------------------------------------------------------- smoke.latency


def percentile(samples: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (the "type 7" of R and numpy's default)."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def format_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 10 else format_duration(seconds)


def latency(label: str, samples: Sequence[float], budgets: Mapping[str, float | None],
            errors: Sequence[str] = ()) -> Verdict:
    """Each budgeted percentile (``p50``/``p95``/``p99``) of ``samples`` under its budget.

    The message always shows every measured percentile, so a failure says how far off it is.
    """
    measured = {name: percentile(samples, float(name[1:])) for name in ("p50", "p95", "p99")}
    figures = ", ".join(f"{k} {format_ms(v)}" for k, v in measured.items())
    figures += f", max {format_ms(max(samples))}"
    wanted = {k: v for k, v in budgets.items() if v is not None}
    expected = ", ".join(f"{k} ≤ {format_ms(v)}" for k, v in wanted.items())
    over = [k for k, v in wanted.items() if measured[k] > v]
    suffix = f"; {len(errors)} error answer(s): {', '.join(errors[:3])}" if errors else ""
    details = {"samples": len(samples), **{k: round(v, 6) for k, v in measured.items()}}
    if over:
        return fail("latency-over-budget",
                    f"{label}: {', '.join(over)} over budget in {len(samples)} samples ({figures}){suffix}",
                    observed=figures, expected=expected, **details)
    if errors:
        return fail("latency-errors", f"{label}: {len(errors)} of {len(samples)} samples answered an error"
                    f" ({', '.join(errors[:3])})", observed=figures, expected="every sample 2xx/3xx",
                    **details)
    return ok("latency-ok", f"{label}: {len(samples)} samples within budget ({figures})",
              observed=figures, expected=expected, **details)


# --------------------------------------------------------------------------- smoke.version


def read_version(response: Observed, source: str) -> str | None:
    """The deployed version from ``header:<Name>`` or ``json:<dotted.path>``; None when absent."""
    kind, _, name = source.partition(":")
    if kind == "header":
        return response.header(name)
    data = body_json(response)
    if not is_json(data):
        return None
    value = json_path(data, name)
    return None if value is _MISSING or value is None else str(value)


def version(observed: str | None, expected: str, source: str, where: str) -> Verdict:
    """The deployed version equals the expected one (a leading ``v`` is ignored on both sides)."""
    if observed is None:
        return fail("version-missing", f"no version at {source} of {where}", observed="absent",
                    expected=expected)
    if observed.strip().removeprefix("v") != expected.strip().removeprefix("v"):
        return fail("version-mismatch", f"{where} serves version {observed} ({source}), not {expected}",
                    observed=observed, expected=expected, score=-50)
    return ok("version-ok", f"{where} serves version {observed} ({source})", observed=observed,
              expected=expected)
