"""macOS hosts (seed 000): the darwin readers, proven on recorded command outputs, through the same
facts modules the checks call and the same rules as Linux.

No macOS machine runs here. ``tests/data/darwin/{sound,defective}.yaml`` hold what the commands
answer on a sound OmniTask host and on one set up as the seed writes it (plus common drift); a
testinfra host replays them (``tests.replay``), and every command the facts ask must be recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.prereq import facts, packages, processes, rotation, schedule, tree
from golive.rules import prereq as rules
from golive.rules import schedules as schedule_rules
from golive.settings import prerequisites as s
from golive.verdict import Verdict
from tests.replay import replay_host

DATA = Path(__file__).parent / "data" / "darwin"

SETTINGS = s.HostPrerequisites.model_validate({
    "min_cpus": 4,
    "min_memory_gb": 8,
    "disks": [{"mount": "/opt/omnitask", "min_free_gb": 50}],
    "os": [{"distribution": "macos", "min_version": "12.0"}],
    "commands": [{"name": "node", "min_version": "18.0"}],
    "limits": {"nofile": 65536, "nproc": 2048},
    "sysctl": {"kern.maxfiles": 65536, "kern.maxfilesperproc": 32768},
    "paths": [{"path": "/opt/omnitask", "owner": "omnitask", "max_mode": "750", "recursive": True}],
    "services": [{"name": "pm2.omnitask"}],
    "dns": [{"name": "localhost", "addresses": ["127.0.0.1"]}],
    "connectivity": [{"host": "localhost", "port": 6379, "name": "redis"}],
    "cron": {"jobs": [{"command": "backup.sh", "schedule": "0 2 * * *", "user": "omnitask"},
                      {"command": "backup-db.js", "schedule": "0 */6 * * *"}]},
    "logrotate": {"paths": ["/opt/omnitask/logs/combined.log"], "frequency": "daily", "min_rotate": 7,
                  "compress": True, "create_max_mode": "640"},
    "firewall": {"required": True},
    "service_user": {"name": "omnitask", "process": "opt/omnitask|pm2"},
    "security_updates": {},
})


def judge_all(recording: str) -> dict[str, Verdict]:
    """Every prereq item's verdict for the recorded host, computed as the checks compute it."""
    host, _ = replay_host(DATA / f"{recording}.yaml")
    cfg = SETTINGS
    observed_paths = {p.path: facts.file_info(host, None, p.path) for p in cfg.paths}
    trees = {p.path: tree.walk(host, p.path, p.glob, p.max_entries) for p in cfg.paths}
    limits, found = processes.limits(host, cfg.limits)
    entries, unreadable = schedule.jobs(host, None)
    rotation_rules, problems = rotation.rules(host, None, cfg.logrotate)
    distribution, release = facts.os_release(host)
    user = processes.user(host, cfg.service_user.name)
    return {
        "prereq.cpu": rules.cpu(facts.cpu_cores(host), cfg.min_cpus),
        "prereq.memory": rules.memory(facts.memory_kb(host), cfg.min_memory_gb),
        "prereq.disk": rules.disks([facts.disk(host, d.mount) for d in cfg.disks], cfg.disks),
        "prereq.os": rules.os_release(distribution, release, cfg.os),
        "prereq.commands": rules.commands([facts.command(host, c) for c in cfg.commands], cfg.commands),
        "prereq.limits": rules.limits(limits, found, cfg.limits),
        "prereq.sysctl": rules.sysctl(facts.sysctl(host, list(cfg.sysctl)), cfg.sysctl),
        "prereq.paths": rules.paths(observed_paths, cfg.paths, trees),
        "prereq.services": rules.services([facts.service(host, x) for x in cfg.services], cfg.services),
        "prereq.dns": rules.dns(facts.dns(host, [d.name for d in cfg.dns]), cfg.dns),
        "prereq.connectivity": rules.connectivity(facts.dependencies(host, cfg.connectivity)),
        "prereq.cron": schedule_rules.cron(entries, cfg.cron.wanted(), unreadable),
        "prereq.logrotate": schedule_rules.logrotate(rotation_rules, cfg.logrotate, problems),
        "prereq.firewall": rules.firewall(facts.firewall(host)),
        "prereq.service_user": rules.service_user(
            user, processes.processes(host, cfg.service_user.process), cfg.service_user),
        "prereq.security_updates": rules.security_updates(packages.updates(host, None, cfg.security_updates),
                                                          cfg.security_updates),
    }


@pytest.fixture(scope="module")
def sound() -> dict[str, Verdict]:
    return judge_all("sound")


@pytest.fixture(scope="module")
def defective() -> dict[str, Verdict]:
    return judge_all("defective")


DEFECTS = {
    "prereq.cpu": None,
    "prereq.memory": ["memory 4.0 GB", "≥ 8 GB"],
    "prereq.disk": ["mount /opt/omnitask: 8.00 GB free", "≥ 50 GB free"],
    "prereq.os": None,
    "prereq.commands": None,
    "prereq.limits": ["soft nofile limit of launchd (launchctl limit) is 256", "≥ 65536",
                      "soft nproc limit of launchd (launchctl limit) is 266"],
    "prereq.sysctl": ["sysctl kern.maxfiles = 12288", "kern.maxfilesperproc = 10240"],
    "prereq.paths": ["below /opt/omnitask not owner omnitask: data/omnitask.db (root)",
                     "not mode ≤ 750: data/omnitask.db (644), logs (755)"],
    "prereq.services": ["service pm2.omnitask not running", "not enabled at boot"],
    "prereq.dns": None,
    "prereq.connectivity": ["redis (localhost:6379)", "does not accept a TCP connection from the host"],
    "prereq.cron": ["no scheduled job /backup.sh/", "no scheduled job /backup-db.js/", "/usr/lib/cron/tabs/omnitask"],
    "prereq.logrotate": ["/opt/omnitask/logs/combined.log (newsyslog /etc/newsyslog.d/omnitask.conf) rotates by "
                         "size at 100k", "creates the new file 644", "create ≤ 640"],
    "prereq.firewall": ["no active firewall (socketfilterfw: Firewall is disabled. (State = 0))"],
    "prereq.service_user": ["user omnitask has the login shell /bin/bash", "not run by omnitask: 840 as root"],
    "prereq.security_updates": ["1 security update(s) pending (softwareupdate): macOS Sonoma 14.4.1-23E224",
                                "a reboot is pending"],
}


@pytest.mark.parametrize("check_id", sorted(DEFECTS))
def test_sound_mac_passes(sound: dict[str, Verdict], check_id: str) -> None:
    assert sound[check_id].passed, sound[check_id].message


@pytest.mark.parametrize("check_id", sorted(k for k, v in DEFECTS.items() if v))
def test_defective_mac_fails_naming_observed_and_expected(defective: dict[str, Verdict], check_id: str) -> None:
    verdict = defective[check_id]
    assert not verdict.passed, verdict.message
    for fragment in DEFECTS[check_id]:
        assert fragment in verdict.message, (fragment, verdict.message)


def test_sound_mac_reads_what_the_tools_say(sound: dict[str, Verdict]) -> None:
    assert "10 CPU cores" in sound["prereq.cpu"].message
    assert "16.0 GB memory" in sound["prereq.memory"].message
    assert "macOS 14.4.1" in sound["prereq.os"].message
    assert "launchd (launchctl limit): nofile 65536/200000" in sound["prereq.limits"].message
    assert "as omnitask in /usr/lib/cron/tabs/omnitask" in sound["prereq.cron"].message
    assert "(daily, rotate 14, compress)" in sound["prereq.logrotate"].message
    assert "socketfilterfw: Firewall is enabled" in sound["prereq.firewall"].message


def test_per_process_limits_are_not_claimed_on_macos() -> None:
    """launchd's limits are read; a process's own are not readable there, and the check says so
    instead of passing on them."""
    host, _ = replay_host(DATA / "sound.yaml")
    observed, found = processes.limits(host, s.Limits(process="next start"))
    verdict = rules.limits(observed, found, s.Limits(process="next start"))
    assert not verdict.passed and "per-process limits are not readable on macOS" in verdict.message
