"""Total deadlines: no server, however slowly it answers, holds a request past the timeout.

Each server here would hold a client with per-read timeouts for minutes (a header line every 2 s,
a byte a second, a handshake that never completes). The bound asserted is a hang detector (the
timeout plus a generous margin for a loaded machine), not a speed figure: ``bench/deadline_bench.py``
measures the actual holds.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.http import FetchError, HttpFetcher
from golive.profile import Target
from tests.servers import stalling

TIMEOUT = 1.5
MARGIN = 2.0
"""Hang detector: a request bounded per read would take 30 s or more against these servers."""


def _target(port: int, scheme: str = "http", **extra: object) -> Target:
    return Target(name="slowpoke", url=f"{scheme}://127.0.0.1:{port}", **extra)


def _fetch_fails(fetcher: HttpFetcher, target: Target, path: str = "/", **kwargs: object) -> tuple[FetchError, float]:
    start = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(target, path, **kwargs)  # type: ignore[arg-type]
    return caught.value, time.monotonic() - start


def test_dripping_headers_end_at_the_deadline() -> None:
    with stalling.serve(stalling.drip_headers(0.5)) as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        error, took = _fetch_fails(fetcher, _target(port))
        fetcher.close()
    assert took < TIMEOUT + MARGIN, took
    assert error.unreachable
    assert "no answer within the 1.5s timeout" in error.reason or "no complete answer" in error.reason, error.reason


def test_trickling_body_ends_at_the_deadline() -> None:
    with stalling.serve(stalling.trickle_body(0.2)) as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        error, took = _fetch_fails(fetcher, _target(port))
        fetcher.close()
    assert took < TIMEOUT + MARGIN, took
    assert "no complete answer within the 1.5s timeout" in error.reason, error.reason


def test_silent_listener_costs_one_timeout_then_fails_fast() -> None:
    with stalling.serve(stalling.silent) as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        first, took = _fetch_fails(fetcher, _target(port))
        second, again = _fetch_fails(fetcher, _target(port), "/other")
        fetcher.close()
    assert took < TIMEOUT + MARGIN, took
    assert again < 0.5, again
    assert "already found unreachable" in second.reason and first.reason in second.reason


def test_tls_handshake_that_stalls_ends_at_the_deadline() -> None:
    with stalling.serve(stalling.stall_handshake) as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        error, took = _fetch_fails(fetcher, _target(port, "https"))
        fetcher.close()
    assert took < TIMEOUT + MARGIN, took
    assert error.unreachable and "no answer within the 1.5s timeout (ConnectTimeout)" in error.reason


def test_tls_handshake_that_crawls_ends_at_the_deadline(tmp_path: Path) -> None:
    """Every byte of the server's handshake arrives, one per 0.3 s: each read is in time, the whole is not."""
    with stalling.tls_server(tmp_path) as (upstream, ca), stalling.serve(stalling.trickle_proxy(upstream, 0.3)) as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        target = Target(name="crawl", url=f"https://www.golive.test:{port}", resolve="127.0.0.1", ca_bundle=ca)
        error, took = _fetch_fails(fetcher, target)
        fetcher.close()
    assert took < TIMEOUT + MARGIN, took
    assert error.unreachable and "1.5s timeout" in error.reason, error.reason


def test_the_same_tls_server_answers_through_a_plain_relay(tmp_path: Path) -> None:
    """Control for the test above: the relay at full speed gives a normal, verified answer."""
    with stalling.tls_server(tmp_path) as (upstream, ca), stalling.serve(stalling.trickle_proxy(upstream, 0.0)) as port:
        fetcher = HttpFetcher(default_timeout=5)
        target = Target(name="relay", url=f"https://www.golive.test:{port}", resolve="127.0.0.1", ca_bundle=ca)
        response = fetcher.fetch(target, "/")
        fetcher.close()
    assert response.status == 200 and response.tls_verified and response.body == b"ok\n"


def test_a_server_dying_mid_response_is_unreachable_not_a_defect() -> None:
    with stalling.serve(stalling.die_mid_response) as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        error, _ = _fetch_fails(fetcher, _target(port))
        fetcher.close()
    assert error.unreachable, error
    assert "the connection broke before a complete answer" in error.reason, error.reason


@contextlib.contextmanager
def partly_slow_server() -> Iterator[int]:
    """Answers every path at once, except ``/slow``, which it never answers."""
    stop = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path == "/slow":
                stop.wait(30)
                return
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, format: str, *args: object) -> None:
            """quiet"""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(2)


def test_a_subject_answering_some_requests_is_judged_per_request() -> None:
    with partly_slow_server() as port:
        fetcher = HttpFetcher(default_timeout=TIMEOUT)
        target = _target(port)
        assert fetcher.fetch(target, "/").status == 200
        error, _ = _fetch_fails(fetcher, target, "/slow")
        after = fetcher.fetch(target, "/after")
        fetcher.close()
    assert "no complete answer within the 1.5s timeout" in error.reason, error.reason
    assert "already found unreachable" not in error.reason
    assert after.status == 200


def test_a_huge_body_is_read_only_up_to_the_limit() -> None:
    from golive.http import BODY_LIMIT

    big = b"y" * (BODY_LIMIT * 4)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(big)))
            self.end_headers()
            self.wfile.write(big)

        def log_message(self, format: str, *args: object) -> None:
            """quiet"""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        fetcher = HttpFetcher(default_timeout=5)
        response = fetcher.fetch(_target(server.server_address[1]), "/")
        fetcher.close()
    finally:
        server.shutdown()
        server.server_close()
    assert response.truncated and len(response.body) == BODY_LIMIT


def test_a_tls_scan_that_hangs_midway_ends_at_its_deadline(tmp_path: Path) -> None:
    """The server passes the pre-flight and sslyze's first handshakes, then stalls every later one:
    each handshake ends at the timeout, the server's whole scan at ``scan_timeout``."""
    from golive.settings.tls import TlsSettings
    from golive.tls.scan import ScanKey, ScanPlan, TlsScan

    with stalling.tls_server(tmp_path) as (upstream, ca), \
            stalling.serve(stalling.relay_then_stall(upstream, relayed=8)) as port:
        key = ScanKey("www.golive.test", port, "127.0.0.1")
        plan = ScanPlan()
        plan.add(key, ca, 1.0)
        scan = TlsScan(plan, TlsSettings(scan_timeout="3s", network_retries=0), workdir=tmp_path)
        start = time.monotonic()
        observation = scan.observe(key)
        took = time.monotonic() - start
        scan.close()
    assert "scan did not finish within 3s (checks.tls.scan_timeout)" in (observation.error or ""), observation
    assert took < 3.0 + 1.0 + MARGIN, took  # the deadline, one handshake's timeout, the hang detector's margin
