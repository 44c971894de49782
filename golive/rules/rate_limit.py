"""``smoke.rate_limit``: a bounded burst draws the limiter's answer, with headers, and recovers (pure).

The seeds put per-IP and per-domain rate limits on the critical path ("100 requests per 15
minutes", "10 r/s at the load balancer"). A limit that never answers within the budget, answers
without telling the client when to come back, or never lifts again each fail with what was seen.
"""

from __future__ import annotations

from golive.probes.ratelimit import Burst
from golive.verdict import Verdict, fail, ok


def _statuses(burst: Burst) -> str:
    return ", ".join(f"{status}×{count}" for status, count in sorted(burst.statuses.items())) or "none"


def rate_limit(burst: Burst, limited: list[int], require_headers: bool = True) -> Verdict:
    """Limited (``limited`` status) before the budget, with Retry-After/RateLimit-* when required, and
    answering again after the wait when recovery was observed."""
    wanted = "/".join(map(str, limited))
    expected = (f"{wanted} within {burst.budget} requests"
                + (" with Retry-After or RateLimit-* headers" if require_headers else "") + ", then recovery")
    took = f"{burst.sent} requests in {burst.elapsed:.2f}s"
    if burst.limited_at is None:
        why = f" ({burst.error})" if burst.error else ""
        return fail("rate-limit-missing", f"{burst.request}: {took} drew no {wanted}{why}",
                    f"statuses {_statuses(burst)}", expected, score=-50, sent=burst.sent)
    headers = "; ".join(f"{k}: {v}" for k, v in burst.limit_headers)
    seen = f"{burst.limited_status} after {burst.limited_at} requests" + (f" ({headers})" if headers else "")
    if require_headers and not burst.limit_headers:
        return fail("rate-limit-no-headers",
                    f"{burst.request}: answered {burst.limited_status} after {burst.limited_at} requests without "
                    "Retry-After or RateLimit-* headers (clients cannot tell when to retry)",
                    seen, expected, score=-10, sent=burst.sent)
    recovery = burst.recovery
    if recovery is None:
        tail = "; recovery not checked (recovery: false)"
    elif recovery.skipped:
        tail = f"; recovery not checked: {recovery.skipped}"
    elif recovery.status in limited:
        return fail("rate-limit-stuck",
                    f"{burst.request}: still {recovery.status} after waiting {recovery.waited:.1f}s "
                    f"({recovery.polls} polls): the limit does not recover", seen, expected, score=-10,
                    sent=burst.sent + recovery.polls)
    else:
        tail = f"; recovered ({recovery.status}) after {recovery.waited:.1f}s"
    return ok("rate-limit-ok", f"{burst.request}: limited with {seen} in {burst.elapsed:.2f}s{tail}", seen,
              expected, sent=burst.sent + (recovery.polls if recovery else 0))
