"""Pure rules of issue 19's host items, on hand-made observations: each both ways, with the message
naming the item, what was observed and what is expected."""

from __future__ import annotations

from golive.prereq import observations as o
from golive.rules import containers as cr
from golive.rules import prereq as r
from golive.rules import schedules as sr
from golive.settings import prerequisites as s


def test_service_user() -> None:
    wanted = s.ServiceUser(name="app", process="node server")
    proc = o.ProcessObs(7, "app", "node server.js")
    sound = r.service_user(o.UserObs("app", True, 998, "/usr/sbin/nologin"), [proc], wanted)
    assert sound.passed and "uid 998" in sound.message and "1 process(es) running as it" in sound.message
    message = r.service_user(o.UserObs("app", True, 0, "/bin/bash"), [o.ProcessObs(7, "root", "node server.js")],
                             wanted).message
    assert "user app has uid 0 (root)" in message
    assert "login shell /bin/bash" in message and "/usr/sbin/nologin" in message
    assert "1 of 1 process(es) matching /node server/ not run by app: 7 as root" in message
    assert "user app does not exist" in r.service_user(o.UserObs("app", False), [], wanted).message
    assert "no running process matches" in r.service_user(o.UserObs("app", True, 5, "/bin/false"), [],
                                                          wanted).message
    assert r.service_user(o.UserObs("app", True, 5, "/bin/zsh"), [proc],
                          s.ServiceUser(name="app", process="node", login_shell_allowed=True)).passed


def test_security_updates() -> None:
    wanted = s.SecurityUpdates()
    assert r.security_updates(o.UpdatesObs("apt", (), False, lists_age_s=3600), wanted).passed
    message = r.security_updates(o.UpdatesObs("apt", ("openssl 3.0.15-1~deb12u1 Debian-Security:12/x",),
                                              True, "linux-image-6.1", None, 3600), wanted).message
    assert "1 security update(s) pending (apt): openssl" in message
    assert "a reboot is pending (linux-image-6.1)" in message
    stale = r.security_updates(o.UpdatesObs("apt", (), False, lists_age_s=40 * 86400), wanted)
    assert not stale.passed and "package lists are 40 days old" in stale.message
    unknown = r.security_updates(o.UpdatesObs("none", (), None, "", "no apt-get, dnf, yum or zypper"), wanted)
    assert not unknown.passed and "cannot tell pending security updates" in unknown.message
    allowed = r.security_updates(o.UpdatesObs("dnf", ("kernel-6.9",), False), s.SecurityUpdates(allow=["kernel-6.9"]))
    assert allowed.passed and "1 allowed" in allowed.message


def test_connectivity_data_integrity_and_verify_commands() -> None:
    sound = [o.DependencyObs("db", "db.internal", 5432, ("127.0.0.5",), True)]
    assert r.connectivity(sound).passed
    message = r.connectivity([o.DependencyObs("api", "api.invalid", 443, (), False),
                              o.DependencyObs("cache", "cache", 6379, ("127.0.0.6",), False)]).message
    assert "api (api.invalid:443) does not resolve on the host" in message
    assert "cache:6379 (→ 127.0.0.6) does not accept a TCP connection from the host" in message
    assert r.data_integrity([o.DataFileObs("/d/a.db", "sqlite", True, "ok")], []).passed
    bad = r.data_integrity([o.DataFileObs("/d/s.json", "json", False, "invalid JSON: Expecting value")], [])
    assert "json /d/s.json: invalid JSON" in bad.message and "expected: a file that parses as JSON" in bad.message
    assert "no data file matched" in r.data_integrity([], []).message
    assert "not every file was checked" in r.data_integrity([o.DataFileObs("/d/a", "json", True, "")],
                                                            ["/d/*.json"]).message
    spec = s.VerifyCommand(command="node cli.js --version", output=r"^\d+\.\d+")
    assert r.verify_commands([(spec, 0, "1.4.2\n")]).passed
    assert "`node cli.js --version` exited 1: Error: Cannot find module" in r.verify_commands(
        [(spec, 1, "Error: Cannot find module 'x'")]).message
    assert "printed 'v?'" in r.verify_commands([(spec, 0, "v?")]).message


def test_redis_version_tls_memory_acl_and_sentinel() -> None:
    config = {"appendonly": "yes", "maxmemory": str(2 * 1024**3), "maxmemory-policy": "allkeys-lru",
              "protected-mode": "yes", "save": ""}
    wanted = s.Redis(url="rediss://h:6380", min_version="7.0", require_tls=True, maxmemory_min="1gb",
                     maxmemory_max="4gb", acl=s.RedisAcl(users=["app"], default_user="off"),
                     sentinel=s.RedisSentinel(urls=["redis://h:26379"], min_sentinels=1))
    quorum = o.SentinelObs("redis://h:26379", True, "master", 1, 1, "OK", True)
    users = {"default": ("off",), "app": ("on", "~*", "+@all")}
    sound = r.redis(o.RedisObs(False, config, "7.0.15", True, users, (quorum,)), wanted)
    assert sound.passed, sound.message
    assert "version 7.0.15, TLS" in sound.message
    bad = o.RedisObs(False, {**config, "maxmemory": "0"}, "6.2.14", False, {"default": ("on", "nopass")},
                     (o.SentinelObs("redis://h:26379", True, "s_down,master", 1, 2,
                                    "NOQUORUM 1 usable Sentinels", False),))
    message = r.redis(bad, wanted).message
    for fragment in ("redis version 6.2.14", "≥ 7.0", "redis reached without TLS", "redis maxmemory unbounded",
                     "redis ACL user app missing", "default user on without password (nopass)",
                     "sees master mymaster s_down", "CKQUORUM NOQUORUM 1 usable Sentinels"):
        assert fragment in message, (fragment, message)


def test_cron_schedules_users_and_aliases() -> None:
    entries = [o.CronEntry("/etc/cron.d/app", "0 0 * * *", "app", "/opt/app/backup.sh"),
               o.CronEntry("/var/spool/cron/crontabs/root", "@daily", "root", "certbot renew -q"),
               o.CronEntry("/etc/systemd/system/x.timer", "OnCalendar *-*-* 03:00:00", "root", "/usr/bin/vacuum")]
    wanted = [s.CronJob(command="backup", schedule="@daily", user="app"),
              s.CronJob(command="certbot renew", schedule="0 0 * * *"),
              s.CronJob(command="vacuum", schedule="0 3 * * *")]
    verdict = sr.cron(entries, wanted)
    assert verdict.passed and "job /backup/: 0 0 * * * as app in /etc/cron.d/app" in verdict.message
    message = sr.cron(entries, [s.CronJob(command="backup", schedule="0 */6 * * *"),
                                s.CronJob(command="certbot", user="app"),
                                s.CronJob(command="health-check", name="uptime")]).message
    assert "job /backup/ scheduled 0 0 * * * in /etc/cron.d/app" in message and "schedule 0 */6 * * *" in message
    assert "job /certbot/ runs as root" in message and "user app" in message
    assert "no scheduled uptime job (3 job(s) in" in message


def test_logrotate_parameters() -> None:
    rule = o.RotationRule("/etc/logrotate.d/app", ("/var/log/app/*.log",), "logrotate", "daily", 14, True, 0o640)
    wanted = s.Logrotate(paths=["/var/log/app/app.log"], frequency="daily", min_rotate=14, compress=True,
                         create_max_mode="640")
    assert sr.logrotate([rule], wanted).passed
    weak = o.RotationRule("/etc/logrotate.d/app", ("/var/log/app/*.log",), "logrotate", "weekly", 4, False, 0o644)
    message = sr.logrotate([weak], wanted).message
    for fragment in ("/var/log/app/app.log (logrotate /etc/logrotate.d/app) rotates weekly, keeps 4 old file(s), "
                     "does not compress, creates the new file 644", "expected: daily or more often, rotate ≥ 14, "
                     "compress, create ≤ 640"):
        assert fragment in message, (fragment, message)
    sized = o.RotationRule("/etc/newsyslog.d/app.conf", ("/opt/app/logs/*.log",), "newsyslog", None, 7, True, 0o644,
                           102400)
    assert "rotates by size at 100k (expected: daily or more often)" in sr.logrotate(
        [sized], s.Logrotate(paths=["/opt/app/logs/app.log"], frequency="daily")).message
    assert "not covered by logrotate" in sr.logrotate([], s.Logrotate(paths=["/var/log/x.log"])).message
    app = o.RotationRule("/app/production.json", ("logging.maxLogFiles",), "app config", None, 5, False, None,
                         10 * 1024**2)
    spec = s.Logrotate(app_configs=[s.AppLogLimits(path="/app/production.json", max_files_key="logging.maxLogFiles",
                                                   max_size_key="logging.maxLogFileSizeMB")])
    assert sr.logrotate([app], spec).passed
    no_count = o.RotationRule("/app/production.json", ("logging.maxLogFiles",), "app config", None, None)
    assert "logging.maxLogFiles missing or not a positive number" in sr.logrotate([no_count], spec).message


def test_containers_and_kubernetes() -> None:
    wanted = s.Containers(project="shop", services=[s.ContainerService(name="web", require_healthcheck=True,
                                                                          cpu_limit=True, max_restarts=3)])
    sound = o.ContainerObs("web", "docker", "running", "healthy", "unless-stopped", 0, 8 * 1024**3, 4.0)
    verdict = cr.containers([sound], wanted)
    assert verdict.passed and "web running/healthy (unless-stopped, 8g)" in verdict.message
    bad = o.ContainerObs("web", "docker", "restarting", "unhealthy", "no", 12, None, None)
    message = cr.containers([bad], wanted).message
    for fragment in ("docker web is restarting", "health unhealthy", "restart policy no", "no memory limit",
                     "no CPU limit", "restarted 12 times"):
        assert fragment in message, (fragment, message)
    assert "web: no such container" in cr.containers([], wanted).message

    ready = o.PodContainerObs("app", True, 0, None, {"cpu": "250m", "memory": "256Mi"}, {"cpu": "1", "memory": "1Gi"})
    k8s = o.KubernetesObs("shop", (o.DeploymentObs("web", 2, 2, 2, {"Available": "True"}),),
                          (o.PodObs("web-1", "Running", True, (ready,)),))
    assert cr.kubernetes(k8s, s.Kubernetes(namespace="shop")).passed
    looping = o.PodContainerObs("app", False, 9, "CrashLoopBackOff", {}, {})
    broken = o.KubernetesObs("shop", (o.DeploymentObs("web", 2, 1, 1, {"Available": "False"}),),
                             (o.PodObs("web-2", "Running", False, (looping,)),))
    message = cr.kubernetes(broken, s.Kubernetes(namespace="shop", deployments=["web", "worker"])).message
    for fragment in ("deployment worker not found in namespace shop", "deployment web: 1/2 replicas available",
                     "pod web-2 not ready", "waiting: CrashLoopBackOff", "restarted 9 times",
                     "declares no requests for cpu, memory", "declares no limits for cpu, memory"):
        assert fragment in message, (fragment, message)
