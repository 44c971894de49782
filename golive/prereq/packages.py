"""Pending security updates and a pending reboot, as the host's package manager reports them.

golive only reads: it never refreshes package lists (that writes to the host), so it says how old
apt's lists are and the rule refuses to pass on stale ones. Per manager:

- apt: ``apt-get -s dist-upgrade`` (a simulation, no lock) lists ``Inst pkg [old] (new
  Origin:Version/suite [arch])``; an update is a security one when its source is a ``*-security``
  suite or a ``*-Security`` label. The lists' age is the newest ``*Release`` file under
  ``/var/lib/apt/lists``; ``/var/run/reboot-required`` (+ ``.pkgs``) says a reboot is pending.
  Under a ``root`` setting apt reads that tree (``-o Dir=ROOT``): an image checked in place.
- dnf/yum: ``updateinfo list --security`` (advisory, type, package per line);
  ``needs-restarting -r`` exits 1 when a reboot is needed.
- zypper: ``--xmlout list-patches --category security`` (``<update … category="security">``);
  ``needs-rebooting`` exits 102 when a reboot is needed.
- softwareupdate (macOS): ``softwareupdate -l``: every listed update counts (Apple ships security
  fixes inside them); ``Action: restart`` means a reboot will be required.

Only apt runs here for real (golive's tests build an apt tree with a local ``file:`` repository);
the dnf, zypper and softwareupdate parsers are proven on recorded outputs.
"""

from __future__ import annotations

import re
import shlex
import time
import xml.etree.ElementTree as ET
from typing import Any

from golive.prereq import darwin
from golive.prereq.connection import rooted
from golive.prereq.observations import UpdatesObs
from golive.settings import prerequisites as s

_APT_INST = re.compile(r"^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+) ([^)]*)\)", re.M)
_APT_SECURITY = re.compile(r"(?:^|[\s/,:])[^\s/,:]*-security\b|Security:", re.I)


def parse_apt_simulation(text: str) -> list[tuple[str, str, bool]]:
    """(package, new version and source, is security) for each ``Inst`` line."""
    found = []
    for match in _APT_INST.finditer(text):
        package, _, version, source = match.groups()
        found.append((package, f"{version} {source.split(' [')[0]}", bool(_APT_SECURITY.search(source))))
    return found


def parse_dnf_updateinfo(text: str) -> list[str]:
    """``FEDORA-2024-1f5b9e1e22 Moderate/Sec.  curl-8.6.0-8.fc40.x86_64`` → the package (NEVRA)."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if line.startswith(("Last metadata", "Updating")) or len(fields) < 3:
            continue
        if re.search(r"sec", fields[1], re.I):
            found.append(fields[-1])
    return found


def parse_zypper_patches(xml_text: str) -> list[str]:
    """``zypper --xmlout list-patches --category security``: each ``<update>`` of category security."""
    start = xml_text.find("<?xml")
    try:
        tree = ET.fromstring(xml_text[start:] if start >= 0 else xml_text)
    except ET.ParseError as exc:
        raise ValueError(f"zypper answered no readable XML ({exc})") from None
    return [f"{u.get('name')} ({u.get('severity') or '?'})" for u in tree.iter("update")
            if u.get("category") == "security"]


_SWU_LABEL = re.compile(r"^\s*[*-]\s*(?:Label:\s*)?(.+?)\s*$", re.M)


def parse_softwareupdate(text: str) -> tuple[list[str], bool]:
    """``softwareupdate -l``: the labels listed (``* Label: X`` since macOS 10.15, ``* X`` before),
    and whether one needs a restart (``Action: restart``, formerly ``[restart]``)."""
    labels = _SWU_LABEL.findall(text)
    return labels, bool(re.search(r"Action:\s*restart|\[restart\]", text, re.I))


def _manager(host: Any, wanted: str) -> str:
    if wanted != "auto":
        return wanted
    if darwin.is_darwin(host):
        return "softwareupdate"
    for name in ("apt-get", "dnf", "yum", "zypper"):
        if host.exists(name):
            return "apt" if name == "apt-get" else name
    return "none"


def _first_line(result: Any) -> str:
    return (result.stderr.strip().splitlines() or result.stdout.strip().splitlines() or [f"exit {result.rc}"])[-1]


def _apt(host: Any, root: str | None, now: float) -> UpdatesObs:
    lists = rooted(root, "/var/lib/apt/lists")
    stamps = host.run("find %s -maxdepth 1 -name '*Release' -printf '%%T@\\n'", lists)
    newest = max((float(x) for x in stamps.stdout.split() if re.fullmatch(r"\d+(\.\d+)?", x)), default=None)
    age = None if newest is None else max(0.0, now - newest)
    options = "-o Debug::NoLocking=1"
    if root and root != "/":
        status = rooted(root, "/var/lib/dpkg/status")
        options += f" -o Dir={shlex.quote(root)} -o Dir::State::status={shlex.quote(status)}"
    result = host.run(f"LANG=C apt-get -s {options} dist-upgrade")
    reboot_file = host.file(rooted(root, "/var/run/reboot-required"))
    reboot = reboot_file.exists
    detail = ""
    if reboot:
        pkgs = host.file(rooted(root, "/var/run/reboot-required.pkgs"))
        detail = ", ".join(pkgs.content_string.split()[:5]) if pkgs.is_file else ""
    if result.rc != 0:
        return UpdatesObs("apt", (), reboot, detail, f"apt-get -s failed: {_first_line(result)}", age)
    if newest is None:
        return UpdatesObs("apt", (), reboot, detail, f"no package lists in {lists} (apt-get update never ran)")
    updates = parse_apt_simulation(result.stdout)
    pending = tuple(f"{pkg} {new}" for pkg, new, security in updates if security)
    others = len(updates) - len(pending)
    return UpdatesObs("apt", pending, reboot, detail or f"{others} non-security update(s) pending", None, age)


def updates(host: Any, root: str | None, spec: s.SecurityUpdates, now: float | None = None) -> UpdatesObs:
    """The pending security updates of the host's package manager (``spec.manager`` or detected)."""
    now = time.time() if now is None else now
    manager = _manager(host, spec.manager)
    if manager == "apt":
        return _apt(host, root, now)
    if manager in ("dnf", "yum"):
        listed = host.run(f"LANG=C {manager} -q updateinfo list --security")
        restart = host.run("needs-restarting -r") if host.exists("needs-restarting") else None
        reboot = None if restart is None else restart.rc == 1
        if listed.rc != 0:
            return UpdatesObs(manager, (), reboot, "", f"{manager} updateinfo failed: {_first_line(listed)}")
        return UpdatesObs(manager, tuple(parse_dnf_updateinfo(listed.stdout)), reboot)
    if manager == "zypper":
        listed = host.run("zypper --non-interactive --xmlout list-patches --category security")
        reboot = host.run("zypper needs-rebooting").rc == 102
        try:
            return UpdatesObs(manager, tuple(parse_zypper_patches(listed.stdout)), reboot)
        except ValueError as exc:
            return UpdatesObs(manager, (), reboot, "", str(exc))
    if manager == "softwareupdate":
        listed = host.run("softwareupdate -l")
        labels, restart = parse_softwareupdate(listed.stdout + "\n" + listed.stderr)
        if listed.rc != 0:
            return UpdatesObs(manager, (), None, "", f"softwareupdate -l failed: {_first_line(listed)}")
        return UpdatesObs(manager, tuple(labels), restart if labels else False)
    return UpdatesObs("none", (), None, "", "no apt-get, dnf, yum or zypper on the host")
