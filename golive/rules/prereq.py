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
    DiskObs,
    FileObs,
    FirewallObs,
    PgObs,
    PortsObs,
    RedisObs,
    ServiceObs,
)
from golive.settings import prerequisites as s
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


def _limit_value(text: str) -> float | None:
    text = text.strip()
    if text == "unlimited":
        return float("inf")
    return float(text) if text.isdigit() else None


def limits(nofile: str, nproc: str, wanted: s.Limits) -> Verdict:
    who = f"user {wanted.user}" if wanted.user else "the connection's user"
    parts = []
    for name, seen, minimum in (("nofile", nofile, wanted.nofile), ("nproc", nproc, wanted.nproc)):
        if minimum is None:
            continue
        value = _limit_value(seen)
        if value is None or value < minimum:
            parts.append(
                fail(
                    f"limit-{name}",
                    f"{name} limit of {who} is {seen.strip() or 'unknown'}",
                    seen.strip() or "unknown",
                    f"≥ {minimum}",
                )
            )
        else:
            parts.append(ok(f"limit-{name}", f"{name} {seen.strip()}"))
    return combine("limits", parts, f"limits of {who}: nofile {nofile.strip()}, nproc {nproc.strip()}")


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


def paths(observed: dict[str, FileObs], wanted: list[s.PathSpec]) -> Verdict:
    parts: list[Verdict] = []
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
        if spec.mode and mode != int(spec.mode, 8):
            parts.append(
                fail(
                    "mode-wrong",
                    f"{spec.type} {obs.path} mode {mode:o}",
                    f"mode {mode:o}",
                    f"mode {spec.mode}",
                )
            )
        if spec.max_mode and not _mode_within(mode, int(spec.max_mode, 8)):
            parts.append(
                fail(
                    "mode-too-open",
                    f"{spec.type} {obs.path} mode {mode:o}",
                    f"mode {mode:o}",
                    f"mode ≤ {spec.max_mode}",
                )
            )
    return combine("paths", parts, f"{len(wanted)} path(s) as required")


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


def cron(jobs: list[tuple[str, str]], wanted: s.Cron) -> Verdict:
    """``jobs``: (source, line) of every active crontab line and systemd timer/unit command."""
    parts = []
    for label, pattern in (
        ("backup", wanted.backup_pattern),
        ("certificate renewal", wanted.cert_renewal_pattern),
    ):
        if not pattern:
            continue
        regex = re.compile(pattern)
        if not any(regex.search(line) for _, line in jobs):
            sources = sorted({src for src, _ in jobs})
            parts.append(
                fail(
                    "cron-missing",
                    f"no scheduled {label} job matching /{pattern}/ "
                    f"({len(jobs)} job(s) in {', '.join(sources) or 'no crontab'})",
                    f"{len(jobs)} job(s), none matching",
                    f"a job matching /{pattern}/",
                )
            )
    return combine("cron", parts, "backup and certificate renewal scheduled")


def logrotate(patterns: list[str], wanted: list[str]) -> Verdict:
    """``patterns``: the path globs of every logrotate stanza."""
    uncovered = [p for p in wanted if not any(fnmatch.fnmatchcase(p, g) or p == g for g in patterns)]
    if uncovered:
        return fail(
            "logrotate-uncovered",
            "log file(s) not covered by logrotate: " + ", ".join(uncovered),
            f"{len(patterns)} stanza path(s), none covering them",
            "a logrotate stanza per log",
        )
    return ok("logrotate-ok", "logs covered by logrotate: " + ", ".join(wanted))


def docker_daemon(path: str, config: dict | None, error: str | None, wanted: s.DockerDaemon) -> Verdict:
    if config is None:
        return fail(
            "docker-daemon-missing",
            f"{path} {error or 'missing'}",
            error or "missing",
            "log-opts " + ", ".join(wanted.require),
        )
    driver = config.get("log-driver", "json-file")
    if driver not in wanted.log_drivers:
        return fail(
            "docker-log-driver", f"{path}: log-driver {driver}", driver, " or ".join(wanted.log_drivers)
        )
    opts = config.get("log-opts") or {}
    missing = [k for k in wanted.require if k not in opts]
    if missing:
        return fail(
            "docker-log-rotation",
            f"{path}: log-opts without " + ", ".join(missing),
            "log-opts " + (", ".join(sorted(opts)) or "none"),
            "log-opts " + ", ".join(wanted.require),
        )
    return ok(
        "docker-daemon-ok", f"{path}: {driver} with " + ", ".join(f"{k}={opts[k]}" for k in wanted.require)
    )


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
    return combine("redis", parts, "redis persistence, auth, memory policy and protected mode as required")


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
