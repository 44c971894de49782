"""Processes, their limits and their users: what a running service really got.

A service's limits are those of its process (systemd's ``LimitNOFILE``, a container's ulimits,
``prlimit``), not those of the login shell golive happens to use: ``process`` patterns find the
running processes (``ps -Aww -o pid=,user=,args=``, one command; testinfra's Process module would
need one more ``ps`` per process for its owner) and read each one's ``/proc/PID/limits``. A user's
limits are read from a login of that user (``su``, so pam_limits applies). On macOS the limits
launchd gives its jobs are read instead (``golive.prereq.darwin``); per-process limits are not
readable there and say so.
"""

from __future__ import annotations

import re
from typing import Any

from golive.prereq import darwin
from golive.prereq.observations import LimitsObs, LimitValue, ProcessObs, UserObs
from golive.settings import prerequisites as s

_LIMIT_LINE = re.compile(r"^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)")
MAX_PROCESSES = 50
"""At most this many matching processes are judged (a pattern matching hundreds is a typo)."""


def _number(text: str) -> float | None:
    if text == "unlimited":
        return float("inf")
    return float(text) if text.isdigit() else None


def parse_proc_limits(text: str, source: str, pid: int | None = None) -> LimitsObs:
    """``/proc/PID/limits``: ``Max open files  1024  524288  files`` → soft 1024, hard 524288."""
    rows: dict[str, LimitValue] = {}
    for line in text.splitlines():
        match = _LIMIT_LINE.match(line)
        if match:
            rows[match.group(1)] = LimitValue(_number(match.group(2)), _number(match.group(3)))
    unknown = LimitValue(None, None)
    return LimitsObs(source, rows.get("Max open files", unknown), rows.get("Max processes", unknown), pid)


def processes(host: Any, pattern: str) -> list[ProcessObs]:
    """Running processes whose command line matches ``pattern`` (a regex), golive's own commands
    excluded; at most ``MAX_PROCESSES``."""
    fmt = "pid=,user=,args=" if darwin.is_darwin(host) else "pid=,user:64=,args="
    out = host.run("ps -Aww -o %s", fmt)
    if out.rc != 0:
        raise RuntimeError(f"ps failed: {(out.stderr.strip().splitlines() or ['no output'])[-1]}")
    regex = re.compile(pattern)
    found: list[ProcessObs] = []
    for line in out.stdout.splitlines():
        fields = line.split(None, 2)
        if len(fields) < 3 or not fields[0].isdigit():
            continue
        pid, user, command = int(fields[0]), fields[1], fields[2]
        if regex.search(command) and not command.startswith("ps -Aww -o "):
            found.append(ProcessObs(pid, user, command[:200]))
    return found[:MAX_PROCESSES]


def user_limits(host: Any, user: str | None) -> LimitsObs:
    """A login's limits: of ``user`` through ``su`` (pam_limits applies), else of the connection's
    own shell; on macOS, launchd's."""
    if darwin.is_darwin(host):
        return darwin.launchd_limits(host)
    if user:
        result = host.run("su -s /bin/sh -c %s %s", "cat /proc/self/limits", user)
        if result.rc != 0:
            raise RuntimeError(f"cannot read limits of user {user}: {result.stderr.strip()}")
        return parse_proc_limits(result.stdout, f"user {user}")
    return parse_proc_limits(host.file("/proc/self/limits").content_string, "the connection's user")


def limits(host: Any, spec: s.Limits) -> tuple[list[LimitsObs], list[ProcessObs]]:
    """Every subject the settings name: the user's login (unless only ``process`` is given) and each
    running process matching ``process``."""
    observed: list[LimitsObs] = []
    if spec.user or not spec.process:
        observed.append(user_limits(host, spec.user))
    found: list[ProcessObs] = []
    if spec.process:
        found = processes(host, spec.process)
        for proc in found:
            source = f"process {proc.pid} ({proc.command[:60]})"
            if darwin.is_darwin(host):
                unreadable = LimitValue(None, None)
                observed.append(LimitsObs(source + " — per-process limits are not readable on macOS",
                                          unreadable, unreadable, proc.pid))
                continue
            handle = host.file(f"/proc/{proc.pid}/limits")
            text = handle.content_string if handle.exists else ""
            observed.append(parse_proc_limits(text, source, proc.pid))
    return observed, found


def user(host: Any, name: str) -> UserObs:
    """The account (testinfra's User module: ``id``, ``getent passwd``; ``dscl`` on macOS)."""
    if darwin.is_darwin(host):
        return darwin.user(host, name)
    handle = host.user(name)
    if not handle.exists:
        return UserObs(name, False)
    return UserObs(name, True, handle.uid, handle.shell)
