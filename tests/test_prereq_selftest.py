"""prereq.* proven both ways, end to end (golive in a subprocess, through ``tests.harness``).

One golive run serves every assertion. Its profile holds:

- ``sound`` (local://, role sound): a temporary root with a sound tree (``tests.prereq_tree``),
  thresholds the machine meets, a sound Redis, a database with pg_trgm and its index;
- ``bad`` (local://, role bad): a root where every file-based item has its defect, thresholds the
  machine cannot meet, an unsound Redis, a database without the extension;
- ``ssh`` (ssh://root@127.0.0.1:PORT, role sound): the sound settings again, through a real OpenSSH
  server on loopback — every host check runs over the ssh backend too;
- ``dead`` (ssh to a closed port): every check fails at once with ssh's reason.

Each check must pass on ``sound`` and ``ssh`` and fail on ``bad`` with a message naming the host,
the item, the observed and the expected value.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import CHECKS, REPO, GoliveRun, run_golive, write_profile
from tests.prereq_tree import ENV_SECRET, build_defective, build_sound, file_settings
from tests.servers.base import ServerProcess, free_port, start_process
from tests.servers.postgres import running_postgres
from tests.servers.redis import SOUND, UNSOUND, running_redis
from tests.servers.sshd import running_sshd

pytestmark = pytest.mark.xdist_group("prereq_selftest")  # its module fixtures start once, on one worker

REDIS_PASSWORD = "redis-pw-not-for-logs-4417"

HOST_IDS = (
    "prereq.cpu",
    "prereq.memory",
    "prereq.disk",
    "prereq.os",
    "prereq.commands",
    "prereq.limits",
    "prereq.sysctl",
    "prereq.paths",
    "prereq.secrets",
    "prereq.certificates",
    "prereq.env_file",
    "prereq.services",
    "prereq.ports",
    "prereq.dns",
    "prereq.cron",
    "prereq.logrotate",
    "prereq.docker_daemon",
    "prereq.redis",
    "prereq.service_user",
    "prereq.security_updates",
    "prereq.connectivity",
    "prereq.data_integrity",
    "smoke.cli",
)

BAD_SAYS = {
    "prereq.cpu": ["bad:", "CPU cores", "expected: ≥ 4096 cores"],
    "prereq.memory": ["bad:", "memory", "GB", "expected: ≥ 100000 GB"],
    "prereq.disk": ["bad:", "mount /", "GB free", "≥ 10000000 GB free", "mount /golive-no-such-mount"],
    "prereq.os": ["bad:", "debian", "older than debian 99"],
    "prereq.commands": [
        "bad:",
        "docker 19.3.1 is too old",
        "docker ≥ 20.10",
        "docker-compose 1.29.2 is too old",
        "command golive-absent-command not found",
    ],
    "prereq.limits": ["bad:", "soft nofile limit of process", "(sleep 98766) is 1024", "expected: ≥ ",
                      "hard nofile limit of process", "is 4096"],
    "prereq.sysctl": ["bad:", "sysctl kernel.pid_max", "expected:"],
    "prereq.paths": ["bad:", "opt/app/data owned by nobody", "owner root", "mode 777", "mode ≤ 750",
                     "below", "opt/app/data/states matching *.json not mode ≤ 640: phase-1.json (666)"],
    "prereq.secrets": ["bad:", "db_password is empty", "mode 644", "mode ≤ 600"],
    "prereq.certificates": [
        "bad:",
        "cert.pem expires in",
        "≥ 30 days",
        "key.pem mode 644",
        "does not match certificate",
    ],
    "prereq.env_file": [
        "bad:",
        "DATABASE_URL",
        "DEBUG has a forbidden value",
        "ENCRYPTION_KEY shorter than 32 characters (9)",
        "NODE_ENV is not production",
        "STRIPE_KEY",
    ],
    "prereq.services": ["bad:", "service golive-absent-service not running", "not enabled"],
    "prereq.ports": [
        "bad:",
        "nothing listens on tcp://127.0.0.1:",
        "listening on a non-loopback address",
        "0.0.0.0:",
    ],
    "prereq.dns": ["bad:", "localhost resolves to", "127.0.0.99"],
    "prereq.cron": ["bad:", "backup job scheduled 0 */6 * * * in", "schedule 0 2 * * *",
                    "no scheduled certificate renewal job"],
    "prereq.logrotate": ["bad:", "log file /var/log/app/app.log not covered by logrotate",
                         "/var/log/worker/worker.log (logrotate", "rotates weekly, keeps 2 old file(s), does not "
                         "compress, creates the new file 644", "maxLogFiles missing or not a positive number"],
    "prereq.docker_daemon": ["bad:", "log-opts max-size 1g", "≤ 100m", "log-opts max-file 50", "≤ 10",
                             "storage-driver unset", "overlay2"],
    "prereq.firewall": ["bad:", "no active firewall", "expected: ufw active, or an nftables/iptables input"],
    "prereq.redis": [
        "bad:",
        "without a password",
        "appendonly no",
        "maxmemory-policy noeviction",
        "maxmemory unset",
        "protected-mode no",
        "redis version 7.",
        "≥ 99",
        "redis ACL user app missing",
    ],
    "prereq.service_user": ["bad:", "user root has uid 0 (root)", "login shell /bin/bash", "not run by root",
                            "as nobody"],
    "prereq.security_updates": ["bad:", "1 security update(s) pending (apt): golive-demo-lib 1.0-1+deb12u1",
                                "Debian-Security", "a reboot is pending (linux-image-6.1.0-golive)"],
    "prereq.connectivity": ["bad:", "golive-no-such-host.invalid:443 does not resolve on the host",
                            "does not accept a TCP connection from the host"],
    "prereq.data_integrity": ["bad:", "sqlite", "app.db: On tree page", "json", "phase-2.json: invalid JSON"],
    "smoke.cli": ["bad:", "exited 3: boom", "expected: exit 0"],
}


def _process(name: str, argv: list[str], log: Path) -> ServerProcess:
    """A long-running ``sleep`` with a recognisable command line (the service whose limits and
    user the checks read), started through ``prlimit``/``setpriv`` and stopped by PID."""
    return start_process(name, argv, log, lambda: True)


def _listener(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((address, 0))
    sock.listen(1)
    return sock


def _prepare_db(pg: Any, name: str, with_trgm: bool) -> str:
    dsn = pg.create_database(name)
    if with_trgm:
        with pg.connect(name) as conn:
            conn.execute("CREATE EXTENSION pg_trgm")
            conn.execute("CREATE TABLE content (id serial PRIMARY KEY, body text)")
            conn.execute("CREATE INDEX idx_content_trgm ON content USING gin (body gin_trgm_ops)")
    return dsn


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoliveRun]:
    base = tmp_path_factory.mktemp("prereq")
    sound_role, bad_role = build_sound(base / "sound"), build_defective(base / "bad")
    pid_max = Path("/proc/sys/kernel/pid_max").read_text().strip()
    loopback, public = _listener("127.0.0.1"), _listener("0.0.0.0")
    lo_port, public_port = loopback.getsockname()[1], public.getsockname()[1]
    # as high as this machine lets a process go (raising a hard limit needs CAP_SYS_RESOURCE)
    nofile = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 65536)
    services = [
        _process("svc-sound", ["prlimit", f"--nofile={nofile}:{nofile}", "--", "setpriv", "--reuid=nobody",
                               "--regid=nogroup", "--clear-groups", "sleep", "98765"], base / "svc-sound.log"),
        _process("svc-bad", ["prlimit", "--nofile=1024:4096", "--", "setpriv", "--reuid=nobody",
                             "--regid=nogroup", "--clear-groups", "sleep", "98766"], base / "svc-bad.log"),
    ]
    try:
        with (
            running_sshd(base / "sshd") as sshd,
            running_redis(base / "redis-sound", {**SOUND, "user": f"app on >{REDIS_PASSWORD} ~* &* +@all"},
                          REDIS_PASSWORD) as good_redis,
            running_redis(base / "redis-bad", UNSOUND) as bad_redis,
            running_postgres(base / "pg") as pg,
        ):
            sound_dsn, bad_dsn = _prepare_db(pg, "app_sound", True), _prepare_db(pg, "app_bad", False)
            sound_role.update(
                {
                    "min_cpus": 1,
                    "min_memory_gb": 0.1,
                    "disks": [{"mount": "/", "min_free_gb": 0.01}],
                    "os": [{"distribution": "debian", "min_version": "11"}, {"distribution": "ubuntu"}],
                    "limits": {"process": "^sleep 98765$", "nofile": nofile, "hard_nofile": nofile, "nproc": 64},
                    "sysctl": {"kernel.pid_max": pid_max},
                    "services": [{"name": "procps"}],
                    "ports": {"listening": [f"tcp://127.0.0.1:{lo_port}"], "forbidden_public": [lo_port]},
                    "dns": [{"name": "localhost", "addresses": ["127.0.0.1"]}],
                    "redis": {"url": f"redis://:${{PREREQ_REDIS_PASSWORD}}@127.0.0.1:{good_redis.port}/0",
                              "min_version": "7.0", "acl": {"users": ["app"]}, "maxmemory_min": "32mb",
                              "maxmemory_max": "1gb"},
                    "service_user": {"name": "nobody", "process": "^sleep 98765$"},
                    "connectivity": [{"host": "localhost", "port": lo_port, "name": "cache"}],
                    "verify_commands": [{"command": "python3 --version", "output": r"^Python 3\.\d+"}],
                    "postgres": {
                        "extensions": ["pg_trgm"],
                        "min_max_connections": 50,
                        "indexes": ["idx_content_trgm"],
                    },
                }
            )
            bad_role.update(
                {
                    "min_cpus": 4096,
                    "min_memory_gb": 100000,
                    "disks": [{"mount": "/", "min_free_gb": 10_000_000}, {"mount": "/golive-no-such-mount"}],
                    "os": [{"distribution": "debian", "min_version": "99"}],
                    "limits": {"process": "^sleep 98766$", "nofile": nofile, "hard_nofile": nofile},
                    "sysctl": {"kernel.pid_max": str(int(pid_max) + 1)},
                    "services": [{"name": "golive-absent-service"}],
                    "ports": {
                        "listening": [f"tcp://127.0.0.1:{free_port()}"],
                        "forbidden_public": [public_port],
                    },
                    "dns": [{"name": "localhost", "addresses": ["127.0.0.99"]}],
                    "redis": {"url": bad_redis.url(), "min_version": "99", "acl": {"users": ["app"]}},
                    "firewall": {"required": True},
                    "service_user": {"name": "root", "process": "^sleep 9876[56]$"},
                    "connectivity": [{"host": "golive-no-such-host.invalid", "port": 443},
                                     {"host": "127.0.0.1", "port": free_port()}],
                    "verify_commands": [{"command": "sh -c 'echo boom >&2; exit 3'"}],
                    "postgres": {"extensions": ["pg_trgm"], "indexes": ["idx_content_trgm"]},
                }
            )
            profile = {
                "name": "prereq-selftest",
                "environment": "staging",
                "timeout": "10s",  # a loaded CI machine: each host command gets this deadline
                "hosts": [
                    {"name": "sound", "connection": "local://", "roles": ["sound"]},
                    {"name": "bad", "connection": "local://", "roles": ["bad"]},
                    sshd.host_dict("ssh", ["sound"]),
                    {
                        "name": "dead",
                        "connection": f"ssh://root@127.0.0.1:{free_port()}",
                        "ssh_config": str(sshd.ssh_config),
                        "ssh_identity_file": str(sshd.identity),
                        "roles": ["sound"],
                    },
                ],
                "databases": [
                    {
                        "name": "db-sound",
                        "dsn": sound_dsn.replace(pg.password, "${PREREQ_PG_PASSWORD}"),
                        "roles": ["sound"],
                    },
                    {
                        "name": "db-bad",
                        "dsn": bad_dsn.replace(pg.password, "${PREREQ_PG_PASSWORD}"),
                        "roles": ["bad"],
                    },
                ],
                "checks": {
                    "prerequisites": {**file_settings(), "roles": {"sound": sound_role, "bad": bad_role}}
                },
            }
            yield run_golive(
                profile,
                "-m",
                "prereq or smoke",
                tmp_path=base / "run",
                env={"PREREQ_REDIS_PASSWORD": REDIS_PASSWORD, "PREREQ_PG_PASSWORD": pg.password},
            )
    finally:
        loopback.close()
        public.close()
        for service in services:
            service.stop()


@pytest.mark.parametrize("check_id", HOST_IDS)
def test_sound_host_passes_locally_and_over_ssh(run: GoliveRun, check_id: str) -> None:
    for host in ("sound", "ssh"):
        assert run.status(check_id, host) == "passed", (host, run.message(check_id, host), run.output[-1500:])


@pytest.mark.parametrize("check_id", HOST_IDS)
def test_defective_host_fails_naming_host_item_observed_expected(run: GoliveRun, check_id: str) -> None:
    assert run.status(check_id, "bad") == "failed", run.output[-1500:]
    message = run.message(check_id, "bad")
    for fragment in BAD_SAYS[check_id]:
        assert fragment in message, (fragment, message)


def test_unreachable_host_fails_every_check_with_the_backends_reason(run: GoliveRun) -> None:
    for check_id in HOST_IDS:
        result = run.result(check_id, "dead")
        assert result["status"] in ("failed", "error"), (check_id, result)
        assert "dead: host unreachable through ssh://" in result["message"], result
        assert "Connection refused" in result["message"], result


def test_firewall_fails_on_a_host_without_one(run: GoliveRun) -> None:
    """This machine's own namespace filters nothing (the sound way is ``test_firewall_active_in_netns``)."""
    assert run.status("prereq.firewall", "bad") == "failed"
    for fragment in BAD_SAYS["prereq.firewall"]:
        assert fragment in run.message("prereq.firewall", "bad")


def test_firewall_active_in_netns(tmp_path: Path) -> None:
    """golive run inside a fresh network namespace whose iptables INPUT policy drops: a real,
    active firewall that touches nothing outside the namespace."""
    if shutil.which("unshare") is None or shutil.which("iptables") is None or os.geteuid() != 0:
        pytest.skip("needs root, unshare (util-linux) and iptables (apt-get install iptables)")
    profile = {
        "name": "prereq-fw",
        "timeout": "5s",
        "hosts": [{"name": "fw", "connection": "local://"}],
        "checks": {"prerequisites": {"firewall": {"required": True}}},
    }
    path = write_profile(profile, tmp_path / "profile")
    reports = tmp_path / "reports"
    setup = 'ip link set lo up && iptables -P INPUT DROP && iptables -A INPUT -i lo -j ACCEPT && exec "$@"'
    command = [
        "unshare",
        "-n",
        "sh",
        "-c",
        setup,
        "sh",
        sys.executable,
        "-m",
        "pytest",
        str(CHECKS / "test_prereq.py"),
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(REPO),
        "-c",
        str(REPO / "pyproject.toml"),
        "--profile",
        str(path),
        "--report-dir",
        str(reports),
        "-q",
        "--no-header",
        "-m",
        "prereq",
    ]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL
    )
    fw = GoliveRun(done.returncode, done.stdout + done.stderr, reports, path)
    assert fw.status("prereq.firewall", "fw") == "passed", fw.output[-2000:]


def test_postgres_extension_both_ways(run: GoliveRun) -> None:
    assert run.status("prereq.postgres", "db-sound") == "passed", run.message("prereq.postgres", "db-sound")
    message = run.message("prereq.postgres", "db-bad")
    assert run.status("prereq.postgres", "db-bad") == "failed"
    for fragment in (
        "db-bad:",
        "extension pg_trgm missing (available, not created)",
        "CREATE EXTENSION pg_trgm",
        "index(es) missing: idx_content_trgm",
    ):
        assert fragment in message, (fragment, message)


def test_no_secret_in_reports(run: GoliveRun) -> None:
    text = run.report_text() + run.output
    for secret in (REDIS_PASSWORD, ENV_SECRET, "short-key", "your_stripe_key_here"):
        assert secret not in text, secret
