"""Observations of a host through testinfra's modules, as ``golive.prereq.observations``.

Fetching only: no judgement here. Each function takes a testinfra ``Host`` (from
``golive.prereq.connection.HostConnection``) and the host's effective settings, and uses testinfra's modules
(``file``, ``service``, ``socket``, ``sysctl``, ``addr``, ``system_info``, ``iptables``) where one
exists; ``host.run`` only for what no module covers (``nproc``, ``ulimit``, ``--version``, free
space, the public half of a private key). File paths from the settings go through ``rooted`` so a
test (or a chroot) can point them at another tree. Secret files are stat-ed, never read; private
keys are turned into their public half *on the host* (``openssl pkey -pubout``), so the key never
leaves it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from typing import Any

from golive.prereq.connection import rooted
from golive.prereq.observations import (
    CertObs,
    CommandObs,
    DiskObs,
    FileObs,
    FirewallObs,
    PortsObs,
    ServiceObs,
)
from golive.settings import prerequisites as s


def cpu_cores(host: Any) -> int:
    return int(host.check_output("nproc").strip())


def memory_kb(host: Any) -> int:
    """MemTotal from /proc/meminfo (the kernel's own figure; not rooted: /proc is the live host)."""
    text = host.file("/proc/meminfo").content_string
    match = re.search(r"^MemTotal:\s+(\d+)\s+kB", text, re.M)
    if match is None:
        raise RuntimeError("no MemTotal in /proc/meminfo")
    return int(match.group(1))


def disk(host: Any, mount: str) -> DiskObs:
    """Free bytes for unprivileged users (``stat -f``: available blocks × block size)."""
    if not host.file(mount).is_directory:
        return DiskObs(mount, None, "no such directory")
    result = host.run("stat -f -c '%%a %%S' %s", mount)
    if result.rc != 0:
        return DiskObs(mount, None, result.stderr.strip() or f"stat exited {result.rc}")
    blocks, size = result.stdout.split()
    return DiskObs(mount, int(blocks) * int(size))


def os_release(host: Any) -> tuple[str, str | None]:
    info = host.system_info
    return info.distribution or info.type or "unknown", info.release


def command(host: Any, spec: s.Command) -> CommandObs:
    """Found on PATH (``command -v``), then ``--version`` output (stdout + stderr: ``ssh -V``)."""
    name = spec.name.split()[0]
    if not host.exists(name):
        return CommandObs(spec.name, False)
    if spec.min_version is None:
        return CommandObs(spec.name, True)
    result = host.run(spec.version_command or f"{spec.name} --version")
    return CommandObs(spec.name, True, f"{result.stdout}\n{result.stderr}")


def limits(host: Any, spec: s.Limits) -> tuple[str, str]:
    """Soft nofile/nproc as a process of the user sees them: ``/proc/self/limits`` read by a
    process of the connection's shell (testinfra's File), or of a login of ``spec.user`` through
    ``su`` (which applies pam_limits) — ``ulimit -u`` is not POSIX, /proc is."""
    if spec.user:
        result = host.run("su -s /bin/sh -c %s %s", "cat /proc/self/limits", spec.user)
        if result.rc != 0:
            raise RuntimeError(f"cannot read limits of user {spec.user}: {result.stderr.strip()}")
        text = result.stdout
    else:
        text = host.file("/proc/self/limits").content_string
    soft = {}
    for line in text.splitlines():
        match = re.match(r"^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)", line)
        if match:
            soft[match.group(1)] = match.group(2)
    return soft.get("Max open files", "unknown"), soft.get("Max processes", "unknown")


def sysctl(host: Any, keys: list[str]) -> dict[str, object | None]:
    found: dict[str, object | None] = {}
    for key in keys:
        try:
            found[key] = host.sysctl(key)
        except Exception:
            found[key] = None
    return found


def file_info(host: Any, root: str | None, path: str) -> FileObs:
    """testinfra's File: existence, type, owner, group, mode, size — never the content."""
    real = rooted(root, path)
    handle = host.file(real)
    if not handle.exists:
        return FileObs(real, False)
    return FileObs(
        real,
        True,
        handle.is_file,
        handle.is_directory,
        handle.user,
        handle.group,
        handle.mode,
        handle.size if handle.is_file else None,
    )


def certificate(host: Any, root: str | None, spec: s.Certificate) -> CertObs:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    path = rooted(root, spec.cert)
    handle = host.file(path)
    key_path = rooted(root, spec.key) if spec.key else None
    if not handle.exists:
        return CertObs(path, False, key=key_path)
    try:
        cert = x509.load_pem_x509_certificate(handle.content)
    except ValueError as exc:
        return CertObs(path, True, error=str(exc).splitlines()[0], key=key_path)
    public = cert.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    not_after = cert.not_valid_after_utc.astimezone(UTC)
    obs = dict(
        cert=path,
        cert_exists=True,
        not_after=not_after,
        cert_public=public,
        subject=cert.subject.rfc4514_string(),
        key=key_path,
    )
    if key_path is None:
        return CertObs(**obs)
    key_file = file_info(host, None, key_path)
    key_public = key_error = None
    if key_file.exists:
        derived = host.run("openssl pkey -in %s -pubout", key_path)
        if derived.rc == 0:
            key_public = derived.stdout.strip() + "\n"
            key_public = key_public if key_public.startswith("-----BEGIN PUBLIC KEY") else None
        # openssl's stderr names the file and the problem, never key material.
        key_error = (
            None if key_public else (derived.stderr.strip().splitlines() or ["openssl failed"])[0][:200]
        )
    return CertObs(**obs, key_file=key_file, key_public=key_public, key_error=key_error)


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def parse_env(text: str) -> dict[str, str]:
    """KEY=value lines (``export``, quotes and trailing comments on unquoted values handled)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if not match:
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[key] = value
    return values


def env_values(host: Any, root: str | None, path: str) -> tuple[str, dict[str, str] | None]:
    """The env file's keys and values: kept in memory for the rule, never put in evidence."""
    real = rooted(root, path)
    handle = host.file(real)
    if not handle.exists or not handle.is_file:
        return real, None
    return real, parse_env(handle.content_string)


def service(host: Any, spec: s.Service) -> ServiceObs:
    handle = host.service(spec.name)
    running = handle.is_running if spec.running else True
    enabled = handle.is_enabled if spec.enabled else True
    return ServiceObs(spec.name, bool(running), bool(enabled))


_LISTEN = re.compile(r"^(tcp|udp|unix)://(.*?)(?::(\d+))?$")


def ports(host: Any, spec: s.Ports) -> PortsObs:
    listening = {wanted: bool(host.socket(wanted).is_listening) for wanted in spec.listening}
    listeners: list[tuple[str, str, int]] = []
    if spec.forbidden_public:
        for sock in host.socket.get_listening_sockets():
            match = _LISTEN.match(sock)
            if match and match.group(3):
                listeners.append((match.group(1), match.group(2).strip("[]"), int(match.group(3))))
    return PortsObs(listening, listeners)


def dns(host: Any, names: list[str]) -> dict[str, list[str]]:
    """Resolution as the host sees it (``getent ahosts`` through testinfra's Addr module)."""
    return {
        name: list(host.addr(name).ip_addresses) if host.addr(name).is_resolvable else [] for name in names
    }


_CRON_DIRS = ("/etc/cron.d", "/var/spool/cron/crontabs", "/var/spool/cron")
_TIMER_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")


def _active_lines(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#") and not re.match(r"^\w+=", line.strip())
    ]


def scheduled_jobs(host: Any, root: str | None) -> list[tuple[str, str]]:
    """Every active crontab line (/etc/crontab, /etc/cron.d, user crontabs, /etc/cron.daily
    scripts by name) and every systemd timer with its service's ExecStart."""
    jobs: list[tuple[str, str]] = []

    def read(path: str) -> None:
        handle = host.file(path)
        if handle.is_file:
            jobs.extend((path, line) for line in _active_lines(handle.content_string))

    read(rooted(root, "/etc/crontab"))
    for directory in _CRON_DIRS:
        real = rooted(root, directory)
        if host.file(real).is_directory:
            for name in sorted(host.file(real).listdir()):
                read(f"{real}/{name}")
    for period in ("hourly", "daily", "weekly", "monthly"):
        real = rooted(root, f"/etc/cron.{period}")
        if host.file(real).is_directory:
            jobs.extend((real, f"@{period} {real}/{name}") for name in sorted(host.file(real).listdir()))
    for directory in _TIMER_DIRS:
        real = rooted(root, directory)
        if not host.file(real).is_directory:
            continue
        for name in sorted(host.file(real).listdir()):
            if not name.endswith(".timer"):
                continue
            unit = host.file(f"{real}/{name[:-6]}.service")
            execs = (
                [line for line in unit.content_string.splitlines() if line.strip().startswith("ExecStart")]
                if unit.is_file
                else []
            )
            jobs.append((f"{real}/{name}", f"timer {name} {' '.join(execs)}"))
    return jobs


def logrotate_patterns(host: Any, root: str | None) -> list[str]:
    """The path globs of every stanza in logrotate.conf and logrotate.d."""
    texts: list[str] = []
    conf = host.file(rooted(root, "/etc/logrotate.conf"))
    if conf.is_file:
        texts.append(conf.content_string)
    directory = rooted(root, "/etc/logrotate.d")
    if host.file(directory).is_directory:
        for name in sorted(host.file(directory).listdir()):
            handle = host.file(f"{directory}/{name}")
            if handle.is_file:
                texts.append(handle.content_string)
    patterns: list[str] = []
    for text in texts:
        depth = 0
        header: list[str] = []
        for line in text.splitlines():
            stripped = line.split("#", 1)[0].strip()
            if depth == 0 and stripped and not stripped.endswith("{") and "{" not in stripped:
                header.append(stripped)
            if "{" in stripped:
                if depth == 0:
                    header.append(stripped.split("{", 1)[0])
                    for chunk in header:
                        patterns.extend(
                            p.strip("\"'") for p in chunk.split() if p.startswith(("/", '"/', "'/"))
                        )
                    header = []
                depth += 1
            if "}" in stripped:
                depth = max(0, depth - 1)
                header = []
    return patterns


def docker_daemon(host: Any, root: str | None, spec: s.DockerDaemon) -> tuple[str, dict | None, str | None]:
    path = rooted(root, spec.path)
    handle = host.file(path)
    if not handle.is_file:
        return path, None, "missing"
    try:
        data = json.loads(handle.content_string)
    except ValueError as exc:
        return path, None, f"not valid JSON ({exc})"
    return (
        path,
        data if isinstance(data, dict) else None,
        None if isinstance(data, dict) else "not a JSON object",
    )


def firewall(host: Any) -> FirewallObs:
    """ufw when installed; else nftables' ruleset; else iptables' INPUT chain (testinfra's module).

    "Active" means something filters input: ufw says active, an nftables input hook chain with a
    drop policy or rules, or an iptables INPUT policy DROP / any INPUT rule.
    """
    if host.exists("ufw"):
        out = host.run("ufw status")
        active = out.rc == 0 and "Status: active" in out.stdout
        return FirewallObs(active, "ufw", (out.stdout.strip().splitlines() or [out.stderr.strip()])[0])
    if host.exists("nft"):
        out = host.run("nft list ruleset")
        hooks = re.findall(r"hook input[^;]*;\s*policy (\w+);", out.stdout)
        rules = [
            line
            for line in out.stdout.splitlines()
            if line.strip() and not line.strip().startswith(("table", "chain", "type", "}", "policy"))
        ]
        if out.rc == 0 and (any(p == "drop" for p in hooks) or (hooks and rules)):
            return FirewallObs(
                True, "nftables", f"input hook policy {', '.join(hooks)}; {len(rules)} rule(s)"
            )
        if not host.exists("iptables"):
            return FirewallObs(
                False,
                "nftables",
                "no input hook chain filtering" if out.rc == 0 else out.stderr.strip()[:120],
            )
    if host.exists("iptables") or host.exists("iptables-legacy"):
        try:
            rules = host.iptables.rules("filter", "INPUT")
        except Exception as exc:
            return FirewallObs(False, "iptables", str(exc).strip().splitlines()[-1][:160])
        policy = next((r.split()[-1] for r in rules if r.startswith("-P INPUT")), "?")
        appended = [r for r in rules if r.startswith("-A INPUT")]
        active = policy in ("DROP", "REJECT") or bool(appended)
        return FirewallObs(active, "iptables", f"INPUT policy {policy}, {len(appended)} rule(s)")
    return FirewallObs(False, "none", "no ufw, nft or iptables on the host")
