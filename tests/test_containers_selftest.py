"""prereq.containers, prereq.kubernetes and docker_daemon networks, on recorded engine outputs.

No container engine can start a container here and there is no cluster (see
``tests/data/containers/README.md``). The parsers are proven on JSON recorded in the engines'
documented formats; the whole check chain (a local:// host through testinfra, facts, rules,
sign-off) runs with stand-in CLIs on PATH that print those recordings. When a machine can run
containers, ``test_real_engine_both_ways`` proves the same with the real engine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.prereq import containers
from golive.rules import containers as rules
from golive.settings import prerequisites as s
from tests.harness import GoliveRun, run_golive

pytestmark = pytest.mark.xdist_group("containers_selftest")  # its module fixtures start once, on one worker

DATA = Path(__file__).parent / "data" / "containers"
SERVICES = [{"name": "web", "require_healthcheck": True, "cpu_limit": True, "max_restarts": 3},
            {"name": "worker", "max_restarts": 3}]


def _load(name: str) -> object:
    return json.loads((DATA / name).read_text())


def test_docker_and_podman_inspect_parse_to_the_same_observations() -> None:
    docker = {c.name: c for c in containers.parse_inspect(_load("docker-inspect-shop.json"), "docker")}
    assert docker["web"].health == "healthy" and docker["web"].memory_limit == 8 * 1024**3
    assert docker["web"].cpu_limit == 4.0 and docker["worker"].cpu_limit == 2.0  # CpuQuota/CpuPeriod
    assert docker["worker"].health is None and docker["worker"].restart_policy == "always"
    podman = {c.name: c for c in containers.parse_inspect(_load("podman-inspect-shop.json"), "podman")}
    assert podman["web"].health == "unhealthy" and podman["web"].restart_policy == "no"
    assert podman["worker"].state == "exited" and podman["worker"].restarts == 14


def test_pm2_and_kubernetes_parse() -> None:
    apps = {a.name: a for a in containers.parse_pm2(_load("pm2-jlist.json"))}
    assert apps["omnitask"].state == "online" and apps["omnitask"].memory_limit == 2 * 1024**3
    assert apps["omnitask-worker"].restart_policy == "no" and apps["omnitask-worker"].restarts == 16
    shop = containers.parse_kubernetes(_load("kubectl-shop.json"), "shop")
    assert [d.name for d in shop.deployments] == ["web", "worker"] and len(shop.pods) == 3
    assert rules.kubernetes(shop, s.Kubernetes(namespace="shop")).passed
    broken = containers.parse_kubernetes(_load("kubectl-broken.json"), "broken")
    assert broken.pods[1].containers[0].waiting_reason == "CrashLoopBackOff"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GoliveRun:
    base = tmp_path_factory.mktemp("containers")
    for name in ("sound", "bad"):
        daemon = base / name / "etc/docker/daemon.json"
        daemon.parent.mkdir(parents=True)
        daemon.write_text('{"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}')
    roles = {
        "sound": {"root": str(base / "sound"),
                  "containers": {"engine": "docker", "project": "shop", "services": SERVICES},
                  "docker_daemon": {"networks": ["app-network"]},
                  "kubernetes": {"namespace": "shop"}},
        "bad": {"root": str(base / "bad"),
                "containers": {"engine": "podman", "project": "shop", "services": SERVICES},
                "docker_daemon": {"engine": "podman", "networks": ["app-network"]},
                "kubernetes": {"namespace": "broken", "deployments": ["web", "worker"]}},
        "pm2-sound": {"containers": {"engine": "pm2", "services": [{"name": "omnitask"}]}},
        "pm2-bad": {"containers": {"engine": "pm2", "services": [{"name": "omnitask-worker", "max_restarts": 5}]}},
    }
    profile = {
        "name": "containers-recorded",
        "timeout": "10s",
        "hosts": [{"name": n, "connection": "local://", "roles": [n]} for n in roles],
        "checks": {"prerequisites": {"roles": roles}},
    }
    path = f"{DATA / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return run_golive(profile, "-m", "prereq", tmp_path=base / "run", env={"PATH": path})


IDS = ("prereq.containers", "prereq.kubernetes", "prereq.docker_daemon")


@pytest.mark.parametrize("check_id", IDS)
def test_sound_deployment_passes_end_to_end(run: GoliveRun, check_id: str) -> None:
    assert run.status(check_id, "sound") == "passed", (run.message(check_id, "sound"), run.output[-2000:])


BAD_SAYS = {
    "prereq.containers": ["bad:", "podman web health unhealthy", "restart policy no", "web has no memory limit",
                          "podman worker is exited", "restarted 14 times", "≤ 3"],
    "prereq.kubernetes": ["bad:", "deployment worker not found in namespace broken",
                          "deployment web: 1/2 replicas available", "waiting: CrashLoopBackOff"],
    "prereq.docker_daemon": ["bad:", "podman network(s) missing: app-network (has: podman)",
                             "expected: networks app-network"],
}


@pytest.mark.parametrize("check_id", IDS)
def test_defective_deployment_fails_end_to_end(run: GoliveRun, check_id: str) -> None:
    message = run.message(check_id, "bad")
    assert run.status(check_id, "bad") == "failed", message
    for fragment in BAD_SAYS[check_id]:
        assert fragment in message, (fragment, message)


def test_pm2_apps_both_ways(run: GoliveRun) -> None:
    assert run.status("prereq.containers", "pm2-sound") == "passed", run.message("prereq.containers", "pm2-sound")
    assert "omnitask online (autorestart, 2g)" in run.message("prereq.containers", "pm2-sound")
    message = run.message("prereq.containers", "pm2-bad")
    for fragment in ("pm2 omnitask-worker is errored", "restart policy no", "no memory limit", "restarted 16 times"):
        assert fragment in message, (fragment, message)


def _working_engine() -> str | None:
    """docker or podman, if it can really run a container here (it cannot in golive's sandbox)."""
    for engine in ("docker", "podman"):
        binary = shutil.which(engine)
        if binary is None or str(DATA) in binary:
            continue
        # --pull never: a local image or nothing (no registry traffic from the tests)
        probe = subprocess.run([binary, "run", "--rm", "--pull", "never", "busybox", "true"], capture_output=True,
                               timeout=120,
                               stdin=subprocess.DEVNULL, check=False)
        if probe.returncode == 0:
            return binary
    return None


@pytest.fixture
def engine() -> Iterator[str]:
    binary = _working_engine()
    if binary is None:
        pytest.skip("no container engine can run a container on this machine (needs docker or podman with a "
                    "working runtime and a local busybox image); the recorded-output tests above stand in")
    yield binary


def test_real_engine_both_ways(engine: str, tmp_path: Path) -> None:
    """With a working engine: a sound container (healthcheck, restart policy, limits) passes and a
    bare one fails, through the real CLI."""
    project = f"golive-{uuid.uuid4().hex[:8]}"
    started = []
    try:
        for name, flags in (("ok", ["--restart", "unless-stopped", "--memory", "64m", "--cpus", "0.5",
                                    "--health-cmd", "true", "--health-interval", "1s"]),
                            ("bare", [])):
            cid = subprocess.run([engine, "run", "-d", "--pull", "never", "--name", f"{project}-{name}", "--label",
                                  f"com.docker.compose.project={project}", "--label",
                                  f"com.docker.compose.service={name}", *flags, "busybox", "sleep", "300"],
                                 capture_output=True, text=True, timeout=120, check=True).stdout.strip()
            started.append(cid)
        services = [{"name": "ok", "require_healthcheck": True, "cpu_limit": True},
                    {"name": "bare", "require_healthcheck": True, "cpu_limit": True}]
        profile = {"name": "containers-real", "timeout": "30s",
                   "hosts": [{"name": "engine", "connection": "local://"}],
                   "checks": {"prerequisites": {"containers": {"engine": Path(engine).name, "project": project,
                                                               "services": services}}}}
        result = run_golive(profile, "-m", "prereq", tmp_path=tmp_path)
        message = result.message("prereq.containers", "engine")
        assert "bare has no healthcheck" in message and "bare has no memory limit" in message, message
        assert " ok " not in message.split("bare")[0] or "ok running" in message, message
    finally:
        for cid in started:
            subprocess.run([engine, "rm", "-f", cid], capture_output=True, timeout=60, check=False)
