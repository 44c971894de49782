"""``smoke.websocket``: the upgrade through the proxy works, round trips are fast, idle survives (pure).

A proxy that does not pass ``Upgrade``/``Connection`` answers the handshake with 400/426 (or the
app's 404); one whose read timeout is short cuts idle connections (the seeds: "Configure sticky
sessions for WebSocket", nginx ``proxy_set_header Upgrade``).
"""

from __future__ import annotations

from golive.probes.websocket import WsObservation
from golive.verdict import Verdict, fail, ok


def _ms(seconds: float | None) -> str:
    return "none" if seconds is None else f"{seconds * 1000:.0f}ms"


def websocket(obs: WsObservation, message: str, latency: float, expect_echo: bool = True) -> Verdict:
    """101, the echo (when expected) and the pong within ``latency``, and the idle period survived."""
    expected = (f"101 Switching Protocols, {'echo and ' if expect_echo else ''}pong within {_ms(latency)}"
                + (f", alive after {obs.idle:g}s idle" if obs.idle else ""))
    if obs.error is not None or obs.status != 101:
        return fail("websocket-upgrade-failed", f"WebSocket {obs.url}: {obs.error or f'status {obs.status}'}",
                    f"status {obs.status}" if obs.status else "no handshake answer", expected, score=-20)
    problems: list[str] = []
    if expect_echo and obs.echo != message:
        problems.append(f"the echo was {obs.echo!r}, not {message!r}")
    if obs.echo_seconds is not None and obs.echo_seconds > latency:
        problems.append(f"message round trip {_ms(obs.echo_seconds)} over {_ms(latency)}")
    if obs.ping_seconds is None:
        problems.append("no pong to the ping")
    elif obs.ping_seconds > latency:
        problems.append(f"ping round trip {_ms(obs.ping_seconds)} over {_ms(latency)}")
    if obs.idle_survived is False:
        problems.append(f"the connection did not survive {obs.idle:g}s idle ({obs.idle_error})")
    observed = f"101; echo {_ms(obs.echo_seconds)}; ping {_ms(obs.ping_seconds)}" + (
        f"; idle {obs.idle:g}s {'survived' if obs.idle_survived else 'cut'}" if obs.idle else "")
    if problems:
        return fail("websocket-degraded", f"WebSocket {obs.url}: " + "; ".join(problems), observed, expected,
                    score=-10)
    idle = f", survived {obs.idle:g}s idle" if obs.idle else " (idle survival not checked: idle is 0s)"
    return ok("websocket-ok", f"WebSocket {obs.url}: upgraded (101), echo {_ms(obs.echo_seconds)}, ping "
              f"{_ms(obs.ping_seconds)}{idle}", observed, expected)
