"""prereq.redis over TLS and with Sentinel, both ways, against real redis-server processes.

- ``tls-sound``: a TLS-only Redis (``tls-port``, certificate from a throw-away CA given as the
  profile's ``ca_bundle``) with a password, reached as ``rediss://``; a real Sentinel watching it
  with quorum 1 (CKQUORUM OK).
- ``tls-bad``: the same requirements against a plain-TCP Redis (``require_tls`` fails) watched by a
  Sentinel whose master is dead (s_down) and whose quorum (2) one sentinel cannot reach.
- ``tls-untrusted``: the TLS Redis without the CA: the handshake's verification refuses it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from tests.harness import GoliveRun, run_golive
from tests.pki import _ca, _ec, key_pem, leaf, pem
from tests.servers.base import free_port, wait_until
from tests.servers.redis import SOUND, TlsFiles, running_redis, start_sentinel

pytestmark = pytest.mark.xdist_group("redis_selftest")  # its module fixtures start once, on one worker

PASSWORD = "tls-redis-pw-8841"


def _sentinel_sees_down(port: int) -> bool:
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        return "s_down" in str(client.sentinel_master("mymaster").get("flags", ""))
    finally:
        client.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoliveRun]:
    base = tmp_path_factory.mktemp("redis-tls")
    ca = _ca("golive Redis Test CA", _ec(), None)
    server = leaf(ca, hostname="localhost")
    (base / "ca.pem").write_bytes(pem(ca.cert))
    (base / "redis.crt").write_bytes(pem(server.cert))
    (base / "redis.key").write_bytes(key_pem(server.key))
    tls = TlsFiles(base / "redis.crt", base / "redis.key", base / "ca.pem")
    sentinels = []
    try:
        with (
            running_redis(base / "tls", SOUND, PASSWORD, tls) as secure,
            running_redis(base / "plain", SOUND, PASSWORD) as plain,
        ):
            sentinels.append(start_sentinel(base / "sentinel-ok", plain.port, 1, PASSWORD))
            sentinels.append(start_sentinel(base / "sentinel-bad", free_port(), 2))
            wait_until(lambda: _sentinel_sees_down(sentinels[1].port), 15, "sentinel marks the dead master down")
            wanted = {"require_tls": True, "min_version": "7.0"}
            secure_url = secure.url(host="localhost").replace(PASSWORD, "${TLS_REDIS_PASSWORD}")
            profile = {
                "name": "redis-tls",
                "timeout": "5s",
                "hosts": [{"name": n, "connection": "local://", "roles": [n]}
                          for n in ("tls-sound", "tls-bad", "tls-untrusted")],
                "checks": {"prerequisites": {"roles": {
                    "tls-sound": {"redis": {**wanted, "url": secure_url, "ca_bundle": str(tls.ca),
                                            "sentinel": {"urls": [f"redis://127.0.0.1:{sentinels[0].port}"]}}},
                    "tls-bad": {"redis": {**wanted, "url": plain.url().replace(PASSWORD, "${TLS_REDIS_PASSWORD}"),
                                          "sentinel": {"urls": [f"redis://127.0.0.1:{sentinels[1].port}"]}}},
                    "tls-untrusted": {"redis": {**wanted, "url": secure_url}},
                }}},
            }
            started = time.monotonic()
            result = run_golive(profile, "-m", "prereq", tmp_path=base / "run", env={"TLS_REDIS_PASSWORD": PASSWORD})
            assert time.monotonic() - started < 120
            yield result
    finally:
        for sentinel in sentinels:
            sentinel.stop()


def test_tls_redis_with_a_sentinel_quorum_passes(run: GoliveRun) -> None:
    assert run.status("prereq.redis", "tls-sound") == "passed", (run.message("prereq.redis", "tls-sound"),
                                                                  run.output[-2000:])
    assert "TLS" in run.message("prereq.redis", "tls-sound")


def test_plain_redis_and_a_sentinel_without_quorum_fail(run: GoliveRun) -> None:
    message = run.message("prereq.redis", "tls-bad")
    assert run.status("prereq.redis", "tls-bad") == "failed", message
    for fragment in ("tls-bad:", "redis reached without TLS", "expected: TLS (rediss:// URL",
                     "sees master mymaster s_down", "CKQUORUM NOQUORUM"):
        assert fragment in message, (fragment, message)


def test_tls_is_verified(run: GoliveRun) -> None:
    result = run.result("prereq.redis", "tls-untrusted")
    assert result["status"] in ("failed", "error"), result
    assert result["message"].startswith("tls-untrusted: redis rediss://localhost:"), result
    assert "certificate verify failed" in result["message"], result


def test_no_password_in_reports(run: GoliveRun) -> None:
    assert PASSWORD not in run.report_text() + run.output
