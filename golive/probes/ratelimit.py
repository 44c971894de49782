"""The rate-limit burst: sequential requests on one connection until the limiter answers.

Sequential on purpose: it is what a single abusive client does, it never loads the service more
than one request at a time, and its cost is exactly ``sent`` requests (the budget). The burst
stops at the first limited answer; then, when asked, golive waits what the limiter said
(``Retry-After`` / ``RateLimit-Reset`` / the ``reset``/``t`` parameter of ``RateLimit``), bounded
by ``max_recovery_wait``, and asks again to see the limit recover.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any

from golive.http import FetchError, HttpFetcher, Observed
from golive.profile import Target

RECOVERY_POLLS = 10
"""Requests spent at most on seeing the limit recover."""
LIMIT_HEADERS = ("retry-after", "ratelimit", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
                 "ratelimit-policy", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@dataclass(frozen=True)
class Recovery:
    """What happened after the limit: how long golive waited, the answer then, or why it did not wait."""

    waited: float
    status: int | None
    polls: int
    skipped: str | None = None


@dataclass(frozen=True)
class Burst:
    """One burst's observation (the rule's input)."""

    request: str
    budget: int
    sent: int
    elapsed: float
    limited_at: int | None
    limited_status: int | None
    limit_headers: tuple[tuple[str, str], ...]
    statuses: dict[int, int]
    error: str | None = None
    recovery: Recovery | None = None
    log: list[dict[str, Any]] = field(default_factory=list)


def wait_hint(headers: tuple[tuple[str, str], ...], now: float | None = None) -> float | None:
    """Seconds the limiter asks the client to wait, from its headers; None when it does not say."""
    found = {k.lower(): v.strip() for k, v in headers}
    retry = found.get("retry-after")
    if retry:
        if retry.isdigit():
            return float(retry)
        try:
            return max(0.0, parsedate_to_datetime(retry).timestamp() - (now or time.time()))
        except (TypeError, ValueError, IndexError):
            pass
    for name in ("ratelimit-reset", "x-ratelimit-reset"):
        value = found.get(name, "")
        if re.fullmatch(r"\d+(\.\d+)?", value):
            seconds = float(value)
            # Some limiters send an epoch timestamp in X-RateLimit-Reset.
            return max(0.0, seconds - (now or time.time())) if seconds > 1e9 else seconds
    match = re.search(r"(?:\breset=|;\s*t=)(\d+)", found.get("ratelimit", ""))
    return float(match.group(1)) if match else None


def _limit_headers(response: Observed) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in response.headers if k.lower() in LIMIT_HEADERS)


def burst(fetcher: HttpFetcher, target: Target, path: str, *, method: str, headers: dict[str, str],
          body: bytes | None, json_body: Any, budget: int, limited: list[int], recovery: bool,
          max_wait: float, pause: Callable[[float], None] = time.sleep) -> Burst:
    """Send at most ``budget`` requests; stop at the first ``limited`` status (then maybe recover).

    A first request without answer raises ``FetchError`` (the target is unreachable); a later one
    ends the burst and is reported (a limiter that drops connections says so that way).
    """
    label = f"{method} {path}"
    statuses: Counter[int] = Counter()
    log: list[dict[str, Any]] = []
    start = time.perf_counter()
    limited_at: int | None = None
    last: Observed | None = None
    error: str | None = None
    sent = 0
    for index in range(1, budget + 1):
        try:
            last = fetcher.fetch(target, path, method=method, headers=headers or None, body=body,
                                 json_body=json_body, cached=False)
        except FetchError as exc:
            if index == 1:
                raise
            error = f"request {index} got no answer: {exc.reason}"
            sent = index
            break
        sent = index
        statuses[last.status] += 1
        if index <= 3 or last.status in limited:
            log.append({"request": index, "status": last.status, "ms": round(last.elapsed * 1000, 2),
                        "limit_headers": dict(_limit_headers(last))})
        if last.status in limited:
            limited_at = index
            break
    elapsed = time.perf_counter() - start
    limit_headers = _limit_headers(last) if last is not None and limited_at else ()
    result = Burst(label, budget, sent, elapsed, limited_at, last.status if limited_at and last else None,
                   limit_headers, dict(statuses), error, None, log)
    if limited_at and recovery:
        result = replace(result, recovery=_recover(fetcher, target, path, method, headers, body, json_body,
                                                   limited, limit_headers, max_wait, pause))
    return result


def _recover(fetcher: HttpFetcher, target: Target, path: str, method: str, headers: dict[str, str],
             body: bytes | None, json_body: Any, limited: list[int], limit_headers: tuple[tuple[str, str], ...],
             max_wait: float, pause: Callable[[float], None]) -> Recovery:
    hint = wait_hint(limit_headers)
    if hint is not None and hint > max_wait:
        return Recovery(0.0, None, 0, f"the limiter asks to wait {hint:g}s, more than max_recovery_wait "
                                      f"{max_wait:g}s")
    delay = min(max(hint if hint is not None else 1.0, 0.05) + 0.05, max_wait)
    waited = 0.0
    status: int | None = None
    polls = 0
    for polls in range(1, RECOVERY_POLLS + 1):
        step = max(0.0, min(delay, max_wait - waited))
        if step <= 0 and polls > 1:
            polls -= 1
            break
        pause(step)
        waited += step
        status = fetcher.fetch(target, path, method=method, headers=headers or None, body=body,
                               json_body=json_body, cached=False).status
        if status not in limited:
            return Recovery(waited, status, polls)
        delay *= 2
    return Recovery(waited, status, polls)
