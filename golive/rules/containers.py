"""Pure rules for containers (``prereq.containers``) and Kubernetes workloads (``prereq.kubernetes``).

Inputs are the observations ``golive.prereq.containers`` parses from the engines' JSON; each
failing part names the container, deployment or pod, what the engine reported and what is
expected (running/healthy, a restart policy, memory/CPU limits, replicas available, no crash loop).
"""

from __future__ import annotations

from golive.prereq.observations import ContainerObs, KubernetesObs
from golive.settings import prerequisites as s
from golive.sizes import format_size
from golive.verdict import Verdict, combine, fail

_RUNNING = {"running", "online", "up"}


def _service_parts(spec: s.ContainerService, found: list[ContainerObs]) -> list[Verdict]:
    if not found:
        return [fail("container-missing", f"{spec.name}: no such container", "absent", "running")]
    parts = []
    for obs in found:
        label = f"{obs.engine} {obs.name}"
        if obs.state.lower() not in _RUNNING:
            parts.append(fail("container-down", f"{label} is {obs.state}", obs.state, "running"))
        if obs.health is None and spec.require_healthcheck:
            parts.append(fail("container-no-healthcheck", f"{label} has no healthcheck", "no healthcheck",
                              "a healthcheck reporting healthy"))
        elif obs.health is not None and obs.health != "healthy":
            parts.append(fail("container-unhealthy", f"{label} health {obs.health}", obs.health, "healthy"))
        if obs.restart_policy not in spec.restart_policies:
            parts.append(fail("container-restart-policy", f"{label} restart policy {obs.restart_policy}",
                              obs.restart_policy, " or ".join(spec.restart_policies)))
        if spec.memory_limit and obs.memory_limit is None:
            parts.append(fail("container-no-memory-limit", f"{label} has no memory limit", "unlimited",
                              "a memory limit (compose deploy.resources.limits.memory, PM2 max_memory_restart)"))
        if spec.cpu_limit and obs.cpu_limit is None:
            parts.append(fail("container-no-cpu-limit", f"{label} has no CPU limit", "unlimited", "a CPU limit"))
        if spec.max_restarts is not None and obs.restarts > spec.max_restarts:
            parts.append(fail("container-restarts", f"{label} restarted {obs.restarts} times", str(obs.restarts),
                              f"≤ {spec.max_restarts}"))
    return parts


def containers(observed: list[ContainerObs], wanted: s.Containers) -> Verdict:
    """Every named service: running, healthy, restart policy and limits as asked."""
    parts: list[Verdict] = []
    shown: list[str] = []
    for spec in wanted.services:
        found = [c for c in observed if c.name == spec.name]
        parts += _service_parts(spec, found)
        for obs in found:
            memory = format_size(obs.memory_limit) if obs.memory_limit else "no memory limit"
            shown.append(f"{obs.name} {obs.state}{'/' + obs.health if obs.health else ''} ({obs.restart_policy}, "
                         f"{memory})")
    scope = f" in project {wanted.project}" if wanted.project else ""
    return combine("containers", parts, f"{wanted.engine}{scope}: " + "; ".join(shown))


def kubernetes(observed: KubernetesObs, wanted: s.Kubernetes) -> Verdict:
    """Deployments available, pods ready without crash loops, containers with requests/limits."""
    ns = f"namespace {observed.namespace}"
    parts: list[Verdict] = []
    names = {d.name for d in observed.deployments}
    for name in wanted.deployments:
        if name not in names:
            parts.append(fail("k8s-deployment-missing", f"deployment {name} not found in {ns}",
                              ", ".join(sorted(names)) or "no deployments", f"deployment {name}"))
    judged = [d for d in observed.deployments if not wanted.deployments or d.name in wanted.deployments]
    if not judged and not wanted.deployments:
        parts.append(fail("k8s-no-deployments", f"no deployment in {ns}", "none", "deployments to judge"))
    for dep in judged:
        if dep.available < dep.replicas or dep.conditions.get("Available") == "False":
            parts.append(fail("k8s-unavailable", f"deployment {dep.name}: {dep.available}/{dep.replicas} replicas "
                              "available", f"{dep.available}/{dep.replicas}", f"{dep.replicas}/{dep.replicas}"))
    for pod in observed.pods:
        if pod.phase == "Succeeded":
            continue  # a finished job's pod
        if not pod.ready:
            parts.append(fail("k8s-pod-not-ready", f"pod {pod.name} not ready ({pod.phase})", pod.phase, "Ready"))
        for container in pod.containers:
            where = f"pod {pod.name} container {container.name}"
            if container.waiting_reason in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull",
                                            "CreateContainerConfigError"):
                parts.append(fail("k8s-crashloop", f"{where} waiting: {container.waiting_reason}",
                                  container.waiting_reason, "running"))
            if container.restarts > wanted.max_restarts:
                parts.append(fail("k8s-restarts", f"{where} restarted {container.restarts} times",
                                  str(container.restarts), f"≤ {wanted.max_restarts}"))
            for kind, declared, required in (("requests", container.requests, wanted.require_requests),
                                             ("limits", container.limits, wanted.require_limits)):
                absent = [r for r in ("cpu", "memory") if r not in declared]
                if required and absent:
                    parts.append(fail(f"k8s-no-{kind}", f"{where} declares no {kind} for {', '.join(absent)}",
                                      ", ".join(f"{k}={v}" for k, v in declared.items()) or "none",
                                      f"{kind}.cpu and {kind}.memory"))
    summary = ", ".join(f"{d.name} {d.available}/{d.replicas}" for d in judged)
    return combine("kubernetes", parts, f"{ns}: deployments {summary}; {len(observed.pods)} pod(s) ready")
