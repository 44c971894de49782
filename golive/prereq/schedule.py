"""Scheduled jobs: every crontab line and systemd timer of a host, with schedule, user and command.

Sources, read as files through testinfra (relocated under the settings' ``root``):
- system crontabs ``/etc/crontab`` and ``/etc/cron.d/*``: ``m h dom mon dow user command``;
- user crontabs (``/var/spool/cron/crontabs/<user>`` Debian, ``/var/spool/cron/<user>`` RHEL,
  ``/usr/lib/cron/tabs/<user>`` macOS, ``/var/cron/tabs/<user>`` BSD): no user field, the file
  name is the user;
- ``/etc/cron.{hourly,daily,weekly,monthly}/<script>``: run by root at that period;
- systemd timers (``*.timer`` in /etc, /lib and /usr/lib ``systemd/system``): ``OnCalendar=`` with
  the service's ``ExecStart=`` and ``User=`` (root when unset).

``normalize`` makes schedules comparable: ``@daily`` = ``0 0 * * *``, ``Sun`` = ``0`` = ``7``,
``*/1`` = ``*``, systemd's ``daily`` = ``*-*-* 00:00:00`` = ``0 0 * * *``. Parsing is pure.
"""

from __future__ import annotations

import re
from typing import Any

from golive.prereq.connection import rooted
from golive.prereq.observations import CronEntry

SYSTEM_CRONTABS = ("/etc/crontab",)
SYSTEM_CRON_DIRS = ("/etc/cron.d",)
USER_CRON_DIRS = ("/var/spool/cron/crontabs", "/var/spool/cron", "/usr/lib/cron/tabs", "/var/cron/tabs")
PERIOD_DIRS = {"hourly": "@hourly", "daily": "@daily", "weekly": "@weekly", "monthly": "@monthly"}
TIMER_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")

_ALIASES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
            "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_SYSTEMD_ALIASES = {"minutely": "* * * * *", "hourly": "0 * * * *", "daily": "0 0 * * *", "weekly": "0 0 * * 1",
                    "monthly": "0 0 1 * *", "yearly": "0 0 1 1 *", "annually": "0 0 1 1 *"}
_MONTHS = {m: str(i) for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                             "oct", "nov", "dec"), start=1)}
_DAYS = {d: str(i) for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_ON_CALENDAR_DAILY_AT = re.compile(r"^\*-\*-\*\s+(\d{1,2}):(\d{2})(?::00)?$")


def _field(value: str, names: dict[str, str], sunday_seven: bool = False) -> str:
    value = value.lower()
    for name, number in names.items():
        value = re.sub(rf"\b{name}\b", number, value)
    value = re.sub(r"^\*/1$", "*", value)
    if sunday_seven:
        value = re.sub(r"(?<![\d])7(?![\d])", "0", value)
    return ",".join(str(int(p)) if p.isdigit() else p for p in value.split(","))


def normalize(schedule: str) -> str:
    """A canonical form of a cron schedule or a systemd ``OnCalendar`` (unknown forms stay as written,
    whitespace folded)."""
    text = " ".join(schedule.split())
    lowered = text.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if lowered.startswith("oncalendar "):
        calendar = text.split(" ", 1)[1]
        if calendar.lower() in _SYSTEMD_ALIASES:
            return _SYSTEMD_ALIASES[calendar.lower()]
        match = _ON_CALENDAR_DAILY_AT.match(calendar)
        if match:
            return f"{int(match.group(2))} {int(match.group(1))} * * *"
        return f"OnCalendar {calendar}"
    fields = text.split(" ")
    if len(fields) == 5:
        minute, hour, dom, month, dow = fields
        return " ".join([_field(minute, {}), _field(hour, {}), _field(dom, {}), _field(month, _MONTHS),
                         _field(dow, _DAYS, sunday_seven=True)])
    return text


def _is_env(line: str) -> bool:
    return bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line))


def parse_crontab(source: str, text: str, user: str | None) -> list[CronEntry]:
    """Active lines of a crontab: a system one (``user`` None: the 6th field is the user) or a
    user's (``user`` given)."""
    entries: list[CronEntry] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or _is_env(line):
            continue
        fields = line.split()
        if fields[0].startswith("@"):
            schedule, rest = fields[0], fields[1:]
        elif len(fields) >= 6:
            schedule, rest = " ".join(fields[:5]), fields[5:]
        else:
            continue
        if user is None:
            if len(rest) < 2:
                continue
            entries.append(CronEntry(source, schedule, rest[0], " ".join(rest[1:])))
        elif rest:
            entries.append(CronEntry(source, schedule, user, " ".join(rest)))
    return entries


def parse_timer(source: str, timer: str, service: str | None) -> list[CronEntry]:
    """A systemd timer's ``OnCalendar=`` lines with its service's command and user."""
    calendars = re.findall(r"^\s*OnCalendar\s*=\s*(.+?)\s*$", timer, re.M)
    execs = re.findall(r"^\s*ExecStart\s*=\s*[-@:+!]*(.+?)\s*$", service or "", re.M)
    users = re.findall(r"^\s*User\s*=\s*(\S+)", service or "", re.M)
    command = " ; ".join(execs) or "(no ExecStart)"
    return [CronEntry(source, f"OnCalendar {c}", users[-1] if users else "root", command) for c in calendars]


def jobs(host: Any, root: str | None) -> tuple[list[CronEntry], list[str]]:
    """Every scheduled job of the host, and the sources that exist but could not be read."""
    found: list[CronEntry] = []
    unreadable: list[str] = []

    def text(path: str) -> str | None:
        handle = host.file(path)
        if not handle.is_file:
            return None
        result = host.run("cat %s", path)
        if result.rc != 0:
            unreadable.append(path)
            return None
        return result.stdout

    def names(directory: str) -> list[str]:
        handle = host.file(directory)
        if not handle.is_directory:
            return []
        result = host.run("ls -1A %s", directory)
        if result.rc != 0:
            unreadable.append(directory)
            return []
        return sorted(n for n in result.stdout.splitlines() if n and not n.startswith("."))

    for path in SYSTEM_CRONTABS:
        real = rooted(root, path)
        content = text(real)
        if content is not None:
            found += parse_crontab(real, content, None)
    for directory in SYSTEM_CRON_DIRS:
        real = rooted(root, directory)
        for name in names(real):
            content = text(f"{real}/{name}")
            if content is not None:
                found += parse_crontab(f"{real}/{name}", content, None)
    for directory in USER_CRON_DIRS:
        real = rooted(root, directory)
        for name in names(real):
            if name == "crontabs":  # /var/spool/cron/crontabs seen from /var/spool/cron
                continue
            content = text(f"{real}/{name}")
            if content is not None:
                found += parse_crontab(f"{real}/{name}", content, name)
    for period, alias in PERIOD_DIRS.items():
        real = rooted(root, f"/etc/cron.{period}")
        found += [CronEntry(real, alias, "root", f"{real}/{name}") for name in names(real)
                  if name != "0anacron"]
    for directory in TIMER_DIRS:
        real = rooted(root, directory)
        for name in names(real):
            if name.endswith(".timer"):
                timer = text(f"{real}/{name}") or ""
                unit = re.search(r"^\s*Unit\s*=\s*(\S+)", timer, re.M)
                service = text(f"{real}/{unit.group(1) if unit else name[:-6] + '.service'}")
                found += parse_timer(f"{real}/{name}", timer, service)
    return found, unreadable
