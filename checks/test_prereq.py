"""Pre-deploy prerequisites on the profile's hosts (``-m prereq``), through testinfra backends.

Each check: the host's shared connection (``prereq_host``), an observation from
``golive.prereq.facts``, a pure rule from ``golive.rules.prereq``, a message naming the host, the
item, the observed and the expected value. Only hosts whose settings configure an item run it.
"""

from __future__ import annotations

from golive.prereq import containers, facts, packages, processes, rotation, schedule, tree
from golive.registry import check
from golive.rules import containers as container_rules
from golive.rules import prereq as rules
from golive.rules import schedules as schedule_rules
from golive.verdict import combine


def _judge(verdict, prereq_host, evidence):
    evidence.judge(verdict.about(prereq_host.name))


@check("prereq.cpu", over="prereq_cpu")
def test_cpu(prereq_host, evidence):
    cores = facts.cpu_cores(prereq_host.testinfra())
    evidence.metric("cpu_cores", cores)
    _judge(rules.cpu(cores, prereq_host.settings.min_cpus), prereq_host, evidence)


@check("prereq.memory", over="prereq_memory")
def test_memory(prereq_host, evidence):
    total = facts.memory_kb(prereq_host.testinfra())
    evidence.metric("memory_gb", round(total / 1024 / 1024, 2))
    _judge(rules.memory(total, prereq_host.settings.min_memory_gb), prereq_host, evidence)


@check("prereq.disk", over="prereq_disk")
def test_disk(prereq_host, evidence):
    host = prereq_host.testinfra()
    observed = [facts.disk(host, d.mount) for d in prereq_host.settings.disks]
    evidence.json("free space", {d.mount: d.free_bytes for d in observed})
    _judge(rules.disks(observed, prereq_host.settings.disks), prereq_host, evidence)


@check("prereq.os", over="prereq_os")
def test_os(prereq_host, evidence):
    distribution, release = facts.os_release(prereq_host.testinfra())
    evidence.note(f"{distribution} {release}")
    _judge(rules.os_release(distribution, release, prereq_host.settings.os), prereq_host, evidence)


@check("prereq.commands", over="prereq_commands")
def test_commands(prereq_host, evidence):
    host = prereq_host.testinfra()
    observed = [facts.command(host, c) for c in prereq_host.settings.commands]
    evidence.json("versions", {c.name: c.output.strip()[:200] if c.found else None for c in observed})
    _judge(rules.commands(observed, prereq_host.settings.commands), prereq_host, evidence)


@check("prereq.limits", over="prereq_limits")
def test_limits(prereq_host, evidence):
    spec = prereq_host.settings.limits
    observed, found = processes.limits(prereq_host.testinfra(), spec)
    evidence.json("limits (soft, hard)", {o.source: {"nofile": [o.nofile.soft, o.nofile.hard],
                                                     "nproc": [o.nproc.soft, o.nproc.hard]} for o in observed})
    _judge(rules.limits(observed, found, spec), prereq_host, evidence)


@check("prereq.sysctl", over="prereq_sysctl")
def test_sysctl(prereq_host, evidence):
    observed = facts.sysctl(prereq_host.testinfra(), list(prereq_host.settings.sysctl))
    evidence.json("sysctl", {k: None if v is None else str(v) for k, v in observed.items()})
    _judge(rules.sysctl(observed, prereq_host.settings.sysctl), prereq_host, evidence)


@check("prereq.paths", over="prereq_paths")
def test_paths(prereq_host, evidence):
    host, root = prereq_host.testinfra(), prereq_host.root
    observed = {p.path: facts.file_info(host, root, p.path) for p in prereq_host.settings.paths}
    trees = {p.path: tree.walk(host, observed[p.path].path, p.glob, p.max_entries)
             for p in prereq_host.settings.paths
             if (p.recursive or p.glob) and observed[p.path].exists and observed[p.path].is_directory}
    for spec_path, walked in trees.items():
        evidence.text(f"entries below {spec_path}", "\n".join(f"{e.kind} {e.mode:o} {e.user}:{e.group} {e.path}"
                                                          for e in walked.entries[:2000]))
    evidence.json(
        "paths",
        {
            o.path: {
                "exists": o.exists,
                "owner": o.user,
                "group": o.group,
                "mode": None if o.mode is None else f"{o.mode:o}",
            }
            for o in observed.values()
        },
    )
    _judge(rules.paths(observed, prereq_host.settings.paths, trees), prereq_host, evidence)


@check("prereq.secrets", over="prereq_secrets")
def test_secrets(prereq_host, evidence):
    host, root = prereq_host.testinfra(), prereq_host.root
    observed = {p.path: facts.file_info(host, root, p.path) for p in prereq_host.settings.secrets}
    evidence.json(
        "secret files (metadata only)",
        {
            o.path: {
                "exists": o.exists,
                "size": o.size,
                "owner": o.user,
                "mode": None if o.mode is None else f"{o.mode:o}",
            }
            for o in observed.values()
        },
    )
    _judge(rules.secrets(observed, prereq_host.settings.secrets), prereq_host, evidence)


@check("prereq.certificates", over="prereq_certificates")
def test_certificates(prereq_host, evidence):
    host, root = prereq_host.testinfra(), prereq_host.root
    observed = [facts.certificate(host, root, c) for c in prereq_host.settings.certificates]
    for obs in observed:
        if obs.not_after is not None:
            evidence.expiry(f"{prereq_host.name} {obs.cert}", obs.not_after.date(), obs.subject)
    _judge(rules.certificates(observed, prereq_host.settings.certificates), prereq_host, evidence)


@check("prereq.env_file", over="prereq_env_file")
def test_env_file(prereq_host, evidence):
    host, root = prereq_host.testinfra(), prereq_host.root
    verdicts = []
    for spec in prereq_host.settings.env_files:
        path, values = facts.env_values(host, root, spec.path)
        evidence.json(f"keys of {path}", sorted(values) if values is not None else None)
        verdicts.append(rules.env_file(path, values, spec))
    _judge(combine("env_file", verdicts, "env files as required"), prereq_host, evidence)


@check("prereq.services", over="prereq_services")
def test_services(prereq_host, evidence):
    host = prereq_host.testinfra()
    observed = [facts.service(host, s) for s in prereq_host.settings.services]
    evidence.json("services", {o.name: {"running": o.running, "enabled": o.enabled} for o in observed})
    _judge(rules.services(observed, prereq_host.settings.services), prereq_host, evidence)


@check("prereq.ports", over="prereq_ports")
def test_ports(prereq_host, evidence):
    observed = facts.ports(prereq_host.testinfra(), prereq_host.settings.ports)
    evidence.json(
        "listeners",
        {"wanted": observed.listening, "listening": [f"{p}://{a}:{n}" for p, a, n in observed.listeners]},
    )
    _judge(rules.ports(observed, prereq_host.settings.ports), prereq_host, evidence)


@check("prereq.dns", over="prereq_dns")
def test_dns(prereq_host, evidence):
    observed = facts.dns(prereq_host.testinfra(), [d.name for d in prereq_host.settings.dns])
    evidence.json("resolution", observed)
    _judge(rules.dns(observed, prereq_host.settings.dns), prereq_host, evidence)


@check("prereq.cron", over="prereq_cron")
def test_cron(prereq_host, evidence):
    entries, unreadable = schedule.jobs(prereq_host.testinfra(), prereq_host.root)
    evidence.text("scheduled jobs", "\n".join(f"{e.source}: {e.schedule} [{e.user}] {e.command}" for e in entries))
    _judge(schedule_rules.cron(entries, prereq_host.settings.cron.wanted(), unreadable), prereq_host, evidence)


@check("prereq.logrotate", over="prereq_logrotate")
def test_logrotate(prereq_host, evidence):
    spec = prereq_host.settings.logrotate
    found, problems = rotation.rules(prereq_host.testinfra(), prereq_host.root, spec)
    evidence.json("rotation rules", [r.__dict__ for r in found])
    _judge(schedule_rules.logrotate(found, spec, problems), prereq_host, evidence)


@check("prereq.docker_daemon", over="prereq_docker_daemon")
def test_docker_daemon(prereq_host, evidence):
    spec = prereq_host.settings.docker_daemon
    host = prereq_host.testinfra()
    path, config, error = facts.docker_daemon(host, prereq_host.root, spec)
    networks = containers.networks(host, spec.engine) if spec.networks else None
    evidence.json(path, config)
    _judge(rules.docker_daemon(path, config, error, spec, networks), prereq_host, evidence)


@check("prereq.firewall", over="prereq_firewall")
def test_firewall(prereq_host, evidence):
    observed = facts.firewall(prereq_host.testinfra())
    evidence.note(f"{observed.tool}: {observed.detail}")
    _judge(rules.firewall(observed), prereq_host, evidence)


@check("prereq.redis", over="prereq_redis")
def test_redis(prereq_host, profile, evidence):
    from golive.prereq.redis_facts import RedisError, observe

    spec = prereq_host.settings.redis
    prereq_host.testinfra()  # the host is the subject: an unreachable host fails this check too
    try:
        observed = observe(spec, profile.timeout)
    except RedisError as exc:
        raise exc.about(prereq_host.name) from None
    evidence.json("redis", {"anonymous_allowed": observed.anonymous_allowed, "version": observed.version,
                            "tls": observed.tls, "config": observed.config, "acl_users": observed.acl_users,
                            "sentinels": [o.__dict__ for o in observed.sentinels]})
    _judge(rules.redis(observed, spec), prereq_host, evidence)


@check("prereq.postgres", over="prereq_postgres")
def test_postgres(database, profile, evidence):
    from golive.fixtures.hosts import effective
    from golive.prereq.pg_facts import observe

    spec = effective(profile, database.roles).postgres
    observed = observe(database.dsn, database.name, profile.timeout)
    evidence.json(
        "postgres",
        {
            "extensions": sorted(observed.installed),
            "max_connections": observed.max_connections,
            "password_encryption": observed.password_encryption,
        },
    )
    verdict = rules.postgres(observed, spec).about(database.name)
    evidence.judge(verdict)


@check("prereq.service_user", over="prereq_service_user")
def test_service_user(prereq_host, evidence):
    spec = prereq_host.settings.service_user
    host = prereq_host.testinfra()
    user = processes.user(host, spec.name)
    found = processes.processes(host, spec.process) if spec.process else []
    evidence.json("service user", {"user": user.__dict__, "processes": [p.__dict__ for p in found]})
    _judge(rules.service_user(user, found, spec), prereq_host, evidence)


@check("prereq.security_updates", over="prereq_security_updates")
def test_security_updates(prereq_host, evidence):
    spec = prereq_host.settings.security_updates
    observed = packages.updates(prereq_host.testinfra(), prereq_host.root, spec)
    evidence.json("pending security updates", observed.__dict__)
    _judge(rules.security_updates(observed, spec), prereq_host, evidence)


@check("prereq.connectivity", over="prereq_connectivity")
def test_connectivity(prereq_host, evidence):
    observed = facts.dependencies(prereq_host.testinfra(), prereq_host.settings.connectivity)
    evidence.json("dependencies", [o.__dict__ for o in observed])
    _judge(rules.connectivity(observed), prereq_host, evidence)


@check("prereq.data_integrity", over="prereq_data_integrity")
def test_data_integrity(prereq_host, evidence):
    host, observed, truncated = prereq_host.testinfra(), [], []
    for spec in prereq_host.settings.data_files:
        files, cut = facts.data_files(host, prereq_host.root, spec)
        observed += files
        truncated += [spec.path] if cut else []
    evidence.json("data files", [o.__dict__ for o in observed])
    _judge(rules.data_integrity(observed, truncated), prereq_host, evidence)


@check("smoke.cli", over="prereq_cli")
def test_cli(prereq_host, evidence):
    host = prereq_host.testinfra()
    results = [(spec, *facts.verify_command(host, spec)) for spec in prereq_host.settings.verify_commands]
    evidence.text("command output", "\n\n".join(f"$ {spec.command}\n[exit {code}]\n{out}"
                                                  for spec, code, out in results))
    _judge(rules.verify_commands(results), prereq_host, evidence)


@check("prereq.containers", over="prereq_containers")
def test_containers(prereq_host, evidence):
    spec = prereq_host.settings.containers
    observed = containers.containers(prereq_host.testinfra(), spec)
    evidence.json("containers", [o.__dict__ for o in observed])
    _judge(container_rules.containers(observed, spec), prereq_host, evidence)


@check("prereq.kubernetes", over="prereq_kubernetes")
def test_kubernetes(prereq_host, evidence):
    spec = prereq_host.settings.kubernetes
    observed = containers.kubernetes(prereq_host.testinfra(), spec)
    evidence.json("deployments and pods", {"deployments": [d.__dict__ for d in observed.deployments],
                                           "pods": [p.name for p in observed.pods]})
    _judge(container_rules.kubernetes(observed, spec), prereq_host, evidence)
