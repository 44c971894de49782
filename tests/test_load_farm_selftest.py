"""Load beyond one machine (issue 21), end to end: golive as the locust master, ``golive load-worker``
processes on "other machines" — each in its own network namespace, joined to the host by a veth
pair (``tests.servers.netns``; where namespaces cannot be created, separate processes on loopback,
and the assertion messages say so) — against real nginx over TLS listening on the host's bridge
address (``tests.servers.nginx_load``).

Proven: a sound target passes with two remote workers, the sign-off showing both and their
requests; an overloaded one fails with the measured latency; one worker of two gives an error
that says how many came (no load sent); a worker lost mid-run is noted and the thresholds are
judged on the aggregate; the workers get the scenarios' credentials from the master — sealed with
the shared worker key — and write none of them to their disk; workers with a wrong key or none are
refused by name; SIGTERM/SIGINT on golive end the master and tell every worker to quit within 2 s;
the production guard refuses before any master listens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.harness import manual_attestations, run_golive, start_golive
from tests.loadstop import load_processes, stop_latency, wait_running
from tests.servers.base import free_port, port_open, wait_until
from tests.servers.netns import Machine, NetLab, netlab
from tests.servers.nginx_load import TOKEN, LoadLab

pytestmark = pytest.mark.xdist_group("load-farm")

SHORT = {"users": 4, "spawn_rate": 20, "duration": "3s", "wait_time": "20ms"}
KEY = "farm-worker-key-9c41e7d2a0"
"""The shared worker key (checks.load.worker_key / $GOLIVE_WORKER_KEY): the spec travels sealed."""
ENV = {"FARM_KEY": KEY}
STOP_BOUND = 2.0
"""Every load process gone and the master's port released within this after SIGINT/SIGTERM (issue 15.7)."""


@dataclass
class Agent:
    """One ``golive load-worker`` on a machine of the lab, in its own process group."""

    machine: Machine
    process: subprocess.Popen[bytes]
    home: Path
    log: Path

    def workers(self) -> list[psutil.Process]:
        """Its locust worker process (the one serving the current run), if any."""
        return load_processes([self.process.pid])

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start_agent(machine: Machine, master: str, root: Path, runs: int = 0, key: str | None = KEY) -> Agent:
    """``golive load-worker --master M`` in ``machine``'s namespace, with its own empty home and temp dir
    (to prove nothing of the master's spec lands on its disk), and ``key`` as its worker key."""
    home = root / f"{machine.name}-home-{time.monotonic_ns()}"
    home.mkdir(parents=True)
    log = root / f"{home.name}.log"
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(home)}
    env.pop("GOLIVE_LOAD_SPEC", None)
    env.pop("GOLIVE_WORKER_KEY", None)
    if key:
        env["GOLIVE_WORKER_KEY"] = key
    argv = [sys.executable, "-m", "golive.cli", "load-worker", "--master", master, "--name", machine.name,
            *(["--runs", str(runs)] if runs else [])]
    with log.open("wb") as out:
        process = subprocess.Popen(machine.command(argv), cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return Agent(machine, process, home, log)


@dataclass
class Farm:
    lab: NetLab
    nginx: LoadLab
    root: Path
    master: str
    agents: list[Agent]

    @property
    def where(self) -> str:
        return "network namespaces" if self.lab.isolated else self.lab.reason

    def master_at(self) -> str:
        """A fresh master address on the host (for tests with their own workers)."""
        return f"{self.lab.host_address}:{free_port(self.lab.host_address)}"


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    """Two namespaced machines, nginx on the host's bridge address, and a ``golive load-worker`` on
    each machine that serves run after run (as a Deployment would)."""
    root = tmp_path_factory.mktemp("load-farm")
    with netlab(2) as lab:
        nginx = LoadLab(root / "nginx", listen=lab.host_address)
        master = f"{lab.host_address}:{free_port(lab.host_address)}"
        agents = [start_agent(machine, master, root) for machine in lab.machines]
        try:
            yield Farm(lab, nginx, root, master, agents)
        finally:
            for agent in agents:
                agent.stop()
            nginx.stop()


def profile(target: dict[str, Any], thresholds: list[Any], master: str, remote: int = 2,
            key: str | None = "${FARM_KEY}", **load: Any) -> dict[str, Any]:
    """A profile whose load waits for ``remote`` workers at ``master``; the worker key from the
    environment by default (``run_golive(..., env=ENV)``), None for an unsealed spec."""
    settings = {**SHORT, "remote_workers": remote, "master_bind": master, "worker_wait": "30s", **load}
    if key:
        settings["worker_key"] = key
    return {"name": "loadfarm", "environment": "staging", "targets": [target],
            "checks": {"load": {**settings, "thresholds": thresholds}}, "attestations": manual_attestations()}


def summary_of(run: Any) -> dict[str, Any]:
    import json

    return json.loads((run.report_dir / "load" / "web" / "summary.json").read_text())


# ----------------------------------------------------------------------------- judged on two machines


def test_two_remote_workers_sound_target_passes(farm: Farm, tmp_path: Path) -> None:
    private = {"name": "private", "path": "/api/private", "headers": {"Authorization": "Bearer ${LAB_TOKEN}"}}
    health = {"name": "health", "path": "/api/health"}
    data = profile(farm.nginx.target("sound"), ["p95 < 1s", "error_rate < 1%", "private: error_rate < 1%"],
                   farm.master, scenarios=[health, private])
    run = run_golive(data, "-m", "load", tmp_path=tmp_path, env={**ENV, "LAB_TOKEN": TOKEN})
    statuses = {r["status"] for r in run.item("load.thresholds")["results"]}
    assert statuses == {"passed"}, f"[{farm.where}] {run.output[-3000:]}"
    assert run.signoff["verdict"] == "GO"
    metrics = run.result("load.thresholds", "web")["metrics"]
    assert metrics["workers"] == 2 and metrics["workers_lost"] == 0, metrics
    assert set(metrics["worker_requests"]) == {"ns-1", "ns-2"} or not farm.lab.isolated, metrics
    assert all(count > 0 for count in metrics["worker_requests"].values()), metrics
    summary = summary_of(run)
    workers = summary["generator"]["workers"]
    assert summary["remote_workers"] == 2 and len(workers) == 2 and not any(w["local"] for w in workers)
    assert sum(w["requests"] for w in workers) == summary["total"]["requests"], workers
    assert all(w["samples"] > 0 for w in workers), "locust's heartbeats carried each worker's CPU"
    assert "2/2 workers connected" in run.output
    # the secret reached the generators (nginx answered 200 only with it) and nowhere on their disks
    assert TOKEN not in run.report_text() and TOKEN not in run.output
    for agent in farm.agents:
        written = [p for p in agent.home.rglob("*") if p.is_file()]
        assert not [p for p in written if TOKEN in p.read_text(errors="replace")], written
        assert TOKEN not in agent.log.read_text(errors="replace")


def test_two_remote_workers_overloaded_target_fails(farm: Farm, tmp_path: Path) -> None:
    run = run_golive(profile(farm.nginx.target("slow"), ["p95 < 100ms"], farm.master, wait_time="0ms"),
                     "-m", "load", tmp_path=tmp_path, env=ENV)
    assert run.status("load.thresholds", "web") == "failed", f"[{farm.where}] {run.output[-3000:]}"
    message = run.message("load.thresholds", "web")
    assert message.startswith("web: p95 ") and " ms over the 100 ms limit (" in message
    assert run.result("load.thresholds", "web")["metrics"]["workers"] == 2


def test_saturated_worker_is_named(farm: Farm, tmp_path: Path) -> None:
    data = profile(farm.nginx.target("sound"), ["error_rate < 1%"], farm.master, generator_cpu_limit=0.01,
                   wait_time="0ms")
    run = run_golive(data, "-m", "load", tmp_path=tmp_path, env=ENV)
    result = run.result("load.thresholds", "web")
    assert result["status"] == "passed", f"[{farm.where}] {run.output[-3000:]}"
    notes = [n for n in result.get("notes", []) if "results unreliable" in n]
    assert notes and notes[0].startswith("web: results unreliable: generator CPU saturated on workers "), result
    assert all(f"{m.name} (" in notes[0] for m in farm.lab.machines), notes


def test_one_of_two_workers_is_an_error(farm: Farm, tmp_path: Path) -> None:
    master = farm.master_at()
    agent = start_agent(farm.lab.machines[0], master, tmp_path, runs=1)
    try:
        data = profile(farm.nginx.target("sound"), ["p95 < 1s", "error_rate < 1%"], master, worker_wait="4s")
        run = run_golive(data, "-m", "load", tmp_path=tmp_path, env=ENV)
        assert run.status("load.thresholds", "web") == "error", f"[{farm.where}] {run.output[-3000:]}"
        message = run.message("load.thresholds", "web")
        assert message.startswith(f"web: only 1 of 2 remote workers connected to the load master at {master} "
                                  "within 4s (connected: ")
        assert "never judges thresholds at a lower load" in message and "golive load-worker --master" in message
        assert run.signoff["verdict"] == "NO-GO"
        assert not (run.report_dir / "load" / "web" / "summary.json").exists(), "no load may be judged"
        assert "1/2 workers connected" in run.output
        agent.process.wait(timeout=10)  # the master told the lone worker to quit
    finally:
        agent.stop()


def test_worker_that_cannot_load_the_locustfile_is_refused_by_name(farm: Farm, tmp_path: Path) -> None:
    master = farm.master_at()
    folder = tmp_path / "profile"
    folder.mkdir()
    (folder / "lab_flows.py").write_text("PATH = '/api/health'\n")  # next to the profile: not on the worker
    (folder / "mine.py").write_text(
        "from locust import FastHttpUser, constant, task\n"
        "from lab_flows import PATH\n\n"
        "class Mine(FastHttpUser):\n"
        "    wait_time = constant(0.02)\n\n"
        "    @task\n"
        "    def health(self):\n"
        "        self.client.get(PATH)\n")
    agent = start_agent(farm.lab.machines[0], master, tmp_path, runs=1)
    try:
        data = profile(farm.nginx.target("sound"), ["p95 < 1s"], master, remote=1, worker_wait="5s",
                       locustfile="mine.py")
        run = run_golive(data, "-m", "load", tmp_path=tmp_path, env=ENV)
    finally:
        agent.stop()
    assert run.status("load.thresholds", "web") == "error", f"[{farm.where}] {run.output[-3000:]}"
    message = run.message("load.thresholds", "web")
    assert message.startswith("web: only 0 of 1 remote workers connected"), message
    assert f"refused: {farm.lab.machines[0].name}: ModuleNotFoundError: No module named 'lab_flows'" in message


def test_workers_without_the_key_are_refused_and_learn_nothing(farm: Farm, tmp_path: Path) -> None:
    master = farm.master_at()
    wrong = start_agent(farm.lab.machines[0], master, tmp_path, runs=1, key="not-the-farm-key-at-all")
    keyless = start_agent(farm.lab.machines[1], master, tmp_path, runs=1, key=None)
    try:
        scenario = {"name": "private", "path": "/api/private", "headers": {"Authorization": "Bearer ${LAB_TOKEN}"}}
        data = profile(farm.nginx.target("sound"), ["p95 < 1s"], master, worker_wait="5s", scenarios=[scenario])
        run = run_golive(data, "-m", "load", tmp_path=tmp_path, env={**ENV, "LAB_TOKEN": TOKEN})
    finally:
        wrong.stop()
        keyless.stop()
    assert run.status("load.thresholds", "web") == "error", f"[{farm.where}] {run.output[-3000:]}"
    message = run.message("load.thresholds", "web")
    assert message.startswith("web: only 0 of 2 remote workers connected"), message
    first, second = (m.name for m in farm.lab.machines)
    assert f"{first}: wrong worker key: the master's spec does not open with this worker's $GOLIVE_WORKER_KEY" \
        in message
    assert f"{second}: the master's spec is sealed (checks.load.worker_key)" in message
    assert KEY not in run.report_text() and KEY not in run.output
    for agent in (wrong, keyless):
        assert TOKEN not in agent.log.read_text(errors="replace")


def test_worker_lost_mid_run_is_noted(farm: Farm, tmp_path: Path) -> None:
    master = farm.master_at()
    agents = [start_agent(machine, master, tmp_path, key=None) for machine in farm.lab.machines]
    try:
        data = profile(farm.nginx.target("sound"), ["error_rate < 1%"], master, key=None, duration="9s")
        started = start_golive(data, "-m", "load", tmp_path=tmp_path, env=ENV)
        wait_running(started.report_dir, alive=lambda: started.process.poll() is None)
        time.sleep(1.0)
        os.killpg(agents[1].process.pid, signal.SIGKILL)  # the machine is gone: no quit, no goodbye
        run = started.finish(timeout=120)
    finally:
        for agent in agents:
            agent.stop()
    result = run.result("load.thresholds", "web")
    assert result["status"] == "passed", f"[{farm.where}] {run.output[-3000:]}"
    lost = [n for n in result.get("notes", []) if "stopped answering (no heartbeat) after" in n]
    assert lost and lost[0].startswith(f"web: worker {farm.lab.machines[1].name} stopped answering"), result
    assert "thresholds judged on the aggregated stats, 1 of 2 workers to the end" in lost[0]
    assert result["metrics"]["workers_lost"] == 1


# ----------------------------------------------------------------------------- stop when told


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_master_and_remote_workers(farm: Farm, tmp_path: Path, signum: signal.Signals) -> None:
    master = farm.master_at()
    agents = [start_agent(machine, master, tmp_path, runs=1) for machine in farm.lab.machines]
    try:
        data = profile(farm.nginx.target("sound"), ["p95 < 1s"], master, duration="60s")
        started = start_golive(data, "-m", "load", tmp_path=tmp_path, env=ENV)
        wait_running(started.report_dir, alive=lambda: started.process.poll() is None)
        wait_until(lambda: all(a.workers() for a in agents), 10, "the remote workers' load")
        time.sleep(0.5)
        processes = load_processes([started.process.pid]) + [w for a in agents for w in a.workers()]
        assert len(processes) == 3, processes  # the master and one locust worker per machine
        host, _, port = master.rpartition(":")

        def send() -> None:
            if signum == signal.SIGINT:
                os.killpg(started.process.pid, signum)  # Ctrl-C: the terminal signals golive's process group
            else:
                started.process.send_signal(signum)  # a CI cancel / kill

        latency = stop_latency(send, processes, (host, int(port)))
        print(f"\n[{farm.where}] {signum.name}: master and 2 remote workers stopped in {latency:.2f}s")
        assert latency < STOP_BOUND, f"{signum.name}: load processes stopped in {latency:.2f}s"
        for agent in agents:  # each worker was told to quit (its --runs 1 served), not killed
            agent.process.wait(timeout=5)
        run = started.finish(timeout=60)
    finally:
        for agent in agents:
            agent.stop()
    assert run.returncode == 2, run.output[-3000:]  # pytest's "interrupted"
    assert run.status("load.thresholds", "web") == "error"
    message = run.message("load.thresholds", "web")
    assert message.startswith(f"web: load run interrupted by {signum.name} after ") and "stopped in" in message
    assert any(r.startswith(f"run interrupted by {signum.name}") for r in run.signoff["reasons"]), run.signoff
    summary = summary_of(run)
    assert summary["stopped_by"] == "interrupted" and summary["interrupted"]["signal"] == signum.name
    assert summary["total"]["requests"] > 0 and len(summary["generator"]["workers"]) == 2
    assert not port_open(host, int(port))


# ----------------------------------------------------------------------------- refused before any load


def test_production_guard_applies_to_remote_runs(farm: Farm, tmp_path: Path) -> None:
    master = farm.master_at()
    data = profile(farm.nginx.target("sound"), ["p95 < 1s"], master)
    data.update(environment="production", allow_load=True)
    run = run_golive(data, "-m", "load", tmp_path=tmp_path, env=ENV)  # no --allow-load
    assert run.status("load.thresholds", "web") == "skipped", run.output[-3000:]
    assert "refusing to load a production environment" in run.message("load.thresholds", "web")
    assert not (run.report_dir / "load" / "web").exists(), "no master may listen, no spec may be sent"


@pytest.mark.parametrize(("load", "key", "expected"), [
    ({"remote_workers": 2}, "checks.load.master_bind", "required with remote_workers: 2"),
    ({"remote_workers": 1, "master_bind": "192.0.2.5"}, "checks.load.master_bind", "the port is required"),
    ({"remote_workers": 1, "master_bind": "192.0.2.5:70000"}, "checks.load.master_bind", "from 1 to 65535"),
    ({"remote_workers": 1, "master_bind": "::1:5557"}, "checks.load.master_bind", "needs brackets"),
    ({"remote_workers": 1, "master_bind": "192.0.2.5:5557", "worker_wait": "0s"}, "checks.load.worker_wait",
     "above 0"),
])
def test_bad_remote_settings_are_exit_4(tmp_path: Path, load: dict[str, Any], key: str, expected: str) -> None:
    data = {"name": "bad", "environment": "staging", "targets": [{"name": "web", "url": "http://127.0.0.1:9"}],
            "checks": {"load": load}}
    run = run_golive(data, "-m", "load", tmp_path=tmp_path)
    assert run.returncode == 4, run.output[-2000:]
    assert key in run.output and expected in run.output
