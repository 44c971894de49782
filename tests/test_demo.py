"""The embedded demo target: real TLS on loopback, sound by default, one defect per flaw, stopped by PID."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.demo import FLAWS, HOSTNAME, start_demo
from golive.demo.flaws import VERSION, behaviour, check_flaws, previous_version


def _client(demo: Any, **kwargs: Any) -> httpx.Client:
    """A client that trusts only the demo CA and reaches demo.golive.test on loopback (SNI kept)."""
    context = ssl.create_default_context(cafile=str(demo.ca_bundle))
    transport = httpx.HTTPTransport(verify=context)

    class Resolving(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.extensions["sni_hostname"] = HOSTNAME
            request.url = request.url.copy_with(host=demo.resolve)
            request.headers["host"] = f"{HOSTNAME}:{request.url.port}"
            return transport.handle_request(request)

    return httpx.Client(transport=Resolving(), timeout=5.0, **kwargs)


def test_sound_demo_serves_health_over_verified_tls(demo_target: Any) -> None:
    demo = demo_target()
    with _client(demo) as client:
        response = client.get(f"{demo.https_url}/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["version"] == VERSION
    assert "max-age=63072000" in response.headers["strict-transport-security"]
    assert demo.target_dict()["url"] == demo.https_url


def test_plain_http_redirects_to_https_same_host(demo_target: Any) -> None:
    demo = demo_target()
    with _client(demo) as client:
        response = client.get(f"{demo.http_url}/api/health")
    assert response.status_code == 301
    assert response.headers["location"] == f"https://{HOSTNAME}:{demo.https_port}/api/health"


def test_flaw_changes_only_its_own_behaviour(demo_target: Any) -> None:
    demo = demo_target("hsts_missing")
    with _client(demo) as client:
        response = client.get(f"{demo.https_url}/")
    assert "strict-transport-security" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_protected_endpoint_needs_the_token(demo_target: Any) -> None:
    demo = demo_target()
    with _client(demo) as client:
        refused = client.get(f"{demo.https_url}/api/private")
        allowed = client.get(f"{demo.https_url}/api/private", headers={"Authorization": f"Bearer {demo.token}"})
    assert refused.status_code == 401
    assert allowed.status_code == 200


def test_unknown_flaw_is_refused_before_start(tmp_path: Path) -> None:
    expected = "unknown demo flaw\\(s\\): hsts_mising; known flaws: hsts_missing"
    with pytest.raises(ValueError, match=expected), start_demo(flaws={"hsts_mising"}, state_dir=tmp_path):
        pass


def test_stop_ends_the_server_process(tmp_path: Path) -> None:
    with start_demo(state_dir=tmp_path) as demo:
        pid = demo.pid
        os.kill(pid, 0)  # alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a re-parented process waits for whoever reaps it; exited all the same)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_server_stops_when_whoever_started_it_is_killed(tmp_path: Path) -> None:
    # a golive (or test run) killed with SIGKILL cannot stop its demo server: the server notices
    starter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom golive.demo import start_demo\n"
         "with start_demo(state_dir=Path(sys.argv[1])) as demo:\n    print(demo.pid, flush=True)\n"
         "    time.sleep(300)\n", str(tmp_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        pid = int((starter.stdout.readline() if starter.stdout else "").strip())
        os.kill(pid, 0)  # serving
    finally:
        starter.kill()
        starter.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.1)
    if _running(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"the demo server {pid} served on after its starter was killed")


def test_every_flaw_changes_the_sound_behaviour() -> None:
    sound = behaviour()
    for flaw in FLAWS:
        assert behaviour({flaw}) != sound.__class__(**{**sound.__dict__, "flaws": frozenset({flaw})}), flaw


def test_previous_version() -> None:
    assert previous_version("1.4.2") == "1.4.1"
    assert previous_version("2.0.0") == "2.0.0-rc1"
    assert check_flaws([" hsts_missing ", ""]) == {"hsts_missing"}
