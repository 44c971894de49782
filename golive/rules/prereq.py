"""Pure rules for ``prereq.*``: observations (``golive.prereq.observations``) in, ``Verdict`` out.

Every failing part names the item (the mount, the command, the path, the key...), the observed and
the expected value; the check adds the host's name with ``Verdict.about``. Rules over several items
fold them with ``combine`` so one run shows every defect of a host, not only the first. Env-file and
secret rules see values (they must, to judge them) but only ever put key names and modes in words.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from golive.prereq.observations import (
    CertObs,
    CommandObs,
    DataFileObs,
    DependencyObs,
    DiskObs,
    FileObs,
    FirewallObs,
    LimitsObs,
    PgObs,
    PortsObs,
    ProcessObs,
    RedisObs,
    SentinelObs,
    ServiceObs,
    TreeObs,
    UpdatesObs,
    UserObs,
)
from golive.settings import prerequisites as s
from golive.sizes import format_size, parse_size
from golive.verdict import Verdict, combine, fail, ok

_VERSION = re.compile(r"(?<![\d.])v?(\d+(?:\.\d+)+)")
_INT = re.compile(r"(?<![\d.])v?(\d+)\b")


def parse_version(text: str) -> tuple[int, ...] | None:
    """The first dotted version in a ``--version`` output ("Docker version 24.0.7, build afdd53b",
    "Docker Compose version v2.21.0", "v20.10.0", "OpenSSH_9.2p1", "psql (PostgreSQL) 15.5");
    a bare integer only when no dotted one exists."""
    match = _VERSION.search(text) or _INT.search(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def _vtuple(version: str) -> tuple[int, ...]:
    parsed = parse_version(version)
    if parsed is None:
        raise ValueError(f"not a version: {version!r}")
    return parsed


def version_at_least(observed: tuple[int, ...], minimum: tuple[int, ...]) -> bool:
    width = max(len(observed), len(minimum))
    return observed + (0,) * (width - len(observed)) >= minimum + (0,) * (width - len(minimum))


def _num(value: float) -> str:
    """10000000 rather than 1e+07; 0.5 stays 0.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _fmt(version: tuple[int, ...] | None) -> str:
    return ".".join(map(str, version)) if version else "unknown"


# --------------------------------------------------------------------------- resources


def cpu(cores: int, minimum: int) -> Verdict:
    if cores >= minimum:
        return ok("cpu-ok", f"{cores} CPU cores", str(cores), f"≥ {minimum}")
    return fail("cpu-too-few", f"only {cores} CPU cores", str(cores), f"≥ {minimum} cores")


def memory(total_kb: int, min_gb: float) -> Verdict:
    gb = total_kb / 1024 / 1024
    if gb >= min_gb:
        return ok("memory-ok", f"{gb:.1f} GB memory", f"{gb:.1f} GB", f"≥ {_num(min_gb)} GB")
    return fail("memory-too-little", f"memory {gb:.1f} GB", f"{gb:.1f} GB", f"≥ {_num(min_gb)} GB")


def disks(observed: Iterable[DiskObs], wanted: list[s.Disk]) -> Verdict:
    by_mount = {d.mount: d for d in observed}
    parts = []
    for disk in wanted:
        obs = by_mount.get(disk.mount)
        if obs is None or obs.free_bytes is None:
            why = obs.error if obs and obs.error else "not readable"
            parts.append(
                fail(
                    "disk-missing",
                    f"mount {disk.mount}: {why}",
                    "no mount",
                    f"≥ {_num(disk.min_free_gb)} GB free",
                )
            )
            continue
        free = obs.free_bytes / 1024**3
        if free < disk.min_free_gb:
            parts.append(
                fail(
                    "disk-low",
                    f"mount {disk.mount}: {free:.2f} GB free",
                    f"{free:.2f} GB",
                    f"≥ {_num(disk.min_free_gb)} GB free",
                )
            )
        else:
            parts.append(ok("disk-ok", f"{disk.mount} {free:.1f} GB free"))
    return combine("disk", parts, "enough free disk on " + ", ".join(d.mount for d in wanted))


def os_release(distribution: str, release: str | None, allowed: list[s.OsRequirement]) -> Verdict:
    seen = f"{distribution} {release or '?'}"
    wanted = ", ".join(
        f"{r.distribution} ≥ {r.min_version}" if r.min_version else r.distribution for r in allowed
    )
    for req in allowed:
        if req.distribution.lower() != (distribution or "").lower():
            continue
        if req.min_version is None:
            return ok("os-ok", f"OS {seen}", seen, wanted)
        version = parse_version(release or "")
        if version is not None and version_at_least(version, _vtuple(req.min_version)):
            return ok("os-ok", f"OS {seen}", seen, wanted)
        return fail(
            "os-too-old", f"OS {seen} is older than {req.distribution} {req.min_version}", seen, wanted
        )
    return fail("os-not-allowed", f"OS {seen} is not an allowed distribution", seen, wanted)


# --------------------------------------------------------------------------- software


def commands(observed: Iterable[CommandObs], wanted: list[s.Command]) -> Verdict:
    by_name = {c.name: c for c in observed}
    parts = []
    for spec in wanted:
        obs = by_name.get(spec.name)
        expected = f"{spec.name} ≥ {spec.min_version}" if spec.min_version else f"{spec.name} installed"
        if obs is None or not obs.found:
            parts.append(fail("command-missing", f"command {spec.name} not found", "not installed", expected))
            continue
        if spec.min_version is None:
            parts.append(ok("command-ok", f"{spec.name} installed"))
            continue
        version = parse_version(obs.output)
        if version is None:
            first = obs.output.strip().splitlines()[0][:80] if obs.output.strip() else "no output"
            parts.append(
                fail(
                    "command-version-unknown",
                    f"command {spec.name}: no version in {first!r}",
                    "unknown version",
                    expected,
                )
            )
        elif not version_at_least(version, _vtuple(spec.min_version)):
            parts.append(
                fail(
                    "command-too-old",
                    f"command {spec.name} {_fmt(version)} is too old",
                    _fmt(version),
                    expected,
                )
            )
        else:
            parts.append(ok("command-ok", f"{spec.name} {_fmt(version)}"))
    return combine("commands", parts, "required commands present: " + ", ".join(c.name for c in wanted))


def _fmt_limit(value: float | None) -> str:
    if value is None:
        return "unreadable"
    return "unlimited" if value == float("inf") else _num(value)


def limits(observed: list[LimitsObs], processes: list[ProcessObs], wanted: s.Limits) -> Verdict:
    """Soft and hard nofile/nproc of every subject read (a user's login, each matching process)
    at least the minimums; a ``process`` pattern that matches nothing fails (nothing was judged)."""
    parts: list[Verdict] = []
    if wanted.process and not processes:
        parts.append(fail("limits-no-process", f"no running process matches /{wanted.process}/",
                          "no process", "a running process to read the limits of"))
    checks = (("nofile", "soft", wanted.nofile), ("nproc", "soft", wanted.nproc),
              ("nofile", "hard", wanted.hard_nofile), ("nproc", "hard", wanted.hard_nproc))
    seen: list[str] = []
    for obs in observed:
        for name, which, minimum in checks:
            if minimum is None:
                continue
            value = getattr(getattr(obs, name), which)
            if value is None or value < minimum:
                parts.append(fail(f"limit-{name}-{which}", f"{which} {name} limit of {obs.source} is "
                                  f"{_fmt_limit(value)}", _fmt_limit(value), f"≥ {minimum}"))
        seen.append(f"{obs.source}: nofile {_fmt_limit(obs.nofile.soft)}/{_fmt_limit(obs.nofile.hard)}, "
                    f"nproc {_fmt_limit(obs.nproc.soft)}/{_fmt_limit(obs.nproc.hard)}")
    return combine("limits", parts, "limits (soft/hard) as required: " + "; ".join(seen))


def _norm(value: object) -> str:
    return " ".join(str(value).split())


def sysctl(observed: dict[str, object | None], wanted: dict[str, str | int]) -> Verdict:
    parts = []
    for key, expected in wanted.items():
        seen = observed.get(key)
        if seen is None:
            parts.append(fail("sysctl-missing", f"sysctl {key} unreadable", "unreadable", _norm(expected)))
        elif _norm(seen) != _norm(expected):
            parts.append(fail("sysctl-wrong", f"sysctl {key} = {_norm(seen)}", _norm(seen), _norm(expected)))
        else:
            parts.append(ok("sysctl-ok", f"{key} = {_norm(seen)}"))
    return combine("sysctl", parts, "sysctl keys as required: " + ", ".join(wanted))


# --------------------------------------------------------------------------- files


def _mode_within(mode: int, maximum: int) -> bool:
    """No permission bit beyond ``maximum`` (640 is within 660; 604 is not within 640)."""
    return mode & ~maximum & 0o7777 == 0


def _ownership(obs: FileObs, owner: str | None, group: str | None, label: str) -> list[Verdict]:
    parts = []
    if owner and obs.user != owner:
        parts.append(
            fail(
                "owner-wrong",
                f"{label} {obs.path} owned by {obs.user}",
                f"owner {obs.user}",
                f"owner {owner}",
            )
        )
    if group and obs.group != group:
        parts.append(
            fail(
                "group-wrong", f"{label} {obs.path} group {obs.group}", f"group {obs.group}", f"group {group}"
            )
        )
    return parts


def _entry_parts(spec: s.PathSpec, tree: TreeObs) -> list[Verdict]:
    """Owner, group and mode of every entry below a directory; offenders listed (the first few)."""
    wrong: dict[str, list[str]] = {"owner": [], "group": [], "mode": [], "max_mode": []}
    prefix = tree.root.rstrip("/") + "/"
    for entry in tree.entries:
        if entry.kind == "l":
            continue  # a link's own mode means nothing; its target is judged where it lives
        name = entry.path.removeprefix(prefix)
        if spec.owner and entry.user != spec.owner:
            wrong["owner"].append(f"{name} ({entry.user})")
        if spec.group and entry.group != spec.group:
            wrong["group"].append(f"{name} ({entry.group})")
        if spec.mode and entry.mode & 0o7777 != int(spec.mode, 8):
            wrong["mode"].append(f"{name} ({entry.mode & 0o7777:o})")
        if spec.max_mode and not _mode_within(entry.mode, int(spec.max_mode, 8)):
            wrong["max_mode"].append(f"{name} ({entry.mode & 0o7777:o})")
    scope = f"{len(tree.entries)} entr{'y' if len(tree.entries) == 1 else 'ies'} below {tree.root}" + (
        f" matching {spec.glob}" if spec.glob else "")
    wants = {"owner": f"owner {spec.owner}", "group": f"group {spec.group}", "mode": f"mode {spec.mode}",
             "max_mode": f"mode ≤ {spec.max_mode}"}
    parts: list[Verdict] = []
    for key, offenders in wrong.items():
        if offenders:
            shown = ", ".join(offenders[:5]) + (f" and {len(offenders) - 5} more" if len(offenders) > 5 else "")
            parts.append(fail(f"tree-{key}", f"{len(offenders)} of {scope} not {wants[key]}: {shown}",
                              None, wants[key]))
    if tree.error:
        parts.append(fail("tree-unreadable", f"cannot walk {tree.root}: {tree.error}", "unreadable", "a readable tree"))
    elif tree.truncated and not parts:
        parts.append(fail("tree-truncated", f"walk of {tree.root} stopped at max_entries {tree.cap} before the "
                          "end: not every entry was judged", f"> {tree.cap} entries",
                          "max_entries above the number of entries"))
    return parts


def paths(observed: dict[str, FileObs], wanted: list[s.PathSpec], trees: dict[str, TreeObs] | None = None) -> Verdict:
    """Each path exists with its type, owner, group and mode; with ``recursive``/``glob`` every entry
    below it (``trees``, by the spec's path) is judged too."""
    trees = trees or {}
    parts: list[Verdict] = []
    judged = 0
    for spec in wanted:
        obs = observed[spec.path]
        if not obs.exists:
            parts.append(
                fail("path-missing", f"{spec.type} {obs.path} missing", "missing", f"{spec.type} exists")
            )
            continue
        is_type = obs.is_directory if spec.type == "directory" else obs.is_file
        if not is_type:
            kind = "directory" if obs.is_directory else "file" if obs.is_file else "other"
            parts.append(fail("path-type", f"{obs.path} is a {kind}", kind, spec.type))
            continue
        parts += _ownership(obs, spec.owner, spec.group, spec.type)
        mode = obs.mode or 0
        if spec.mode and not spec.glob and mode != int(spec.mode, 8):
            parts.append(
                fail(
                    "mode-wrong",
                    f"{spec.type} {obs.path} mode {mode:o}",
                    f"mode {mode:o}",
                    f"mode {spec.mode}",
                )
            )
        if spec.max_mode and not spec.glob and not _mode_within(mode, int(spec.max_mode, 8)):
            parts.append(
                fail(
                    "mode-too-open",
                    f"{spec.type} {obs.path} mode {mode:o}",
                    f"mode {mode:o}",
                    f"mode ≤ {spec.max_mode}",
                )
            )
        judged += 1
        if spec.path in trees:
            parts += _entry_parts(spec, trees[spec.path])
            judged += len(trees[spec.path].entries)
    return combine("paths", parts, f"{len(wanted)} path(s) as required ({judged} entries judged)")


def secrets(observed: dict[str, FileObs], wanted: list[s.SecretFile]) -> Verdict:
    parts: list[Verdict] = []
    for spec in wanted:
        obs = observed[spec.path]
        if not obs.exists or not obs.is_file:
            parts.append(fail("secret-missing", f"secret {obs.path} missing", "missing", "a non-empty file"))
            continue
        if not obs.size:
            parts.append(fail("secret-empty", f"secret {obs.path} is empty", "0 bytes", "a non-empty file"))
        mode = obs.mode or 0
        if not _mode_within(mode, int(spec.max_mode, 8)):
            parts.append(
                fail(
                    "secret-mode",
                    f"secret {obs.path} mode {mode:o}",
                    f"mode {mode:o}",
                    f"mode ≤ {spec.max_mode}",
                )
            )
        parts += _ownership(obs, spec.owner, spec.group, "secret")
    return combine("secrets", parts, f"{len(wanted)} secret file(s) present, non-empty and private")


def certificates(
    observed: list[CertObs], wanted: list[s.Certificate], now: datetime | None = None
) -> Verdict:
    now = now or datetime.now(UTC)
    parts: list[Verdict] = []
    for obs, spec in zip(observed, wanted, strict=True):
        if not obs.cert_exists:
            parts.append(
                fail("cert-missing", f"certificate {obs.cert} missing", "missing", "a PEM certificate")
            )
            continue
        if obs.not_after is None:
            parts.append(
                fail(
                    "cert-unreadable",
                    f"certificate {obs.cert} unreadable: {obs.error}",
                    "unreadable",
                    "a PEM certificate",
                )
            )
            continue
        days = (obs.not_after - now).total_seconds() / 86400
        if days < spec.min_days:
            state = "expired" if days < 0 else f"expires in {days:.0f} days"
            parts.append(
                fail(
                    "cert-expiring",
                    f"certificate {obs.cert} {state} ({obs.not_after:%Y-%m-%d})",
                    f"{days:.0f} days left",
                    f"≥ {spec.min_days} days",
                )
            )
        if spec.key is None:
            continue
        key = obs.key_file
        if key is None or not key.exists:
            parts.append(
                fail("key-missing", f"key {obs.key} missing", "missing", "the certificate's private key")
            )
            continue
        mode = key.mode or 0
        if not _mode_within(mode, int(spec.key_max_mode, 8)):
            parts.append(
                fail(
                    "key-mode",
                    f"key {obs.key} mode {mode:o}",
                    f"mode {mode:o}",
                    f"mode ≤ {spec.key_max_mode}",
                )
            )
        if obs.key_public is None:
            parts.append(
                fail(
                    "key-unreadable",
                    f"key {obs.key} unreadable: {obs.key_error}",
                    "unreadable",
                    "a private key matching the certificate",
                )
            )
        elif obs.key_public != obs.cert_public:
            parts.append(
                fail(
                    "key-mismatch",
                    f"key {obs.key} does not match certificate {obs.cert}",
                    "a different key pair",
                    "the certificate's private key",
                )
            )
    return combine("certificates", parts, f"{len(wanted)} certificate(s) valid with matching private keys")


def _placeholder(value: str, patterns: list[str]) -> bool:
    lowered = value.strip().lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def env_file(path: str, values: dict[str, str] | None, spec: s.EnvFile) -> Verdict:
    """Keys only in words: a value never appears in the reason, observed or expected.

    One sentence per file (findings grouped by kind) keeps the message short enough for the
    sign-off even when the path is long.
    """
    if values is None:
        return fail("env-missing", f"env file {path} missing", "missing", "an env file")
    found: list[str] = []
    wants: list[str] = []
    missing = [k for k in spec.required if not values.get(k, "").strip()]
    if missing:
        found.append("missing or empty " + ", ".join(missing))
        wants.append("required keys set")
    forbidden = [
        k
        for k, bad in spec.forbidden.items()
        if k in values and (not bad or values[k].strip().lower() in {b.lower() for b in bad})
    ]
    if forbidden:
        found.append(", ".join(f"{k} has a forbidden value" for k in forbidden))
        wants.append("no forbidden values")
    short = [(k, n) for k, n in spec.min_length.items() if k in values and len(values[k].strip()) < n]
    if short:
        found.append(
            ", ".join(f"{k} shorter than {n} characters ({len(values[k].strip())})" for k, n in short)
        )
        wants.append(", ".join(f"{k} ≥ {n} characters" for k, n in short))
    wrong = [(k, v) for k, v in spec.production_values.items() if values.get(k, "").strip() != v]
    if wrong:
        found.append(", ".join(f"{k} is not {v}" for k, v in wrong))
        wants.append(", ".join(f"{k}={v}" for k, v in wrong))
    placeholders = sorted(
        k
        for k, v in values.items()
        if k not in spec.production_values and v.strip() and _placeholder(v, spec.placeholder_values)
    )
    if placeholders:
        found.append("placeholder values in " + ", ".join(placeholders))
        wants.append("real production values")
    if found:
        return fail(
            "env-file",
            f"env file {path}: " + "; ".join(found),
            None,
            "; ".join(wants),
            score=-10 * len(found),
        )
    return ok("env-file", f"env file {path}: {len(values)} keys as required")


# --------------------------------------------------------------------------- runtime


def services(observed: list[ServiceObs], wanted: list[s.Service]) -> Verdict:
    parts = []
    for obs, spec in zip(observed, wanted, strict=True):
        if spec.running and not obs.running:
            parts.append(fail("service-down", f"service {spec.name} not running", "not running", "running"))
        if spec.enabled and not obs.enabled:
            parts.append(
                fail("service-disabled", f"service {spec.name} not enabled at boot", "not enabled", "enabled")
            )
    return combine("services", parts, "services running and enabled: " + ", ".join(x.name for x in wanted))


_LOOPBACK = ("127.", "::1", "localhost")


def ports(observed: PortsObs, wanted: s.Ports) -> Verdict:
    parts = []
    for spec, present in observed.listening.items():
        if not present:
            parts.append(
                fail("port-not-listening", f"nothing listens on {spec}", "not listening", "listening")
            )
    forbidden = set(wanted.forbidden_public)
    public = sorted(
        {
            f"{proto}://{addr}:{port}"
            for proto, addr, port in observed.listeners
            if port in forbidden and not addr.startswith(_LOOPBACK)
        }
    )
    if public:
        parts.append(
            fail(
                "port-public",
                "forbidden port(s) listening on a non-loopback address: " + ", ".join(public),
                ", ".join(public),
                "bound to loopback/private only (forbidden public: "
                + ", ".join(map(str, sorted(forbidden)))
                + ")",
            )
        )
    return combine("ports", parts, "listeners as required")


def dns(observed: dict[str, list[str]], wanted: list[s.DnsName]) -> Verdict:
    parts = []
    for spec in wanted:
        seen = sorted(set(observed.get(spec.name, [])))
        if not seen:
            parts.append(
                fail(
                    "dns-unresolved",
                    f"{spec.name} does not resolve",
                    "no address",
                    ", ".join(spec.addresses) or "an address",
                )
            )
        elif spec.addresses and not set(spec.addresses) <= set(seen):
            parts.append(
                fail(
                    "dns-wrong",
                    f"{spec.name} resolves to {', '.join(seen)}",
                    ", ".join(seen),
                    ", ".join(spec.addresses),
                )
            )
    return combine("dns", parts, "names resolve: " + ", ".join(x.name for x in wanted))


def docker_daemon(path: str, config: dict | None, error: str | None, wanted: s.DockerDaemon,
                  networks: list[str] | None = None) -> Verdict:
    """daemon.json rotates container logs with bounded values (log-opts max-size ≤ ``max_log_size``,
    max-file ≤ ``max_log_files``), sets the storage driver asked for, and the engine has the
    networks named (``networks``: what ``<engine> network ls`` listed, None when not read)."""
    if config is None:
        return fail(
            "docker-daemon-missing",
            f"{path} {error or 'missing'}",
            error or "missing",
            "log-opts " + ", ".join(wanted.require),
        )
    parts: list[Verdict] = []
    driver = config.get("log-driver", "json-file")
    if driver not in wanted.log_drivers:
        parts.append(fail("docker-log-driver", f"{path}: log-driver {driver}", driver,
                          " or ".join(wanted.log_drivers)))
    opts = config.get("log-opts") or {}
    missing = [k for k in wanted.require if k not in opts]
    if missing:
        parts.append(fail(
            "docker-log-rotation",
            f"{path}: log-opts without " + ", ".join(missing),
            "log-opts " + (", ".join(sorted(opts)) or "none"),
            "log-opts " + ", ".join(wanted.require),
        ))
    if "max-size" in opts and wanted.max_log_size is not None:
        try:
            size = parse_size(str(opts["max-size"]))
        except ValueError:
            size = None
        if size is None or size <= 0:
            parts.append(fail("docker-log-size", f"{path}: log-opts max-size {opts['max-size']!r} is not a size",
                              str(opts["max-size"]), f"a size ≤ {format_size(wanted.max_log_size)}"))
        elif size > wanted.max_log_size:
            parts.append(fail("docker-log-size", f"{path}: log-opts max-size {opts['max-size']}",
                              format_size(size), f"≤ {format_size(wanted.max_log_size)}"))
    if "max-file" in opts and wanted.max_log_files is not None:
        files = str(opts["max-file"])
        if not files.isdigit() or int(files) < 1:
            parts.append(fail("docker-log-files", f"{path}: log-opts max-file {files!r} is not a count", files,
                              f"1..{wanted.max_log_files}"))
        elif int(files) > wanted.max_log_files:
            parts.append(fail("docker-log-files", f"{path}: log-opts max-file {files}", files,
                              f"≤ {wanted.max_log_files}"))
    storage = config.get("storage-driver")
    if wanted.storage_driver and storage != wanted.storage_driver:
        parts.append(fail("docker-storage-driver", f"{path}: storage-driver {storage or 'unset'}",
                          str(storage or "unset"), wanted.storage_driver))
    if wanted.networks:
        absent = [n for n in wanted.networks if n not in (networks or [])]
        if absent:
            parts.append(fail("docker-network-missing", f"{wanted.engine} network(s) missing: {', '.join(absent)} "
                              f"(has: {', '.join(networks or []) or 'none'})", None,
                              f"networks {', '.join(wanted.networks)} (docker network create NAME)"))
    shown = ", ".join(f"{k}={opts[k]}" for k in wanted.require if k in opts)
    extra = f"; storage-driver {storage}" if storage else ""
    nets = f"; networks {', '.join(wanted.networks)}" if wanted.networks else ""
    return combine("docker_daemon", parts, f"{path}: {driver} with {shown}{extra}{nets}")


def firewall(observed: FirewallObs) -> Verdict:
    if observed.active:
        return ok("firewall-active", f"firewall active ({observed.tool}: {observed.detail})")
    return fail(
        "firewall-inactive",
        f"no active firewall ({observed.tool}: {observed.detail})",
        observed.detail,
        "ufw active, or an nftables/iptables input policy that drops",
    )


def redis(observed: RedisObs, wanted: s.Redis) -> Verdict:
    cfg = observed.config
    parts = []
    if wanted.requirepass and observed.anonymous_allowed:
        parts.append(
            fail(
                "redis-no-auth",
                "redis accepts commands without a password",
                "no requirepass",
                "requirepass set",
            )
        )
    if wanted.appendonly and cfg.get("appendonly") != "yes":
        parts.append(
            fail(
                "redis-no-aof",
                f"redis appendonly {cfg.get('appendonly', '?')}",
                f"appendonly {cfg.get('appendonly', '?')}",
                "appendonly yes",
            )
        )
    if not wanted.appendonly and cfg.get("appendonly") != "yes" and not cfg.get("save", "").strip():
        parts.append(
            fail(
                "redis-no-persistence",
                "redis has neither AOF nor save rules",
                "appendonly no, save ''",
                "appendonly yes or save rules",
            )
        )
    policy = cfg.get("maxmemory-policy", "?")
    if wanted.maxmemory_policy and policy not in wanted.maxmemory_policy:
        parts.append(
            fail(
                "redis-policy",
                f"redis maxmemory-policy {policy}",
                policy,
                " or ".join(wanted.maxmemory_policy),
            )
        )
    if wanted.require_maxmemory and cfg.get("maxmemory", "0") in ("0", ""):
        parts.append(
            fail(
                "redis-no-maxmemory", "redis maxmemory unset (0 = unbounded)", "maxmemory 0", "maxmemory > 0"
            )
        )
    if wanted.protected_mode and cfg.get("protected-mode") != "yes":
        parts.append(
            fail(
                "redis-unprotected",
                f"redis protected-mode {cfg.get('protected-mode', '?')}",
                f"protected-mode {cfg.get('protected-mode', '?')}",
                "protected-mode yes",
            )
        )
    parts += _redis_memory(cfg, wanted) + _redis_version_tls(observed, wanted)
    if wanted.acl is not None:
        parts += _redis_acl(observed.acl_users or {}, wanted.acl)
    if wanted.sentinel is not None:
        parts += _redis_sentinels(observed.sentinels, wanted.sentinel)
    raw = cfg.get("maxmemory", "?")
    memory = format_size(int(raw)) if raw.isdigit() and raw != "0" else raw
    seen = [f"version {observed.version or '?'}", "TLS" if observed.tls else "no TLS",
            f"appendonly {cfg.get('appendonly', '?')}", f"maxmemory {memory} ({cfg.get('maxmemory-policy', '?')})"]
    if observed.sentinels:
        seen.append(f"{len(observed.sentinels)} sentinel(s) with quorum")
    return combine("redis", parts, "redis as required: " + ", ".join(seen))


def _redis_memory(cfg: dict[str, str], wanted: s.Redis) -> list[Verdict]:
    raw = cfg.get("maxmemory", "0")
    size = int(raw) if raw.isdigit() else None
    parts = []
    if wanted.maxmemory_min is not None and (size is None or size < wanted.maxmemory_min):
        parts.append(fail("redis-maxmemory-small", f"redis maxmemory {format_size(size or 0)}",
                          format_size(size or 0), f"≥ {format_size(wanted.maxmemory_min)}"))
    if wanted.maxmemory_max is not None and (size is None or size == 0 or size > wanted.maxmemory_max):
        shown = "unbounded" if not size else format_size(size)
        parts.append(fail("redis-maxmemory-large", f"redis maxmemory {shown}", shown,
                          f"≤ {format_size(wanted.maxmemory_max)}"))
    return parts


def _redis_version_tls(observed: RedisObs, wanted: s.Redis) -> list[Verdict]:
    parts = []
    if wanted.min_version:
        version = parse_version(observed.version or "")
        if version is None or not version_at_least(version, _vtuple(wanted.min_version)):
            parts.append(fail("redis-version", f"redis version {observed.version or 'unknown'}",
                              observed.version or "unknown", f"≥ {wanted.min_version}"))
    if wanted.require_tls and not observed.tls:
        parts.append(fail("redis-no-tls", "redis reached without TLS (redis:// URL)", "plain TCP",
                          "TLS (rediss:// URL, tls-port on the server)"))
    return parts


def _redis_acl(users: dict[str, tuple[str, ...]], wanted: s.RedisAcl) -> list[Verdict]:
    """Required users exist and are on; the ``default`` user is off or has a password."""
    parts = []
    for name in wanted.users:
        flags = users.get(name)
        if flags is None:
            parts.append(fail("redis-acl-user-missing", f"redis ACL user {name} missing",
                              ", ".join(sorted(users)) or "no users", f"user {name} on"))
        elif "on" not in flags:
            parts.append(fail("redis-acl-user-off", f"redis ACL user {name} is off", "off", "on"))
    default = users.get("default", ())
    if "on" in default and (wanted.default_user == "off" or "nopass" in default):
        state = "on without password (nopass)" if "nopass" in default else "on"
        expected = "off" if wanted.default_user == "off" else "off, or on with a password"
        parts.append(fail("redis-acl-default", f"redis ACL default user {state}", state, expected))
    return parts


def _redis_sentinels(sentinels: tuple[SentinelObs, ...], wanted: s.RedisSentinel) -> list[Verdict]:
    parts = []
    for obs in sentinels:
        if obs.error or not obs.master_known:
            parts.append(fail("redis-sentinel-master", f"sentinel {obs.url} does not know master "
                              f"{wanted.master}: {obs.error or 'unknown master'}", obs.error or "unknown",
                              f"master {wanted.master} monitored"))
            continue
        down = [f for f in ("s_down", "o_down") if f in obs.flags.split(",")]
        if down:
            parts.append(fail("redis-sentinel-down", f"sentinel {obs.url} sees master {wanted.master} "
                              f"{'/'.join(down)}", obs.flags, "master up"))
        if not obs.ckquorum_ok:
            parts.append(fail("redis-sentinel-quorum", f"sentinel {obs.url}: CKQUORUM {obs.ckquorum}",
                              obs.ckquorum, "OK (enough sentinels to fail over)"))
        if wanted.min_sentinels and (obs.sentinels or 0) < wanted.min_sentinels:
            parts.append(fail("redis-sentinel-count", f"sentinel {obs.url} knows {obs.sentinels} sentinel(s) "
                              f"for {wanted.master}", str(obs.sentinels), f"≥ {wanted.min_sentinels}"))
    return parts


def postgres(observed: PgObs, wanted: s.Postgres) -> Verdict:
    parts = []
    for ext in wanted.extensions:
        if ext not in observed.installed:
            hint = "available, not created" if ext in observed.available else "not available on the server"
            parts.append(
                fail(
                    "pg-extension", f"extension {ext} missing ({hint})", "missing", f"CREATE EXTENSION {ext}"
                )
            )
    if wanted.min_max_connections and observed.max_connections < wanted.min_max_connections:
        parts.append(
            fail(
                "pg-max-connections",
                f"max_connections {observed.max_connections}",
                str(observed.max_connections),
                f"≥ {wanted.min_max_connections}",
            )
        )
    if wanted.password_encryption and observed.password_encryption != wanted.password_encryption:
        parts.append(
            fail(
                "pg-password-encryption",
                f"password_encryption {observed.password_encryption}",
                observed.password_encryption,
                wanted.password_encryption,
            )
        )
    missing = [i for i in wanted.indexes if i not in observed.indexes]
    if missing:
        parts.append(fail("pg-index", "index(es) missing: " + ", ".join(missing), "missing", "present"))
    return combine("postgres", parts, "database extensions and settings as required")


# --------------------------------------------------------------------------- accounts, updates, reach


def service_user(user: UserObs, processes: list[ProcessObs], wanted: s.ServiceUser) -> Verdict:
    """The account exists, is not root, has no login shell; every matching process runs as it."""
    if not user.exists:
        return fail("service-user-missing", f"user {wanted.name} does not exist", "no such user",
                    f"a dedicated user {wanted.name}")
    parts = []
    if user.uid == 0:
        parts.append(fail("service-user-root", f"user {wanted.name} has uid 0 (root)", "uid 0", "uid ≠ 0"))
    if not wanted.login_shell_allowed and user.shell not in wanted.nologin_shells:
        parts.append(fail("service-user-shell", f"user {wanted.name} has the login shell {user.shell}",
                          str(user.shell), " or ".join(wanted.nologin_shells)))
    if wanted.process:
        if not processes:
            parts.append(fail("service-user-no-process", f"no running process matches /{wanted.process}/",
                              "no process", f"processes running as {wanted.name}"))
        others = [p for p in processes if p.user != wanted.name]
        if others:
            shown = ", ".join(f"{p.pid} as {p.user}" for p in others[:5])
            parts.append(fail("service-user-process", f"{len(others)} of {len(processes)} process(es) matching "
                              f"/{wanted.process}/ not run by {wanted.name}: {shown}",
                              ", ".join(sorted({p.user for p in others})), wanted.name))
    running = f", {len(processes)} process(es) running as it" if wanted.process else ""
    return combine("service_user", parts, f"user {wanted.name} (uid {user.uid}, shell {user.shell}){running}")


def security_updates(observed: UpdatesObs, wanted: s.SecurityUpdates) -> Verdict:
    """No pending security update (outside ``allow``), no pending reboot; stale or unreadable
    package data fails: silence is not "up to date"."""
    if observed.error:
        return fail("updates-unknown", f"cannot tell pending security updates ({observed.manager}): "
                    f"{observed.error}", "unknown", "the package manager's list of pending updates")
    parts = []
    if observed.lists_age_s is not None and observed.lists_age_s > wanted.max_list_age:
        days = observed.lists_age_s / 86400
        parts.append(fail("updates-stale-lists", f"{observed.manager} package lists are {days:.0f} days old: "
                          "pending updates cannot be judged", f"{days:.0f} days",
                          f"lists refreshed within {wanted.max_list_age / 86400:g} days (apt-get update)"))
    pending = [p for p in observed.pending if p.split()[0] not in wanted.allow]
    if pending:
        shown = ", ".join(pending[:8]) + (f" and {len(pending) - 8} more" if len(pending) > 8 else "")
        parts.append(fail("updates-pending", f"{len(pending)} security update(s) pending ({observed.manager}): "
                          f"{shown}", f"{len(pending)} pending", "none pending"))
    if wanted.reboot_required_fails and observed.reboot_required:
        why = f" ({observed.detail})" if observed.detail and "update" not in observed.detail else ""
        parts.append(fail("reboot-required", f"a reboot is pending{why}", "reboot required",
                          "no pending reboot (updated kernel/libraries in use)"))
    allowed = len(observed.pending) - len(pending)
    note = f"; {allowed} allowed" if allowed else ""
    return combine("security_updates", parts, f"no pending security update ({observed.manager}{note}), "
                   f"no pending reboot")


def connectivity(observed: list[DependencyObs]) -> Verdict:
    parts = []
    for dep in observed:
        where = f"{dep.name} ({dep.host}:{dep.port})" if dep.name != dep.host else f"{dep.host}:{dep.port}"
        if not dep.addresses:
            parts.append(fail("dependency-unresolved", f"{where} does not resolve on the host", "no address",
                              "an address"))
        elif not dep.reachable:
            parts.append(fail("dependency-unreachable", f"{where} (→ {', '.join(dep.addresses[:3])}) does not "
                              "accept a TCP connection from the host", "no connection",
                              "a TCP connect within the dependency's timeout"))
    return combine("connectivity", parts, "reaches " + ", ".join(f"{d.host}:{d.port}" for d in observed))


def data_integrity(observed: list[DataFileObs], truncated: list[str]) -> Verdict:
    parts = [fail("data-corrupt", f"{o.kind} {o.path}: {o.detail[:100]}", None,
                  "integrity_check ok" if o.kind == "sqlite" else "a file that parses as JSON")
             for o in observed if not o.ok]
    if not observed:
        parts.append(fail("data-none", "no data file matched the configured paths", "no file", "data files"))
    if truncated and not parts:
        parts.append(fail("data-truncated", "more files than max_files under " + ", ".join(truncated)
                          + ": not every file was checked", "cut short", "max_files above the number of files"))
    return combine("data_integrity", parts, f"{len(observed)} data file(s) pass their integrity check")


def verify_commands(results: list[tuple[s.VerifyCommand, int, str]]) -> Verdict:
    """Each command exits as expected and prints what the pattern asks."""
    parts = []
    for spec, code, output in results:
        first = (output.strip().splitlines() or ["no output"])[0][:120]
        if code != spec.exit_code:
            parts.append(fail("cli-exit", f"`{spec.command}` exited {code}: {first}", f"exit {code}",
                              f"exit {spec.exit_code}"))
        elif spec.output and not re.search(spec.output, output):
            parts.append(fail("cli-output", f"`{spec.command}` printed {first!r}", first, f"output matching "
                              f"/{spec.output}/"))
    return combine("cli", parts, "commands ran as expected: " + ", ".join(f"`{r[0].command}`" for r in results))
