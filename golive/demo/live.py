"""The demo's live behaviours as small parts: the /login rate limiter, JWT verification, and the
WebSocket echo. The app wires them to routes; each reads its ``Behaviour`` field, never a flaw name.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

JWT_KEY = "golive-demo-jwt-key-0000-not-a-secret"
"""The demo's HS256 key when ``GOLIVE_DEMO_JWT_KEY`` is not set (a demo value, not a secret)."""


class FixedWindow:
    """``limit`` requests per client per one-second window; the answer's headers tell when to retry."""

    def __init__(self, limit: int, window: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.counts: dict[str, tuple[int, int]] = {}

    def hit(self, client: str) -> tuple[bool, list[tuple[str, str]]]:
        """(allowed, RateLimit headers) for one request of ``client``."""
        now = self.clock()
        slot = int(now // self.window)
        start, count = self.counts.get(client, (slot, 0))
        if start != slot:
            start, count = slot, 0
        count += 1
        self.counts[client] = (start, count)
        if len(self.counts) > 10_000:  # bounded memory: forget old clients
            self.counts = {k: v for k, v in self.counts.items() if v[0] == slot}
        reset = max(1, math.ceil((slot + 1) * self.window - now))
        headers = [("RateLimit-Limit", str(self.limit)), ("RateLimit-Remaining", str(max(0, self.limit - count))),
                   ("RateLimit-Reset", str(reset))]
        if count > self.limit:
            return False, [*headers, ("Retry-After", str(reset))]
        return True, headers


def verify_jwt(token: str, key: str, allow_none: bool, verify_exp: bool) -> dict[str, Any] | None:
    """The claims of a valid token, else None. ``allow_none``/``verify_exp`` are the demo's flaws."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        if allow_none and str(header.get("alg", "")).lower() == "none":
            return jwt.decode(token, options={"verify_signature": False})
        return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": verify_exp,
                                                                     "require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None


Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def websocket_echo(receive: Receive, send: Send, accept: bool) -> None:
    """ASGI WebSocket: echo every message (hypercorn speaks the protocol); refuse when not ``accept``."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if not accept:
        await send({"type": "websocket.close", "code": 1008})  # before accept: hypercorn answers 403
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        elif message.get("bytes") is not None:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
