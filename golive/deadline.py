"""Total deadlines for network calls: the profile's ``timeout`` bounds a whole request, not each read.

A socket timeout bounds one blocking call. A server that drips one header line every two seconds,
or trickles one byte a second, answers every read in time and holds a request open for as long as
it likes. golive gives every request a deadline (``Deadline``) and hands each blocking socket call
only the time that is left (``Deadline.left``); once it is spent, the next call fails at once.
CPython's TLS handshake and TLS reads already treat the socket timeout as a deadline for the whole
call, so a server that stalls mid-handshake is bounded too.

- ``within(seconds)``: the requests made inside the block (this thread) share one deadline;
- ``golive.http_transport.DeadlineTransport`` / ``client()``: an httpx transport that honours it
  (and, outside ``within``, gives each request its own timeout as its total deadline);
- ``connect()`` / ``resolve()``: a TCP connection / name resolution within a deadline, for probes
  that speak to sockets directly (``getaddrinfo`` has no timeout of its own: it runs on a helper
  thread that is abandoned at the deadline).

This module imports no HTTP library (plugin start-up stays light); the transport lives in
``golive.http_transport``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass


class DeadlineExceeded(TimeoutError):
    """The total deadline of a network call passed."""


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock by which a network call must be over."""

    at: float
    total: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def left(self, timeout: float | None = None,
             error: Callable[[str], BaseException] = DeadlineExceeded) -> float:
        """The time the next blocking call may take: the rest of the deadline (or less when
        ``timeout`` is shorter); raises ``error`` once the deadline has passed."""
        remaining = self.remaining()
        if remaining <= 0:
            raise error(f"total deadline of {self.total:g}s reached")
        return remaining if timeout is None else min(timeout, remaining)


CURRENT: ContextVar[Deadline | None] = ContextVar("golive_deadline", default=None)
"""The deadline of the request the current thread is making (each thread has its own context)."""


@contextlib.contextmanager
def within(seconds: float) -> Iterator[Deadline]:
    """Run the requests inside the block under one total deadline of ``seconds``."""
    deadline = Deadline.after(seconds)
    token = CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        CURRENT.reset(token)


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def resolve(host: str, port: int, deadline: Deadline) -> list[tuple[int, int, int, str, tuple]]:
    """``getaddrinfo`` bounded by ``deadline`` (a helper thread; abandoned if it overruns)."""
    if is_address(host):
        return socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    found: list[list] = []
    failed: list[BaseException] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller
            failed.append(exc)
        finally:
            done.set()

    threading.Thread(target=lookup, name="golive-resolve", daemon=True).start()
    if not done.wait(deadline.left()):
        raise DeadlineExceeded(f"name resolution of {host} took longer than {deadline.total:g}s")
    if failed:
        raise failed[0]
    return found[0]


def connect(host: str, port: int, deadline: Deadline) -> socket.socket:
    """A TCP connection to ``host:port`` opened within ``deadline`` (every resolved address tried)."""
    error: OSError | None = None
    for family, kind, proto, _, address in resolve(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.left())
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, TimeoutError):
                break
    raise error or OSError(f"no address for {host}")
