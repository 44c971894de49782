"""Read a Redis server's effective configuration over its own protocol (RESP), with a timeout.

No client library: three commands (``PING`` without credentials, ``AUTH``, ``CONFIG GET``) are all
the prerequisite check needs, and a short socket exchange keeps the timeout strict. The password
comes from the profile's URL (``redis://:${REDIS_PASSWORD}@host:port``) and is only ever sent to
the server — the URL is never printed (the profile marks interpolated values secret).
"""

from __future__ import annotations

import socket
from urllib.parse import unquote, urlsplit

from golive.prereq.observations import RedisObs


class RedisError(Exception):
    """Unreachable Redis or an unexpected answer; ``unreachable`` for connection failures."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def _encode(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Conn:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("rb")

    def call(self, *parts: str) -> object:
        self.sock.sendall(_encode(*parts))
        return self._read()

    def _read(self) -> object:
        line = self.reader.readline()
        if not line:
            raise RedisError("connection closed by the server")
        kind, body = line[:1], line[1:-2].decode(errors="replace")
        if kind == b"+":
            return body
        if kind == b"-":
            return RedisError(body)
        if kind == b":":
            return int(body)
        if kind == b"$":
            size = int(body)
            if size < 0:
                return None
            data = self.reader.read(size + 2)[:-2]
            return data.decode(errors="replace")
        if kind == b"*":
            return [self._read() for _ in range(max(0, int(body)))]
        raise RedisError(f"unexpected reply {line[:20]!r}")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def redacted_url(url: str) -> str:
    """``redis://host:port/db`` without the credentials (for messages)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}"


def observe(url: str, timeout: float) -> RedisObs:
    """Anonymous PING (is auth enforced?), then AUTH and CONFIG GET of the settings judged."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        conn = _Conn(host, port, timeout)
    except OSError as exc:
        raise RedisError(f"redis {redacted_url(url)} unreachable: {exc.strerror or exc}", True) from None
    try:
        pong = conn.call("PING")
        anonymous = not isinstance(pong, RedisError)
        if parts.password:
            auth = (
                ("AUTH", unquote(parts.username), unquote(parts.password))
                if parts.username
                else ("AUTH", unquote(parts.password))
            )
            answer = conn.call(*auth)
            if isinstance(answer, RedisError) and "no password is set" not in str(answer).lower():
                raise RedisError(f"redis {redacted_url(url)}: AUTH refused ({str(answer).split(' ')[0]})")
        config: dict[str, str] = {}
        for key in ("appendonly", "save", "maxmemory", "maxmemory-policy", "protected-mode"):
            reply = conn.call("CONFIG", "GET", key)
            if isinstance(reply, RedisError):
                raise RedisError(f"redis {redacted_url(url)}: CONFIG GET {key} refused: {reply}")
            if isinstance(reply, list) and len(reply) >= 2:
                config[str(reply[0])] = str(reply[1])
        return RedisObs(anonymous, config)
    except OSError as exc:
        raise RedisError(f"redis {redacted_url(url)} unreachable: {exc}", True) from None
    finally:
        conn.close()
