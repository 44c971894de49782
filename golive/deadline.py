"""A *total* deadline for an httpx request, not a per-read timeout.

httpx's timeouts bound each connect, read and write: a server that drips one header line every
second keeps a request alive for ever while no single read ever times out. ``DeadlineTransport``
gives its connections an httpcore network backend that shortens every connect, TLS handshake, read
and write to what is left of the request's deadline, and fails the request once nothing is left;
``within(seconds)`` sets that deadline around a request (per thread)::

    client = httpx.Client(transport=DeadlineTransport(verify=True), timeout=5)
    with within(5):
        client.get(url)          # at most ~5 s in total, however the server behaves

Outside ``within`` the transport behaves like httpx's own. Used by the monitoring APIs
(Prometheus, Alertmanager, Grafana); any httpx client can use it.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Iterator

import httpcore
import httpx

_state = threading.local()


class DeadlinePassed(httpcore.ReadTimeout):
    """The request's total deadline passed (a ReadTimeout to httpx, which maps it)."""


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run the requests inside the block under a total deadline of ``seconds``."""
    previous = getattr(_state, "end", None)
    _state.end = time.monotonic() + seconds
    try:
        yield
    finally:
        _state.end = previous


def _clamp(timeout: float | None, error: type[Exception] = DeadlinePassed) -> float | None:
    end = getattr(_state, "end", None)
    if end is None:
        return timeout
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise error("the request's total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _clamp(timeout, httpcore.ConnectTimeout),
                                                       socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose network backend honours ``within``."""

    def __init__(self, verify: ssl.SSLContext | str | bool = True, http2: bool = False,
                 limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=10, max_keepalive_connections=5)
        super().__init__(verify=verify, http2=http2, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=http2, network_backend=_Backend(),
        )
