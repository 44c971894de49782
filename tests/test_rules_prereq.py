"""Unit tests of the pure prereq rules, the settings' role merge, and the env/version parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from golive.prereq import observations as o
from golive.prereq.facts import parse_env
from golive.rules import prereq as r
from golive.settings import prerequisites as s


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("Docker version 24.0.7, build afdd53b", (24, 0, 7)),
        ("Docker Compose version v2.21.0", (2, 21, 0)),
        ("v20.10.0", (20, 10, 0)),
        ("OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.11 19 Sep 2023", (9, 2)),
        ("psql (PostgreSQL) 15.5 (Debian 15.5-0+deb12u1)", (15, 5)),
        ("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64", (7, 0, 15)),
        ("docker-compose version 1.29.2, build 5becea4c", (1, 29, 2)),
        ("go version go1.21.5 linux/amd64", (1, 21, 5)),
        ("tool 7", (7,)),
        ("no digits here", None),
    ],
)
def test_parse_version(text: str, version: tuple[int, ...] | None) -> None:
    assert r.parse_version(text) == version


def test_version_comparison_pads_missing_parts() -> None:
    assert r.version_at_least((20, 10), (20, 10, 0))
    assert not r.version_at_least((19, 3, 1), (20, 10))
    assert r.version_at_least((2, 21, 0), (2,))


def test_commands_both_ways() -> None:
    wanted = [
        s.Command(name="docker", min_version="20.10"),
        s.Command(name="node", min_version="18"),
        s.Command(name="jq"),
    ]
    good = [
        o.CommandObs("docker", True, "Docker version 24.0.7, build afdd53b"),
        o.CommandObs("node", True, "v20.10.0"),
        o.CommandObs("jq", True),
    ]
    assert r.commands(good, wanted).passed
    bad = [
        o.CommandObs("docker", True, "Docker version 19.03.1"),
        o.CommandObs("node", True, "garbage"),
        o.CommandObs("jq", False),
    ]
    message = r.commands(bad, wanted).message
    assert "docker 19.3.1 is too old" in message and "docker ≥ 20.10" in message
    assert "node: no version in 'garbage'" in message
    assert "command jq not found" in message


def test_mode_within_is_bitwise() -> None:
    assert r._mode_within(0o640, 0o660)
    assert r._mode_within(0o600, 0o600)
    assert not r._mode_within(0o604, 0o640)
    assert not r._mode_within(0o700, 0o600)


def test_secrets_never_look_at_content_and_judge_metadata() -> None:
    spec = [s.SecretFile(path="/s/key", owner="app")]
    good = {"/s/key": o.FileObs("/s/key", True, True, False, "app", "app", 0o600, 32)}
    assert r.secrets(good, spec).passed
    bad = {"/s/key": o.FileObs("/s/key", True, True, False, "root", "root", 0o644, 0)}
    message = r.secrets(bad, spec).message
    assert (
        "is empty" in message and "mode 644" in message and "mode ≤ 600" in message and "owner app" in message
    )


def test_paths_exact_mode_type_and_missing() -> None:
    spec = [s.PathSpec(path="/d", mode="750"), s.PathSpec(path="/f", type="file"), s.PathSpec(path="/m")]
    observed = {
        "/d": o.FileObs("/d", True, False, True, "root", "root", 0o755),
        "/f": o.FileObs("/f", True, False, True, "root", "root", 0o755),
        "/m": o.FileObs("/m", False),
    }
    message = r.paths(observed, spec).message
    assert "mode 755" in message and "mode 750" in message
    assert "/f is a directory" in message
    assert "directory /m missing" in message


def test_env_file_reports_key_names_never_values() -> None:
    spec = s.EnvFile(
        path="/e",
        required=["DB_URL"],
        forbidden={"DEBUG": ["true"]},
        min_length={"KEY": 32},
        production_values={"NODE_ENV": "production"},
    )
    values = {"NODE_ENV": "development", "DEBUG": "true", "KEY": "tiny-secret-value", "TOKEN": "changeme"}
    verdict = r.env_file("/e", values, spec)
    assert not verdict.passed
    for fragment in (
        "DB_URL",
        "DEBUG has a forbidden value",
        "KEY shorter than 32",
        "NODE_ENV is not production",
        "TOKEN",
    ):
        assert fragment in verdict.message
    for value in ("development", "tiny-secret-value", "changeme"):
        assert value not in verdict.message
    good = {"NODE_ENV": "production", "DB_URL": "postgres://x", "KEY": "k" * 32}
    assert r.env_file("/e", good, spec).passed
    assert "missing" in r.env_file("/e", None, spec).message


def test_parse_env_handles_export_quotes_and_comments() -> None:
    text = "# c\nexport A='x y'\nB=\"q\"\nC=plain # trailing\n\nnot a line\nD=\n"
    assert parse_env(text) == {"A": "x y", "B": "q", "C": "plain", "D": ""}


def test_certificates_expiry_key_mode_and_mismatch() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    spec = [s.Certificate(cert="/c", key="/k", min_days=30)]
    key = o.FileObs("/k", True, True, False, "root", "root", 0o600, 200)
    good = o.CertObs("/c", True, now + timedelta(days=90), "PUB", key="/k", key_file=key, key_public="PUB")
    assert r.certificates([good], spec, now).passed
    bad = o.CertObs(
        "/c",
        True,
        now + timedelta(days=3),
        "PUB",
        key="/k",
        key_file=o.FileObs("/k", True, True, False, "root", "root", 0o644, 200),
        key_public="OTHER",
    )
    message = r.certificates([bad], spec, now).message
    assert "expires in 3 days" in message and "≥ 30 days" in message
    assert "mode 644" in message and "does not match certificate /c" in message


def test_ports_forbidden_only_on_non_loopback() -> None:
    wanted = s.Ports(listening=["tcp://0.0.0.0:443"], forbidden_public=[5432, 6379])
    ok = o.PortsObs({"tcp://0.0.0.0:443": True}, [("tcp", "127.0.0.1", 5432), ("tcp", "::1", 6379)])
    assert r.ports(ok, wanted).passed
    bad = o.PortsObs({"tcp://0.0.0.0:443": False}, [("tcp", "0.0.0.0", 6379), ("tcp", "::", 5432)])
    message = r.ports(bad, wanted).message
    assert "nothing listens on tcp://0.0.0.0:443" in message
    assert "tcp://0.0.0.0:6379" in message and "tcp://:::5432" in message


def test_redis_rule_both_ways() -> None:
    wanted = s.Redis(url="redis://x")
    sound = o.RedisObs(
        False,
        {
            "appendonly": "yes",
            "maxmemory": "1000",
            "maxmemory-policy": "allkeys-lru",
            "protected-mode": "yes",
        },
    )
    assert r.redis(sound, wanted).passed
    rdb_only = o.RedisObs(False, {**sound.config, "appendonly": "no", "save": "3600 1"})
    assert r.redis(rdb_only, s.Redis(url="redis://x", appendonly=False)).passed
    assert not r.redis(rdb_only, wanted).passed


def test_postgres_rule_distinguishes_available_from_missing() -> None:
    wanted = s.Postgres(extensions=["vector", "pg_trgm"], min_max_connections=200, indexes=["idx"])
    obs = o.PgObs({"plpgsql"}, {"pg_trgm"}, 100, "md5", set())
    message = r.postgres(obs, wanted).message
    assert "vector missing (not available on the server)" in message
    assert "pg_trgm missing (available, not created)" in message
    assert "max_connections 100" in message and "≥ 200" in message
    assert "password_encryption md5" in message and "scram-sha-256" in message


def test_docker_dns_sysctl_limits() -> None:
    daemon = s.DockerDaemon()
    assert r.docker_daemon("/d", {"log-opts": {"max-size": "10m", "max-file": "3"}}, None, daemon).passed
    assert "log-driver syslog" in r.docker_daemon("/d", {"log-driver": "syslog"}, None, daemon).message
    assert "missing" in r.docker_daemon("/d", None, "missing", daemon).message
    assert r.dns({"a": ["127.0.0.11", "127.0.0.12"]}, [s.DnsName(name="a", addresses=["127.0.0.11"])]).passed
    assert "does not resolve" in r.dns({}, [s.DnsName(name="a")]).message
    assert r.sysctl({"vm.swappiness": 10}, {"vm.swappiness": "10"}).passed
    assert "unreadable" in r.sysctl({"x": None}, {"x": 1}).message


def _limits(source: str, nofile: tuple[float | None, float | None], nproc: tuple[float | None, float | None],
            pid: int | None = None) -> o.LimitsObs:
    return o.LimitsObs(source, o.LimitValue(*nofile), o.LimitValue(*nproc), pid)


def test_limits_soft_and_hard_for_user_and_processes() -> None:
    inf = float("inf")
    wanted = s.Limits(nofile=65536, nproc=65536, hard_nofile=65536, process="node server")
    proc = o.ProcessObs(42, "app", "node server.js")
    sound = [_limits("user app", (65536, 65536), (inf, inf)), _limits("process 42", (65536, 524288), (65536, inf), 42)]
    verdict = r.limits(sound, [proc], wanted)
    assert verdict.passed and "process 42: nofile 65536/524288" in verdict.message
    low = [_limits("process 42 (node server.js)", (1024, 4096), (65536, inf), 42)]
    message = r.limits(low, [proc], wanted).message
    assert "soft nofile limit of process 42 (node server.js) is 1024" in message and "≥ 65536" in message
    assert "hard nofile limit of process 42 (node server.js) is 4096" in message
    assert "no running process matches /node server/" in r.limits([], [], wanted).message
    unreadable = [_limits("user app", (None, None), (None, None))]
    assert "is unreadable" in r.limits(unreadable, [], s.Limits(user="app")).message


def test_recursive_paths_list_the_first_offenders_and_refuse_a_cut_walk() -> None:
    top = {"/d": o.FileObs("/d", True, False, True, "app", "app", 0o750)}
    spec = s.PathSpec(path="/d", owner="app", max_mode="640", glob="*.json", recursive=True)
    entries = tuple(o.EntryObs("f", 0o644 if i % 2 else 0o600, "app", "app", f"/d/s{i}.json") for i in range(14))
    message = r.paths(top, [spec], {"/d": o.TreeObs("/d", entries, False, 100)}).message
    assert "7 of 14 entries below /d matching *.json not mode ≤ 640: s1.json (644)" in message
    assert "and 2 more" in message
    good = tuple(o.EntryObs("f", 0o640, "app", "app", f"/d/s{i}.json") for i in range(3))
    assert r.paths(top, [spec], {"/d": o.TreeObs("/d", good, False, 100)}).passed
    cut = r.paths(top, [spec], {"/d": o.TreeObs("/d", good, True, 3)})
    assert not cut.passed and "stopped at max_entries 3" in cut.message


def test_os_release() -> None:
    allowed = [
        s.OsRequirement(distribution="debian", min_version="11"),
        s.OsRequirement(distribution="ubuntu", min_version="22.04"),
    ]
    assert r.os_release("debian", "12", allowed).passed
    assert r.os_release("ubuntu", "22.04", allowed).passed
    assert "older than ubuntu 22.04" in r.os_release("ubuntu", "20.04", allowed).message
    assert "not an allowed distribution" in r.os_release("centos", "7", allowed).message


def test_roles_override_deep_merges_and_decides_applicability() -> None:
    settings = s.PrerequisitesSettings.model_validate(
        {
            "min_cpus": 2,
            "limits": {"nofile": 1024},
            "roles": {"app": {"min_cpus": 8, "limits": {"user": "app"}, "sysctl": {"vm.swappiness": 10}}},
        }
    )
    app = settings.for_roles(["app"])
    assert app.min_cpus == 8 and app.limits.user == "app" and app.limits.nofile == 1024
    assert app.configured("sysctl") and not settings.for_roles([]).configured("sysctl")
    assert settings.for_roles(["db"]).min_cpus == 2
    assert not settings.configured("redis") and not settings.configured("cron")
    assert s.HostPrerequisites(cron=s.Cron(backup_pattern="b")).configured("cron")
    assert s.HostPrerequisites(cron=s.Cron(jobs=[s.CronJob(command="x")])).configured("cron")
    assert not s.HostPrerequisites(cron=s.Cron()).configured("cron")


def test_unknown_key_and_relative_root_are_refused() -> None:
    with pytest.raises(ValueError, match="min_cpu"):
        s.PrerequisitesSettings.model_validate({"min_cpu": 2})
    with pytest.raises(ValueError, match="absolute"):
        s.PrerequisitesSettings.model_validate({"root": "relative/dir"})


def test_prereq_package_never_imports_the_rules() -> None:
    """One direction: rules import the observation types; the fetchers never import a rule."""
    import ast
    from pathlib import Path

    import golive.prereq

    for module in Path(golive.prereq.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text())
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m.startswith("golive.rules")], module
