"""macOS readers: the same observations as on Linux, read with the darwin commands.

Seed 000 deploys on macOS, where ``/proc``, ``nproc``, GNU ``stat``, systemd and ``getent`` do not
exist and testinfra's Service, Process and User modules do not apply. Each reader here returns the
observation type the Linux reader returns, so the rules stay unchanged:

- memory ``sysctl -n hw.memsize`` (bytes), cores ``sysctl -n hw.ncpu``, free space ``df -Pk``;
- limits ``launchctl limit maxfiles|maxproc`` (the limits launchd gives the jobs it starts);
- services ``launchctl list <label>`` (a running job has a ``"PID"``) and
  ``launchctl print-disabled system`` (a disabled job is listed ``=> disabled`` or ``=> true``);
- firewall ``socketfilterfw --getglobalstate`` (the Application Firewall the seed turns on);
- users ``dscl . -read /Users/<name> UniqueID UserShell``; processes ``ps -Aww -o pid=,user=,args=``.

No macOS machine runs here: these readers are proven on command outputs recorded from the tools'
documented formats (``tests/data/darwin/``), through the same facts and rules as Linux.
"""

from __future__ import annotations

import re
from typing import Any

from golive.prereq.observations import DiskObs, FirewallObs, LimitsObs, LimitValue, ServiceObs, UserObs

SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"


def is_darwin(host: Any) -> bool:
    return (host.system_info.type or "").lower() == "darwin"


def cpu_cores(host: Any) -> int:
    return int(host.check_output("sysctl -n hw.ncpu").strip())


def memory_kb(host: Any) -> int:
    return int(host.check_output("sysctl -n hw.memsize").strip()) // 1024


def disk(host: Any, mount: str) -> DiskObs:
    """``df -Pk``: POSIX output, 1024-byte blocks; the 4th column is what users may still write."""
    result = host.run("df -Pk %s", mount)
    if result.rc != 0:
        return DiskObs(mount, None, (result.stderr.strip().splitlines() or [f"df exited {result.rc}"])[-1])
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line.strip()]
    if not rows or len(rows[-1]) < 4 or not rows[-1][3].isdigit():
        return DiskObs(mount, None, f"unexpected df output: {result.stdout.strip()[:80]!r}")
    return DiskObs(mount, int(rows[-1][3]) * 1024)


def _limit_number(text: str) -> float | None:
    if text == "unlimited":
        return float("inf")
    return float(text) if text.isdigit() else None


def launchd_limits(host: Any) -> LimitsObs:
    """``launchctl limit maxfiles`` prints ``\\tmaxfiles    256            unlimited`` (soft, hard)."""
    values: dict[str, LimitValue] = {}
    for name in ("maxfiles", "maxproc"):
        out = host.run("launchctl limit %s", name)
        fields = out.stdout.split()
        if out.rc == 0 and len(fields) >= 3 and fields[0] == name:
            values[name] = LimitValue(_limit_number(fields[1]), _limit_number(fields[2]))
        else:
            values[name] = LimitValue(None, None)
    return LimitsObs("launchd (launchctl limit)", values["maxfiles"], values["maxproc"])


_PID = re.compile(r'^\s*"PID"\s*=\s*(\d+);', re.M)
_DISABLED = re.compile(r'^\s*"([^"]+)"\s*=>\s*(disabled|true)\s*$', re.M)


def service(host: Any, name: str, running: bool, enabled: bool) -> ServiceObs:
    """A launchd job by label: running when ``launchctl list <label>`` shows its PID; enabled
    unless ``launchctl print-disabled system`` lists it as disabled (and it is loaded at all)."""
    listed = host.run("launchctl list %s", name)
    is_running = listed.rc == 0 and bool(_PID.search(listed.stdout))
    is_enabled = True
    if enabled:
        disabled = host.run("launchctl print-disabled system")
        is_enabled = listed.rc == 0 and name not in {m.group(1) for m in _DISABLED.finditer(disabled.stdout)}
    return ServiceObs(name, is_running if running else True, is_enabled)


def firewall(host: Any) -> FirewallObs:
    """``Firewall is enabled. (State = 1)`` (or ``= 2``: block all) means active."""
    out = host.run("%s --getglobalstate", SOCKETFILTERFW)
    text = (out.stdout.strip() or out.stderr.strip()).splitlines()
    line = text[0] if text else f"socketfilterfw exited {out.rc}"
    match = re.search(r"State = (\d)", line)
    active = out.rc == 0 and match is not None and match.group(1) in ("1", "2")
    return FirewallObs(active, "socketfilterfw", line)


def user(host: Any, name: str) -> UserObs:
    """``dscl . -read /Users/<name> UniqueID UserShell`` (``UniqueID: 501`` / ``UserShell: /bin/bash``)."""
    out = host.run("dscl . -read /Users/%s UniqueID UserShell", name)
    if out.rc != 0:
        return UserObs(name, False)
    fields = dict(re.findall(r"^(\w+):\s*(\S.*)$", out.stdout, re.M))
    uid = fields.get("UniqueID", "")
    return UserObs(name, True, int(uid) if uid.lstrip("-").isdigit() else None, fields.get("UserShell"))


def resolve(host: Any, name: str) -> list[str]:
    """``dscacheutil -q host -a name <name>`` (macOS has no ``getent``): its ``ip_address:`` and
    ``ipv6_address:`` lines, as the system resolver answers."""
    out = host.run("dscacheutil -q host -a name %s", name)
    return sorted(set(re.findall(r"^(?:ip|ipv6)_address:\s*(\S+)", out.stdout, re.M)))
