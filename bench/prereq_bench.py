"""Prerequisite checks over ssh vs the same commands over one plain ssh session per host.

Usage: .venv/bin/python bench/prereq_bench.py [HOSTS]

Starts ONE real sshd on loopback (tests/servers/sshd.py) and points HOSTS (default 3) profile hosts
at it, each with the 23 host-side prereq items configured (a sound temporary tree from
tests/prereq_tree.py). Measures, in the same run:

1. golive end to end: ``pytest checks/test_prereq.py -m "prereq or smoke"`` over the HOSTS ssh hosts
   (23 × HOSTS tests; wall time of the subprocess, and the summed test durations from junit.xml),
   and the same with ``-n HOSTS`` (checks grouped per host: hosts in parallel);
2. golive in-process: the facts the checks gather (``golive.prereq.facts``) through the testinfra
   ssh backend as golive builds it (one ControlMaster per host), hosts one after the other —
   every command testinfra sends is recorded;
3. the same, through testinfra's paramiko backend (``paramiko://``: one SSH transport per host);
4. raw: the recorded commands, sent over one plain paramiko SSH session per host (one
   ``exec_command`` channel per command, no testinfra);
and prints the ratios 2/4 and 3/4 (the cost of testinfra's per-command overhead).
"""

from __future__ import annotations

import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from bench_summary import record  # bench/ is on sys.path: run as a script

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from golive.prereq import facts, packages, processes, rotation, schedule, tree  # noqa: E402
from golive.prereq.connection import HostConnection  # noqa: E402
from golive.profile import Host  # noqa: E402
from golive.settings.prerequisites import HostPrerequisites, PrerequisitesSettings  # noqa: E402
from tests.harness import run_golive  # noqa: E402
from tests.prereq_tree import build_sound, file_settings  # noqa: E402
from tests.servers.sshd import SshServer, running_sshd  # noqa: E402


def settings_for(root: Path, ssh_port: int) -> dict[str, Any]:
    role = build_sound(root)
    pid_max = Path("/proc/sys/kernel/pid_max").read_text().strip()
    return {
        **file_settings(),
        **role,
        "min_cpus": 1,
        "min_memory_gb": 0.1,
        "disks": [{"mount": "/", "min_free_gb": 0.01}],
        "os": [{"distribution": "debian"}, {"distribution": "ubuntu"}],
        "limits": {"nofile": 64, "nproc": 64},
        "sysctl": {"kernel.pid_max": pid_max},
        "services": [{"name": "procps"}],
        "ports": {"listening": [f"tcp://127.0.0.1:{ssh_port}"], "forbidden_public": [5432, 6379]},
        "dns": [{"name": "localhost"}],
        "firewall": {"required": True},
        "service_user": {"name": "nobody"},
        "connectivity": [{"host": "127.0.0.1", "port": ssh_port, "name": "sshd"}],
        "verify_commands": [{"command": "python3 --version", "output": "^Python 3"}],
    }


def gather(host: Any, cfg: HostPrerequisites) -> None:
    """Every observation the host checks make (the checks' own facts calls), in the checks' order."""
    root = cfg.root
    facts.cpu_cores(host)
    facts.memory_kb(host)
    [facts.disk(host, d.mount) for d in cfg.disks]
    facts.os_release(host)
    [facts.command(host, c) for c in cfg.commands]
    processes.limits(host, cfg.limits)
    facts.sysctl(host, list(cfg.sysctl))
    for spec in cfg.paths:
        info = facts.file_info(host, root, spec.path)
        if (spec.recursive or spec.glob) and info.exists:
            tree.walk(host, info.path, spec.glob, spec.max_entries)
    [facts.file_info(host, root, p.path) for p in cfg.secrets]
    [facts.certificate(host, root, c) for c in cfg.certificates]
    [facts.env_values(host, root, e.path) for e in cfg.env_files]
    [facts.service(host, s) for s in cfg.services]
    facts.ports(host, cfg.ports)
    facts.dns(host, [d.name for d in cfg.dns])
    schedule.jobs(host, root)
    rotation.rules(host, root, cfg.logrotate)
    facts.docker_daemon(host, root, cfg.docker_daemon)
    facts.firewall(host)
    processes.user(host, cfg.service_user.name)
    packages.updates(host, root, cfg.security_updates)
    facts.dependencies(host, cfg.connectivity)
    [facts.data_files(host, root, d) for d in cfg.data_files]
    [facts.verify_command(host, v) for v in cfg.verify_commands]


def recording(host: Any, log: list[str]) -> Any:
    backend = host.backend
    original = backend.run

    def run(command: str, *args: str, **kwargs: Any) -> Any:
        log.append(backend.get_command(command, *args))
        return original(command, *args, **kwargs)

    backend.run = run
    return host


def in_process(sshd: SshServer, hosts: int, cfg: HostPrerequisites, scheme: str) -> tuple[float, list[str]]:
    log: list[str] = []
    control = Path(tempfile.mkdtemp(prefix="golive-bench-"))
    conns = []
    start = time.perf_counter()
    for index in range(hosts):
        spec = Host.model_validate({**sshd.host_dict(f"h{index}"), "connection":
                                    sshd.connection.replace("ssh://", f"{scheme}://")})
        conn = HostConnection(spec, 10.0, control)
        conns.append(conn)
        gather(recording(conn.host(), log if index == 0 else []), cfg)
    elapsed = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return elapsed, log


def raw_paramiko(sshd: SshServer, hosts: int, commands: list[str]) -> float:
    import paramiko

    start = time.perf_counter()
    for _ in range(hosts):
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect("127.0.0.1", sshd.port, sshd.user, key_filename=str(sshd.identity), timeout=10,
                       allow_agent=False, look_for_keys=False)
        for command in commands:
            _, out, err = client.exec_command(command, timeout=10)
            out.read()
            err.read()
            out.channel.recv_exit_status()
        client.close()
    return time.perf_counter() - start


def end_to_end(sshd: SshServer, hosts: int, prereq: dict[str, Any], work: Path,
               *extra: str) -> tuple[float, float, int]:
    profile = {
        "name": "prereq-bench",
        "timeout": "10s",
        "hosts": [sshd.host_dict(f"h{i}") for i in range(hosts)],
        "checks": {"prerequisites": prereq},
    }
    start = time.perf_counter()
    run = run_golive(profile, "-m", "prereq or smoke", "--junitxml", str(work / "junit.xml"), *extra, tmp_path=work,
                     timeout=1800)
    wall = time.perf_counter() - start
    cases = ET.parse(work / "junit.xml").getroot().iter("testcase")
    durations = [float(c.get("time", 0)) for c in cases]
    failed = [i["id"] for i in run.signoff["items"] if i["status"] == "failed" and i["id"] != "prereq.firewall"]
    if failed:
        print("unexpected failures:", failed, run.output[-2000:])
    return wall, sum(durations), len(durations)


def main() -> None:
    hosts = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    work = Path(tempfile.mkdtemp(prefix="prereq-bench-"))
    with running_sshd(work / "sshd") as sshd:
        prereq = settings_for(work / "tree", sshd.port)
        cfg = PrerequisitesSettings.model_validate(prereq).for_roles(())
        wall, summed, tests = end_to_end(sshd, hosts, prereq, work / "e2e")
        # -n HOSTS: xdist with golive's per-subject groups, so each host's checks share one worker
        wall_n, _, _ = end_to_end(sshd, hosts, prereq, work / "e2e-n", "-n", str(hosts))
        ssh_time, commands = in_process(sshd, hosts, cfg, "ssh")
        paramiko_time, _ = in_process(sshd, hosts, cfg, "paramiko")
        raw = raw_paramiko(sshd, hosts, commands)
    print(f"hosts: {hosts} (ssh to one sshd on loopback), host checks: 23, tests: {tests}")
    print(f"commands per host (testinfra, recorded): {len(commands)}")
    print(f"1. golive end to end (pytest subprocess): wall {wall:.2f}s, summed test time {summed:.2f}s")
    print(f"1b. golive end to end with -n {hosts} (one worker per host): wall {wall_n:.2f}s "
          f"({wall / wall_n:.1f}x faster than one process)")
    print(f"2. golive facts in-process, testinfra ssh + ControlMaster: {ssh_time:.2f}s")
    print(f"3. golive facts in-process, testinfra paramiko backend:   {paramiko_time:.2f}s")
    print(f"4. raw: same commands over one paramiko session per host:  {raw:.2f}s")
    print(f"ratio 2/4 (ssh backend vs raw): {ssh_time / raw:.2f}x;  3/4 (paramiko backend vs raw): "
          f"{paramiko_time / raw:.2f}x;  summed check time / raw: {summed / raw:.2f}x")
    record(f"prereq: golive facts over ssh / raw commands, {hosts} hosts", "<= 1.3x", f"{ssh_time / raw:.2f}x",
           ssh_time / raw <= 1.3)


if __name__ == "__main__":
    main()
