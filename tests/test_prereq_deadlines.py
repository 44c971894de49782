"""Issue 15 item 6 for hosts: every ssh command has a total deadline, the profile's ``timeout``.

Real processes only: an ssh port that accepts and never answers (a loopback listener holding each
connection open, no banner), through both ssh backends (OpenSSH client + ControlMaster, and
paramiko); and a command that hangs on a healthy host (local:// and the real sshd of the
self-tests). Each check must end within the deadline plus a small margin, with a message naming the
host and the deadline — never hang the gate.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from tests.harness import GoliveRun, run_golive
from tests.servers.sshd import running_sshd

pytestmark = pytest.mark.xdist_group("prereq_deadlines")  # its module fixtures start once, on one worker

DEADLINE = 2.0
MARGIN = 2.5
"""Seconds a check may take beyond the deadline (process start, ssh client teardown, a loaded CI)."""


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A loopback port that accepts connections and never sends a byte (a stalled sshd)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = server.accept()
                held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def _durations(run: GoliveRun) -> dict[str, float]:
    root = ET.parse(run.report_dir / "junit.xml").getroot()
    return {case.get("name", ""): float(case.get("time", 0)) for case in root.iter("testcase")}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoliveRun]:
    base = tmp_path_factory.mktemp("deadlines")
    hanging = {"commands": [{"name": "sleep", "min_version": "1", "version_command": "sleep 30; echo 1.0"}]}
    with running_sshd(base / "sshd") as sshd, silent_listener() as stalled:
        stalled_ssh = {**sshd.host_dict("stalled-ssh"), "connection": f"ssh://{sshd.user}@127.0.0.1:{stalled}"}
        stalled_paramiko = {**stalled_ssh, "name": "stalled-paramiko",
                            "connection": f"paramiko://{sshd.user}@127.0.0.1:{stalled}"}
        profile = {
            "name": "prereq-deadlines",
            "timeout": f"{DEADLINE:g}s",
            "hosts": [
                stalled_ssh,
                stalled_paramiko,
                {"name": "hang-local", "connection": "local://", "roles": ["hang"]},
                sshd.host_dict("hang-ssh", ["hang"]),
            ],
            "checks": {"prerequisites": {"min_cpus": 1, "roles": {"hang": hanging}}},
        }
        result = run_golive(profile, "-m", "prereq", "--junitxml", str(base / "run" / "reports" / "junit.xml"),
                            tmp_path=base / "run")
        yield result


@pytest.mark.parametrize("host", ["stalled-ssh", "stalled-paramiko"])
def test_a_stalled_ssh_server_costs_one_deadline(run: GoliveRun, host: str) -> None:
    result = run.result("prereq.cpu", host)
    assert result["status"] in ("failed", "error"), result
    assert f"{host}: host unreachable through" in result["message"], result
    # golive's deadline, or OpenSSH's own ConnectTimeout (the same value) when it fires first
    reasons = (f"no answer within the {DEADLINE:g}s deadline", "Connection timed out during banner exchange")
    assert any(reason in result["message"] for reason in reasons), result
    duration = _durations(run)[f"test_cpu[{host}]"]
    assert duration <= DEADLINE + MARGIN, (host, duration)


@pytest.mark.parametrize("host", ["hang-local", "hang-ssh"])
def test_a_hanging_command_fails_its_check_at_the_deadline(run: GoliveRun, host: str) -> None:
    result = run.result("prereq.commands", host)
    assert result["status"] in ("failed", "error"), result
    assert f"{host}: command `" in result["message"] and "sleep 30" in result["message"], result
    assert f"gave no result within the {DEADLINE:g}s deadline" in result["message"], result
    duration = _durations(run)[f"test_commands[{host}]"]
    assert duration <= DEADLINE + MARGIN, (host, duration)
    # the host itself stays usable: its other checks still run and pass
    assert run.status("prereq.cpu", host) == "passed", run.message("prereq.cpu", host)


def test_the_whole_gate_stays_bounded(run: GoliveRun) -> None:
    """Four hosts, two of them stalled and two with a hanging command: the run's checks together
    cost a few deadlines (hosts connect concurrently), never the 30 s the command would take."""
    durations = _durations(run)
    assert sum(durations.values()) <= 4 * (DEADLINE + MARGIN), durations
