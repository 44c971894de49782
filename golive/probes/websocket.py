"""The WebSocket probe: upgrade through the proxy, one message and one ping round trip, then idle.

Spoken with the ``websockets`` library (sync client): it is maintained, does the RFC 6455 handshake
and framing itself, exposes the refused handshake's HTTP status (``InvalidStatus``) and accepts an
already connected socket, which is how ``resolve`` works here: the TCP connection goes to the
address, while the URL, ``Host``, SNI and certificate check keep the target's hostname. Keep-alive
pings are off so that the idle period is really idle (a proxy's read timeout then shows).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from golive.http import ssl_context
from golive.profile import Target
from golive.settings.smoke import WebSocketSettings


@dataclass(frozen=True)
class WsObservation:
    """What the probe saw; ``status`` is the handshake's HTTP status (101 when upgraded)."""

    url: str
    status: int | None = None
    error: str | None = None
    echo: str | None = None
    echo_seconds: float | None = None
    ping_seconds: float | None = None
    idle: float = 0.0
    idle_survived: bool | None = None
    idle_error: str | None = None
    subprotocol: str | None = None


def ws_url(target: Target, path: str) -> str:
    parts = urlsplit(target.url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def probe(target: Target, spec: WebSocketSettings, timeout: float) -> WsObservation:
    """Connect, echo, ping, idle; every step bounded by ``timeout`` (the idle time comes on top)."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
    from websockets.sync.client import connect

    assert spec.path is not None
    url = ws_url(target, spec.path)
    secure = url.startswith("wss:")
    sock = None
    try:
        if target.resolve:
            sock = socket.create_connection((target.resolve, target.port), timeout=timeout)
        context = ssl_context(str(target.ca_bundle) if target.ca_bundle else None) if secure else None
        with connect(url, sock=sock, ssl=context, server_hostname=target.hostname if secure else None,
                     origin=spec.origin, subprotocols=spec.subprotocols or None,  # type: ignore[arg-type]
                     additional_headers=spec.headers or None, user_agent_header="golive", proxy=None,
                     open_timeout=timeout, close_timeout=min(timeout, 2.0), ping_interval=None,
                     compression=None) as ws:
            status = ws.response.status_code if ws.response is not None else 101
            start = time.perf_counter()
            ws.send(spec.message)
            echo = ws.recv(timeout=timeout)
            echo_seconds = time.perf_counter() - start
            start = time.perf_counter()
            pong = ws.ping()
            ping_seconds = time.perf_counter() - start if pong.wait(timeout) else None
            survived: bool | None = None
            idle_error: str | None = None
            if spec.idle > 0:
                time.sleep(spec.idle)
                try:
                    ws.send(spec.message)
                    ws.recv(timeout=timeout)
                    survived = True
                except (ConnectionClosed, TimeoutError, OSError) as exc:
                    survived, idle_error = False, _describe(exc)
            return WsObservation(url, status, None, echo if isinstance(echo, str) else repr(echo)[:200],
                                 echo_seconds, ping_seconds, spec.idle, survived, idle_error, ws.subprotocol)
    except InvalidStatus as exc:
        return WsObservation(url, exc.response.status_code, f"the upgrade was answered {exc.response.status_code}")
    except (InvalidHandshake, ConnectionClosed) as exc:
        return WsObservation(url, None, f"handshake failed: {_describe(exc)}")
    except TimeoutError as exc:
        return WsObservation(url, None, f"no answer within the {timeout:g}s timeout ({_describe(exc)})")
    except OSError as exc:
        return WsObservation(url, None, f"unreachable: {_describe(exc)}")
    finally:
        if sock is not None:
            sock.close()


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text[:200]
