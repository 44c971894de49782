"""Pre-deploy prerequisites on the profile's hosts (``-m prereq``), through testinfra backends.

Each check: the host's shared connection (``prereq_host``), an observation from
``golive.prereq.facts``, a pure rule from ``golive.rules.prereq``, a message naming the host, the
item, the observed and the expected value. Only hosts whose settings configure an item run it.
"""

from __future__ import annotations

from golive.prereq import facts
from golive.registry import check
from golive.rules import prereq as rules
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
    nofile, nproc = facts.limits(prereq_host.testinfra(), prereq_host.settings.limits)
    evidence.json("limits", {"nofile": nofile, "nproc": nproc})
    _judge(rules.limits(nofile, nproc, prereq_host.settings.limits), prereq_host, evidence)


@check("prereq.sysctl", over="prereq_sysctl")
def test_sysctl(prereq_host, evidence):
    observed = facts.sysctl(prereq_host.testinfra(), list(prereq_host.settings.sysctl))
    evidence.json("sysctl", {k: None if v is None else str(v) for k, v in observed.items()})
    _judge(rules.sysctl(observed, prereq_host.settings.sysctl), prereq_host, evidence)


@check("prereq.paths", over="prereq_paths")
def test_paths(prereq_host, evidence):
    host, root = prereq_host.testinfra(), prereq_host.root
    observed = {p.path: facts.file_info(host, root, p.path) for p in prereq_host.settings.paths}
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
    _judge(rules.paths(observed, prereq_host.settings.paths), prereq_host, evidence)


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
    jobs = facts.scheduled_jobs(prereq_host.testinfra(), prereq_host.root)
    evidence.text("scheduled jobs", "\n".join(f"{src}: {line}" for src, line in jobs))
    _judge(rules.cron(jobs, prereq_host.settings.cron), prereq_host, evidence)


@check("prereq.logrotate", over="prereq_logrotate")
def test_logrotate(prereq_host, evidence):
    patterns = facts.logrotate_patterns(prereq_host.testinfra(), prereq_host.root)
    evidence.json("logrotate paths", patterns)
    _judge(rules.logrotate(patterns, prereq_host.settings.logrotate.paths), prereq_host, evidence)


@check("prereq.docker_daemon", over="prereq_docker_daemon")
def test_docker_daemon(prereq_host, evidence):
    spec = prereq_host.settings.docker_daemon
    path, config, error = facts.docker_daemon(prereq_host.testinfra(), prereq_host.root, spec)
    evidence.json(path, config)
    _judge(rules.docker_daemon(path, config, error, spec), prereq_host, evidence)


@check("prereq.firewall", over="prereq_firewall")
def test_firewall(prereq_host, evidence):
    observed = facts.firewall(prereq_host.testinfra())
    evidence.note(f"{observed.tool}: {observed.detail}")
    _judge(rules.firewall(observed), prereq_host, evidence)


@check("prereq.redis", over="prereq_redis")
def test_redis(prereq_host, profile, evidence):
    from golive.prereq.redis_facts import observe

    spec = prereq_host.settings.redis
    prereq_host.testinfra()  # the host is the subject: an unreachable host fails this check too
    observed = observe(spec.url, profile.timeout)
    evidence.json("redis config", {"anonymous_allowed": observed.anonymous_allowed, **observed.config})
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
