"""Containers, PM2 apps and Kubernetes workloads, read through their real CLIs on the host.

Each engine is asked for its documented JSON, and the parsing is pure:

- Docker / Podman: ``<engine> ps -aq [--filter label=com.docker.compose.project=P]`` for the ids,
  then ``<engine> inspect <ids>``: the Engine API's container JSON (``Name``, ``State.Status``,
  ``State.Health.Status`` — Podman < 4 says ``Healthcheck`` —, ``RestartCount``,
  ``HostConfig.RestartPolicy.Name``, ``HostConfig.Memory``, ``HostConfig.NanoCpus`` or
  ``CpuQuota``/``CpuPeriod``, the Compose label ``com.docker.compose.service``);
- PM2: ``pm2 jlist`` (``name``, ``pm2_env.status``, ``pm2_env.autorestart``,
  ``pm2_env.max_memory_restart``, ``pm2_env.restart_time``);
- Kubernetes: ``kubectl get deployments,pods -n NS -o json``: a ``List`` of apps/v1 Deployments
  (``spec.replicas``, ``status.availableReplicas``, conditions) and v1 Pods (``status.phase``,
  the ``Ready`` condition, ``containerStatuses[].restartCount`` and ``.state.waiting.reason``,
  ``spec.containers[].resources``);
- networks: ``<engine> network ls --format '{{.Name}}'``.

No engine can start a container on golive's test machines and there is no cluster: the parsers are
proven on JSON recorded in those documented formats (``tests/data/containers/``, versions named).
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from golive.prereq.observations import (
    ContainerObs,
    DeploymentObs,
    KubernetesObs,
    PodContainerObs,
    PodObs,
)
from golive.settings import prerequisites as s


class EngineError(RuntimeError):
    """The engine's CLI is missing or failed: the message carries its own words."""


def _run_json(host: Any, command: str) -> Any:
    result = host.run(command)
    if result.rc != 0:
        words = result.stderr.strip().splitlines() or result.stdout.strip().splitlines() or [f"exit {result.rc}"]
        raise EngineError(f"`{' '.join(command.split()[:2])}` failed: {words[-1][:200]}")
    try:
        return json.loads(result.stdout or "null")
    except ValueError as exc:
        raise EngineError(f"`{command}` answered no JSON ({exc})") from None


def _cpus(host_config: dict[str, Any]) -> float | None:
    nano = host_config.get("NanoCpus") or 0
    if nano:
        return nano / 1e9
    quota, period = host_config.get("CpuQuota") or 0, host_config.get("CpuPeriod") or 100000
    return quota / period if quota > 0 else None


def parse_inspect(data: Any, engine: str) -> list[ContainerObs]:
    """``docker|podman inspect`` output (a JSON array of containers)."""
    found = []
    for item in data if isinstance(data, list) else []:
        state = item.get("State") or {}
        health = state.get("Health") or state.get("Healthcheck") or None
        host_config = item.get("HostConfig") or {}
        labels = (item.get("Config") or {}).get("Labels") or {}
        name = labels.get("com.docker.compose.service") or str(item.get("Name", "")).lstrip("/")
        memory = host_config.get("Memory") or 0
        found.append(ContainerObs(
            name=name,
            engine=engine,
            state=str(state.get("Status", "unknown")),
            health=str(health.get("Status")) if isinstance(health, dict) and health.get("Status") else None,
            restart_policy=str((host_config.get("RestartPolicy") or {}).get("Name") or "no"),
            restarts=int(item.get("RestartCount") or 0),
            memory_limit=int(memory) if memory else None,
            cpu_limit=_cpus(host_config),
            image=str((item.get("Config") or {}).get("Image", "")),
        ))
    return found


def parse_pm2(data: Any) -> list[ContainerObs]:
    """``pm2 jlist`` output (a JSON array of apps)."""
    found = []
    for app in data if isinstance(data, list) else []:
        env = app.get("pm2_env") or {}
        limit = env.get("max_memory_restart")
        found.append(ContainerObs(
            name=str(app.get("name", "")),
            engine="pm2",
            state=str(env.get("status", "unknown")),
            health=None,
            restart_policy="autorestart" if env.get("autorestart", True) else "no",
            restarts=int(env.get("restart_time") or 0),
            memory_limit=int(limit) if isinstance(limit, int | float) and limit > 0 else None,
            cpu_limit=None,
            image=str(env.get("pm_exec_path", "")),
        ))
    return found


def containers(host: Any, spec: s.Containers) -> list[ContainerObs]:
    """The containers (or PM2 apps) of the host, as the engine's CLI reports them."""
    if spec.engine == "pm2":
        if not host.exists("pm2"):
            raise EngineError("pm2 not found on the host")
        return parse_pm2(_run_json(host, "pm2 jlist"))
    if not host.exists(spec.engine):
        raise EngineError(f"{spec.engine} not found on the host")
    label = f" --filter label=com.docker.compose.project={shlex.quote(spec.project)}" if spec.project else ""
    ids = host.run(f"{spec.engine} ps -aq --no-trunc{label}")
    if ids.rc != 0:
        raise EngineError(f"{spec.engine} ps failed: {(ids.stderr.strip().splitlines() or ['?'])[-1][:200]}")
    if not ids.stdout.split():
        return []
    return parse_inspect(_run_json(host, f"{spec.engine} inspect {' '.join(ids.stdout.split())}"), spec.engine)


def networks(host: Any, engine: str) -> list[str]:
    """The names of the engine's networks."""
    result = host.run(f"{engine} network ls --format " + shlex.quote("{{.Name}}"))
    if result.rc != 0:
        raise EngineError(f"{engine} network ls failed: {(result.stderr.strip().splitlines() or ['?'])[-1][:200]}")
    return result.stdout.split()


def _conditions(status: dict[str, Any]) -> dict[str, str]:
    return {str(c.get("type")): str(c.get("status")) for c in status.get("conditions") or []}


def parse_kubernetes(data: Any, namespace: str) -> KubernetesObs:
    """``kubectl get deployments,pods -o json``: a v1 List of Deployments and Pods."""
    deployments: list[DeploymentObs] = []
    pods: list[PodObs] = []
    for item in (data or {}).get("items") or []:
        kind, meta = item.get("kind"), item.get("metadata") or {}
        status, spec = item.get("status") or {}, item.get("spec") or {}
        if kind == "Deployment":
            deployments.append(DeploymentObs(
                str(meta.get("name")), int(spec.get("replicas", 1)), int(status.get("availableReplicas") or 0),
                int(status.get("readyReplicas") or 0), _conditions(status)))
        elif kind == "Pod":
            statuses = {c.get("name"): c for c in status.get("containerStatuses") or []}
            containers = []
            for container in spec.get("containers") or []:
                seen = statuses.get(container.get("name"), {})
                waiting = (seen.get("state") or {}).get("waiting") or {}
                resources = container.get("resources") or {}
                containers.append(PodContainerObs(
                    str(container.get("name")), bool(seen.get("ready")), int(seen.get("restartCount") or 0),
                    waiting.get("reason"), dict(resources.get("requests") or {}), dict(resources.get("limits") or {})))
            pods.append(PodObs(str(meta.get("name")), str(status.get("phase", "Unknown")),
                               _conditions(status).get("Ready") == "True", tuple(containers)))
    return KubernetesObs(namespace, tuple(deployments), tuple(pods))


def kubernetes(host: Any, spec: s.Kubernetes) -> KubernetesObs:
    """The namespace's deployments and pods, through ``kubectl`` on the host."""
    if not host.exists("kubectl"):
        raise EngineError("kubectl not found on the host")
    context = f" --context {shlex.quote(spec.context)}" if spec.context else ""
    command = f"kubectl{context} get deployments,pods -n {shlex.quote(spec.namespace)} -o json"
    return parse_kubernetes(_run_json(host, command), spec.namespace)
