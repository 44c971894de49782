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

from golive.prereq import darwin
from golive.prereq.connection import rooted
from golive.prereq.observations import (
    CertObs,
    CommandObs,
    DataFileObs,
    DependencyObs,
    DiskObs,
    FileObs,
    FirewallObs,
    PortsObs,
    ServiceObs,
)
from golive.settings import prerequisites as s


def cpu_cores(host: Any) -> int:
    if darwin.is_darwin(host):
        return darwin.cpu_cores(host)
    return int(host.check_output("nproc").strip())


def memory_kb(host: Any) -> int:
    """MemTotal from /proc/meminfo (the kernel's own figure; not rooted: /proc is the live host)."""
    if darwin.is_darwin(host):
        return darwin.memory_kb(host)
    text = host.file("/proc/meminfo").content_string
    match = re.search(r"^MemTotal:\s+(\d+)\s+kB", text, re.M)
    if match is None:
        raise RuntimeError("no MemTotal in /proc/meminfo")
    return int(match.group(1))


def disk(host: Any, mount: str) -> DiskObs:
    """Free bytes for unprivileged users (``stat -f``: available blocks × block size)."""
    if darwin.is_darwin(host):
        return darwin.disk(host, mount)
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
    """testinfra's Service module (systemd, sysv, openrc...); launchd on macOS."""
    if darwin.is_darwin(host):
        return darwin.service(host, spec.name, spec.running, spec.enabled)
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
    """Resolution as the host sees it (``getent ahosts`` through testinfra's Addr module;
    ``dscacheutil`` on macOS)."""
    if darwin.is_darwin(host):
        return {name: darwin.resolve(host, name) for name in names}
    return {
        name: list(host.addr(name).ip_addresses) if host.addr(name).is_resolvable else [] for name in names
    }


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
    drop policy or rules, or an iptables INPUT policy DROP / any INPUT rule. On macOS: the
    Application Firewall's global state.
    """
    if darwin.is_darwin(host):
        return darwin.firewall(host)
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


def _tcp_reachable(host: Any, name: str, port: int, timeout: float) -> bool:
    """A TCP connect from the host within ``timeout``: testinfra's own probe (``addr().port()``) with
    its fixed 1 s, which a busy host's process start-up alone can exceed, made configurable: ``nc -z
    -w`` when the host has it, else bash's ``/dev/tcp`` under ``timeout``."""
    seconds = str(max(1, round(timeout)))
    if host.exists("nc"):
        return host.run("nc -z -w %s %s %s", seconds, name, str(port)).rc == 0
    return host.run("timeout %s bash -c %s", seconds, f"exec 3<>/dev/tcp/{name}/{port}").rc == 0


def dependencies(host: Any, wanted: list[s.Dependency]) -> list[DependencyObs]:
    """Each dependency as the host sees it: resolution (``getent ahosts`` through testinfra's Addr
    module; ``dscacheutil`` on macOS) and a TCP connect within the dependency's ``timeout``."""
    found = []
    for dep in wanted:
        if darwin.is_darwin(host):
            addresses = tuple(darwin.resolve(host, dep.host))
        else:
            addr = host.addr(dep.host)
            addresses = tuple(addr.ip_addresses) if addr.is_resolvable else ()
        reachable = bool(addresses) and _tcp_reachable(host, dep.host, dep.port, dep.timeout)
        found.append(DependencyObs(dep.name or dep.host, dep.host, dep.port, addresses, reachable))
    return found


def _glob(host: Any, pattern: str, cap: int) -> tuple[list[str], bool]:
    """Files matching a shell glob on the host (the shell expands it), at most ``cap``."""
    if not any(c in pattern for c in "*?["):
        return [pattern], False
    directory, _, name = pattern.rpartition("/")
    result = host.run(
        "find %s -maxdepth 1 -type f -name %s 2>/dev/null | sort | head -n %s", directory or "/", name, str(cap + 1)
    )
    paths = [line for line in result.stdout.splitlines() if line]
    return paths[:cap], len(paths) > cap


def data_files(host: Any, root: str | None, spec: s.DataFile) -> tuple[list[DataFileObs], bool]:
    """Integrity of each live data file: ``sqlite3 -readonly FILE 'PRAGMA integrity_check'`` on the
    host (the database never leaves it), or a JSON parse of the file's content."""
    paths, truncated = _glob(host, rooted(root, spec.path), spec.max_files)
    found: list[DataFileObs] = []
    for path in paths:
        handle = host.file(path)
        if not handle.is_file:
            found.append(DataFileObs(path, spec.kind, False, "missing"))
            continue
        if spec.kind == "sqlite":
            result = host.run("sqlite3 -readonly %s 'PRAGMA integrity_check;'", path)
            answer = result.stdout.strip()
            lines = [x for x in (answer + "\n" + result.stderr).splitlines() if x.strip() and not x.startswith("***")]
            detail = "; ".join(lines[:2])[:200] or f"sqlite3 exited {result.rc}"
            found.append(DataFileObs(path, "sqlite", result.rc == 0 and answer == "ok", detail))
            continue
        try:
            json.loads(handle.content_string)
            found.append(DataFileObs(path, "json", True, "parses"))
        except ValueError as exc:
            found.append(DataFileObs(path, "json", False, f"invalid JSON: {str(exc)[:120]}"))
    return found, truncated


def verify_command(host: Any, spec: s.VerifyCommand) -> tuple[int, str]:
    """Run a post-deploy command on the host: exit status and stdout + stderr (first 4000 chars)."""
    result = host.run(spec.command)
    return result.rc, (result.stdout + ("\n" + result.stderr if result.stderr else ""))[:4000]
