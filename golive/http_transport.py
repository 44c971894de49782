"""An httpx transport whose requests have a total deadline (the request's timeout), body included.

httpx's timeouts bound each connect, read and write; ``DeadlineTransport`` also bounds their sum.
Each request carries a ``golive.deadline.Deadline`` (from its own timeout) in a context variable
while httpcore works on it, and the network backend below httpcore hands every socket call only
the time that is left, so a dripping or trickling server gets a ``ReadTimeout`` at the deadline.
The response body is read under the same deadline (the stream is wrapped). A deadline set with
``golive.deadline.within`` around the request wins (several requests can share one).

Imported lazily (httpx and httpcore cost start-up time): ``golive.http`` and any domain that talks
HTTP builds its client with ``client()``.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from golive import deadline as deadlines
from golive.deadline import Deadline


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = deadlines.CURRENT.get()
    if deadline is None:
        return timeout
    return deadline.left(timeout, error)


class _Stream(httpcore.NetworkStream):
    """A network stream whose every blocking call gets at most the rest of the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # CPython bounds the whole handshake by the socket timeout: a stalled handshake ends here
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's sync backend, with name resolution and connect inside the request's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        deadline = deadlines.CURRENT.get()
        if deadline is not None and not deadlines.is_address(host):
            try:  # getaddrinfo has no timeout of its own
                host = deadlines.resolve(host, port, deadline)[0][4][0]
            except deadlines.DeadlineExceeded as exc:
                raise httpcore.ConnectTimeout(str(exc)) from None
            except OSError as exc:
                raise httpcore.ConnectError(str(exc)) from None
        return _Stream(self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout), local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout),
                                                       socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _BodyUnderDeadline(httpx.SyncByteStream):
    """The response body, read under the deadline of the request that produced it."""

    def __init__(self, inner: typing.Any, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            token = deadlines.CURRENT.set(self._deadline)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                deadlines.CURRENT.reset(token)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose requests end at their total deadline (their timeout)."""

    def __init__(self, verify: ssl.SSLContext | bool = True, limits: httpx.Limits | None = None,
                 http2: bool = False) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=verify, limits=limits, http2=http2, trust_env=False)
        # the one private touch: httpx builds its pool without a way to pass a network backend
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections, max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, http1=True, http2=http2, network_backend=_Backend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = deadlines.CURRENT.get() or Deadline.after(_total(request))
        token = deadlines.CURRENT.set(deadline)
        try:
            response = super().handle_request(request)
        finally:
            deadlines.CURRENT.reset(token)
        response.stream = _BodyUnderDeadline(response.stream, deadline)
        return response


def _total(request: httpx.Request) -> float:
    """A request's total deadline: the longest of its httpx timeouts (they are all the profile's)."""
    timeouts = request.extensions.get("timeout") or {}
    values = [v for v in timeouts.values() if v is not None]
    return max(values) if values else 3600.0


def client(timeout: float, verify: ssl.SSLContext | bool = True, **kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` whose every request (body included) ends within ``timeout`` seconds."""
    return httpx.Client(transport=DeadlineTransport(verify=verify), timeout=timeout, trust_env=False, **kwargs)
