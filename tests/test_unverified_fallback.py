"""A target whose certificate does not verify: its header checks still get responses (sent without
verification, flagged with the reason), and only the first request pays the failed verified
handshake. A real TLS server (OpenSSL through the ssl module) on loopback."""

from __future__ import annotations

from pathlib import Path

from golive.http import HttpFetcher
from golive.profile import Target
from tests.servers import stalling


def test_a_certificate_that_failed_to_verify_is_not_tried_again_for_each_request(tmp_path: Path) -> None:
    with stalling.tls_server(tmp_path) as (port, ca):
        fetcher = HttpFetcher(default_timeout=5)
        untrusted = Target(name="untrusted", url=f"https://www.golive.test:{port}", resolve="127.0.0.1")
        trusted = Target(name="trusted", url=f"https://www.golive.test:{port}", resolve="127.0.0.1", ca_bundle=ca)
        try:
            first = fetcher.fetch(untrusted, "/")
            assert fetcher.requests_sent == 2  # the verified attempt failed, then the unverified one
            later = [fetcher.fetch(untrusted, path) for path in ("/a", "/b", "/c")]
            assert fetcher.requests_sent == 2 + 3  # one request each: no new verified attempt
            assert all(r.status == 200 and r.body == b"ok\n" for r in [first, *later])
            assert not first.tls_verified and first.tls_error == "unable to get local issuer certificate"
            assert {(r.tls_verified, r.tls_error) for r in later} == {(False, first.tls_error)}

            # the same server with its CA: verified, one request per fetch; another target is not
            # affected by the first one's failure
            sent = fetcher.requests_sent
            verified = [fetcher.fetch(trusted, path) for path in ("/", "/a")]
            assert fetcher.requests_sent == sent + 2
            assert all(r.tls_verified and r.tls_error is None for r in verified)
        finally:
            fetcher.close()
