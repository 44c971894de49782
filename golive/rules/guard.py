"""The production guard of the probes that send more than a handful of requests (pure).

Same two switches as load runs (DESIGN "Safety"): against ``environment: production`` a burst
runs only when the profile says ``allow_load: true`` AND the command line says ``--allow-load``.
The check consults this before its first request, so a refusal costs the target nothing.
"""

from __future__ import annotations

from golive.verdict import Verdict, fail, ok

HANDFUL = 10
"""Requests a probe may send to production without the load switches (a few smoke-sized GETs)."""


def probe_guard(what: str, requests: int, is_production: bool, profile_allows: bool, cli_allows: bool) -> Verdict:
    """Whether ``what`` (up to ``requests`` requests) may run here; the refusal names both switches."""
    if not is_production or requests <= HANDFUL:
        return ok("probe-allowed", f"{what}: {requests} request(s) allowed")
    if profile_allows and cli_allows:
        return ok("probe-allowed", f"{what}: allowed on production by allow_load: true and --allow-load")
    missing = [name for name, given in (("allow_load: true in the profile", profile_allows),
                                        ("--allow-load on the command line", cli_allows)) if not given]
    return fail("probe-refused-production",
                f"refusing {what} ({requests} requests) against a production environment before any request; to "
                "allow it, set allow_load: true in the profile AND pass --allow-load (missing: "
                + ", ".join(missing) + ")",
                observed="environment: production", expected="allow_load: true and --allow-load")
