"""golive.deadline: a total deadline for an httpx request, against servers that never finish."""

from __future__ import annotations

import time

import httpx
import pytest

from golive.deadline import DeadlineTransport, within
from tests.servers.stalling import start_dripping, start_silent


@pytest.mark.parametrize("kind", ["dripping", "silent", "silent-tls"])
def test_a_request_ends_at_its_deadline(kind: str) -> None:
    server = start_dripping(0.2) if kind == "dripping" else start_silent()
    url = server.url.replace("http://", "https://") if kind == "silent-tls" else server.url
    client = httpx.Client(transport=DeadlineTransport(), timeout=5)
    started = time.monotonic()
    try:
        with pytest.raises(httpx.TimeoutException), within(1.5):
            client.get(url)
        # a dripping server never lets a 5 s read timeout fire: only the total deadline ends it
        assert time.monotonic() - started < 3.0
    finally:
        client.close()
        server.stop()


def test_outside_within_it_is_httpx_as_usual() -> None:
    server = start_silent()
    client = httpx.Client(transport=DeadlineTransport(), timeout=0.5)
    try:
        with pytest.raises(httpx.ReadTimeout):
            client.get(server.url)
    finally:
        client.close()
        server.stop()
