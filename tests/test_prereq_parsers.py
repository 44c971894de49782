"""The pure parsers of golive.prereq on real inputs: configs checked against the real tool where it
runs here (logrotate -d), outputs recorded in the tools' formats where it cannot (dnf, zypper,
softwareupdate; tests/data/packages/README.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from golive.prereq import packages, rotation, schedule

DATA = Path(__file__).parent / "data" / "packages"

LOGROTATE_CONF = {
    "logrotate.conf": "# globals\nweekly\nrotate 4\ncreate\ninclude {root}/logrotate.d\n",
    "logrotate.d/app": (
        '/var/log/app/*.log /var/log/app/other.log {{\n  daily\n  rotate 14\n  compress\n  delaycompress\n'
        '  notifempty\n  create 0640 www-data www-data\n  postrotate\n    /bin/kill -HUP 1 || true {{ }}\n'
        '  endscript\n}}\n"/var/log/quoted dir/x.log" {{\n  monthly\n  size 100M\n  nocreate\n}}\n'),
    "logrotate.d/bare": "/var/log/bare.log {{\n}}\n",
    "logrotate.d/app.dpkg-old": "/var/log/ignored.log {{\n  hourly\n}}\n",
}


def _files(root: Path) -> None:
    for name, text in LOGROTATE_CONF.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(root=root))


def _read(path: str) -> str | None:
    p = Path(path)
    return p.read_text() if p.is_file() else None


def _list(path: str) -> list[str] | None:
    p = Path(path)
    return sorted(x.name for x in p.iterdir()) if p.is_dir() else None


def test_logrotate_parser_reads_what_logrotate_reads(tmp_path: Path) -> None:
    """Patterns, frequency and rotation count as the real ``logrotate -d`` (debug: changes nothing)
    reports them for the same files: globals inherited, include order, size overriding a
    frequency, taboo extensions skipped, script blocks skipped, logrotate's 1 MB default."""
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    if not Path(logrotate).exists():
        pytest.skip("logrotate not installed (apt-get install logrotate)")
    _files(tmp_path)
    parsed = rotation.parse_logrotate(str(tmp_path / "logrotate.conf"), _read, _list)
    debug = subprocess.run([logrotate, "-d", "-s", str(tmp_path / "state"), str(tmp_path / "logrotate.conf")],
                           capture_output=True, text=True, timeout=30, check=False)
    tool = re.findall(r"^rotating pattern: (.+?)\s{2}(.+) \((\d+|no old logs will be kept)(?: rotations)?\)$",
                      debug.stdout + debug.stderr, re.M)
    assert len(tool) == len(parsed) == 3, (tool, parsed)
    for (patterns, when, count), rule in zip(tool, parsed, strict=True):
        assert patterns.replace('"', "").split(" /") == " ".join(rule.patterns).split(" /"), (patterns, rule)
        expected_when = {"daily": "after 1 days", "weekly": "weekly", "monthly": "monthly"}.get(rule.frequency or "")
        assert when == (expected_when or f"{rule.size} bytes"), (when, rule)
        assert (int(count) if count.isdigit() else 0) == rule.rotate, (count, rule)
    app = parsed[0]
    assert app.compress and app.create_mode == 0o640 and app.frequency == "daily" and app.rotate == 14
    assert parsed[2].frequency == "weekly" and parsed[2].create_mode is None  # global create: old file's mode


def test_logrotate_default_without_frequency_is_size_one_megabyte(tmp_path: Path) -> None:
    (tmp_path / "only.conf").write_text("/var/log/x.log {\n}\n")
    (rule,) = rotation.parse_logrotate(str(tmp_path / "only.conf"), _read, _list)
    assert rule.frequency is None and rule.size == 1024 * 1024 and rule.rotate == 0


def test_newsyslog_lines() -> None:
    rules = rotation.parse_newsyslog("/etc/newsyslog.d/omnitask.conf", """
# logfilename          [owner:group]    mode count size when  flags [/pid_file] [sig_num]
/opt/omnitask/logs/*.log omnitask:staff 644 7 100 * JC
/var/log/system.log                     640  7     *    @T00  J
/var/log/wtmp                           644  3     *    $W6D23 B
/var/log/hourly.log                     600  24    *    1     Z   /var/run/app.pid 30
""")
    seed, daily, weekly, hourly = rules
    assert seed.frequency is None and seed.size == 100 * 1024 and seed.create_mode == 0o644 and seed.compress
    assert daily.frequency == "daily" and daily.rotate == 7 and daily.compress
    assert weekly.frequency == "weekly" and not weekly.compress
    assert hourly.frequency == "hourly" and hourly.rotate == 24 and hourly.compress


def test_cron_parsing_and_normalized_schedules() -> None:
    system = schedule.parse_crontab("/etc/cron.d/app", "SHELL=/bin/sh\n# comment\n0 2 * * * app /x/backup.sh\n"
                                    "@reboot root /x/start.sh\n", None)
    assert [(e.schedule, e.user, e.command) for e in system] == [("0 2 * * *", "app", "/x/backup.sh"),
                                                                  ("@reboot", "root", "/x/start.sh")]
    user = schedule.parse_crontab("/var/spool/cron/crontabs/app", "*/5 * * * * /x/health.sh arg\n", "app")
    assert user[0].user == "app" and user[0].command == "/x/health.sh arg"
    same = ["@daily", "0 0 * * *", "00 00 * * *", "OnCalendar daily", "OnCalendar *-*-* 00:00:00"]
    assert {schedule.normalize(x) for x in same} == {"0 0 * * *"}
    assert schedule.normalize("0 3 * * sun") == schedule.normalize("0 3 * * 7") == "0 3 * * 0"
    assert schedule.normalize("*/1 * * jan *") == "* * * 1 *"
    timer = schedule.parse_timer("/etc/systemd/system/certbot.timer", "[Timer]\nOnCalendar=*-*-* 00,12:00:00\n",
                                 "[Service]\nType=oneshot\nExecStart=/usr/bin/certbot -q renew\n")
    assert timer[0].command == "/usr/bin/certbot -q renew" and timer[0].user == "root"


def test_apt_simulation_lines() -> None:
    text = ("NOTE: This is only a simulation!\n"
            "Inst openssl [3.0.15-1~deb12u1] (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])\n"
            "Inst libcurl4 [7.88.1-10+deb12u8] (7.88.1-10+deb12u12 Debian:12.10/stable [amd64])\n"
            "Inst libssl3 [3.0.15-1~deb12u1] (3.0.16-1~deb12u1 Ubuntu:22.04/jammy-security [amd64]) []\n"
            "Conf openssl (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])\n")
    found = packages.parse_apt_simulation(text)
    assert [(p, security) for p, _, security in found] == [("openssl", True), ("libcurl4", False), ("libssl3", True)]


def test_dnf_zypper_softwareupdate_recordings() -> None:
    dnf = packages.parse_dnf_updateinfo((DATA / "dnf-updateinfo-security.txt").read_text())
    assert dnf == ["curl-8.6.0-8.fc40.x86_64", "libcurl-8.6.0-8.fc40.x86_64", "openssl-libs-1:3.2.2-3.fc40.x86_64"]
    zypper = packages.parse_zypper_patches((DATA / "zypper-list-patches-security.xml").read_text())
    assert zypper == ["openSUSE-SLE-15.5-2024-1234 (important)"]
    labels, restart = packages.parse_softwareupdate((DATA / "softwareupdate-list-pending.txt").read_text())
    assert labels == ["macOS Sonoma 14.4.1-23E224", "Safari17.4.1SonomaAuto-17.4.1"] and restart
    assert packages.parse_softwareupdate((DATA / "softwareupdate-list-none.txt").read_text()) == ([], False)
    legacy, old_restart = packages.parse_softwareupdate("   * AirPortSW-4.1\n        AirPort Software, 4.1, 13880K "
                                                        "[recommended] [restart]\n")
    assert legacy == ["AirPortSW-4.1"] and old_restart
    with pytest.raises(ValueError, match="no readable XML"):
        packages.parse_zypper_patches("Repository 'x' is invalid.")
