"""Which network endpoints are down this run: the first failure to reach one, recorded once.

A dead subject must cost one timeout, not one per check. Every domain that talks to an endpoint
(HTTP fetches, the TLS pre-flight, later ones) asks ``Reachability`` first and reports the
recorded failure at once; the first domain to find the endpoint down records why. An endpoint is
``(hostname, port, address dialled)`` — the same key the TLS scan uses — so a target whose TLS
pre-flight found it silent fails its HTTP checks without waiting again, and vice versa.

"Down" means the endpoint could not be reached at all (refused, no route, connect or handshake
timeout), or accepted a connection and never answered anything this run. An endpoint that has
answered some request is never marked down by a later timeout: it is judged per request.
"""

from __future__ import annotations

import threading
from typing import NamedTuple


class Endpoint(NamedTuple):
    """Where a subject is reached: the name it is called by, the port, the address dialled."""

    hostname: str
    port: int
    address: str | None = None

    @property
    def where(self) -> str:
        return f"{self.hostname}:{self.port}" + (f" ({self.address})" if self.address else "")


class Reachability:
    """Thread-safe record of down endpoints (first reason wins) and of endpoints that answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: dict[Endpoint, str] = {}
        self._answered: set[Endpoint] = set()

    def down(self, endpoint: Endpoint) -> str | None:
        """Why ``endpoint`` is known to be down, or None."""
        return self._down.get(endpoint)

    def mark_down(self, endpoint: Endpoint, reason: str) -> str:
        """Record ``endpoint`` as down; returns the reason on record (an earlier one wins)."""
        with self._lock:
            return self._down.setdefault(endpoint, reason)

    def answered(self, endpoint: Endpoint) -> None:
        """``endpoint`` answered a request: later timeouts on it are judged per request."""
        with self._lock:
            self._answered.add(endpoint)

    def has_answered(self, endpoint: Endpoint) -> bool:
        return endpoint in self._answered

    def view(self) -> Reachability:
        """A record of its own that also sees this one: an endpoint down here is down there, an
        answer there counts here, but a timeout met there stays there. For probes that provoke a
        target on purpose (an oversized body, a burst): their silence is their finding, not proof
        that the target is down for every other check."""
        return _View(self)


class _View(Reachability):
    def __init__(self, parent: Reachability) -> None:
        super().__init__()
        self._parent = parent

    def down(self, endpoint: Endpoint) -> str | None:
        return self._parent.down(endpoint) or super().down(endpoint)

    def answered(self, endpoint: Endpoint) -> None:
        self._parent.answered(endpoint)
        super().answered(endpoint)

    def has_answered(self, endpoint: Endpoint) -> bool:
        return self._parent.has_answered(endpoint) or super().has_answered(endpoint)
