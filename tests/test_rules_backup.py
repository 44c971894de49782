"""Unit tests of the restore drill's pure parts: rules, format detection, DSN safety, settings."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from golive.backup import binaries, conn, scratch
from golive.backup.formats import detect
from golive.backup.integrity import read_backup
from golive.backup.model import (
    BackupFile,
    DumpInfo,
    IntegrityObservation,
    Located,
    RestoreObservation,
    Snapshot,
)
from golive.rules import backup as rules
from golive.settings.backup import Backup

NOW = 1_800_000_000.0
DAY = 86400.0


def _located(*ages_days: float, location: str = "/var/backups/db") -> Located:
    files = tuple(BackupFile(f"{location}/db-{i}.dump", NOW - age * DAY, 100)
                  for i, age in enumerate(ages_days))
    return Located(location, tuple(sorted(files, key=lambda f: f.mtime, reverse=True)))


def _snapshot(**over: object) -> Snapshot:
    base: dict[str, object] = {
        "tables": {"public.orders": 300000, "public.audit_log": 5000, "sales.refunds": 12},
        "sequences": {"public.orders_id_seq": 300000, "public.invoice_seq": None},
        "indexes": frozenset({"public.orders.orders_pkey", "public.orders.orders_customer_idx"}),
        "extensions": {"pg_trgm": "1.6"},
        "invariants": {"SELECT sum(total) FROM orders": "123.45"},
    }
    base.update(over)
    return Snapshot(**base)  # type: ignore[arg-type]


# ------------------------------------------------------------------ fresh


def test_fresh_passes_for_a_recent_backup() -> None:
    verdict = rules.fresh("main", _located(0.5), NOW, DAY)
    assert verdict.passed, verdict.message


def test_fresh_fails_for_a_stale_backup_with_age_and_limit() -> None:
    verdict = rules.fresh("main", _located(3, 4), NOW, DAY)
    assert not verdict.passed
    assert verdict.message.startswith("main: newest backup db-0.dump is 3d old")
    assert "at most 24h" in verdict.message


def test_fresh_fails_without_backups_and_on_listing_errors() -> None:
    assert "main: no backup found at /var/backups/db" in rules.fresh("main", _located(), NOW, DAY).message
    broken = Located("/x", (), "cannot list /x on db1: connection refused")
    verdict = rules.fresh("main", broken, NOW, DAY)
    assert not verdict.passed and "connection refused" in verdict.message


# ------------------------------------------------------------------ integrity / restore


def test_integrity_verdicts() -> None:
    good = IntegrityObservation("/b/x.dump", 10, DumpInfo("custom"), True, "custom archive, 5 blocks")
    assert rules.integrity("main", good).passed
    empty = IntegrityObservation("/b/x.dump", 0, DumpInfo("empty"), False, "file is empty")
    assert "main: backup x.dump is empty" in rules.integrity("main", empty).message
    cut = IntegrityObservation("/b/x.dump", 10, DumpInfo("custom"), False, "data unreadable: end of file")
    message = rules.integrity("main", cut).message
    assert "not readable to its end" in message and "end of file" in message


def test_restore_verdicts() -> None:
    assert rules.restore("main", RestoreObservation(True, 12.0, "golive_scratch_main_1"), 900).passed
    slow = rules.restore("main", RestoreObservation(True, 1200.0, "golive_scratch_main_1"), 900)
    assert not slow.passed and "main: restore took 20m, over the RTO of 15m" in slow.message
    failed = rules.restore("main", RestoreObservation(False, 3.0, "golive_scratch_main_1",
                                                      error="pg_restore: error: relation exists"), 900)
    assert not failed.passed and "relation exists" in failed.message
    skipped = rules.restore("main", RestoreObservation(False, 0.0, "", error="backup unreadable: empty"), 900)
    assert not skipped.passed and "restore not attempted" in skipped.message


# ------------------------------------------------------------------ verify


def test_verify_passes_for_identical_snapshots_and_sequences_ahead() -> None:
    restored = _snapshot(sequences={"public.orders_id_seq": 300010, "public.invoice_seq": None})
    verdict = rules.verify("main", _snapshot(), restored)
    assert verdict.passed, verdict.message


def test_verify_lists_every_difference() -> None:
    restored = _snapshot(
        tables={"public.orders": 299000, "sales.refunds": 12, "public.extra": 1},
        sequences={"public.orders_id_seq": 299000},
        indexes=frozenset({"public.orders.orders_pkey"}),
        extensions={},
        invariants={"SELECT sum(total) FROM orders": "120.00"},
    )
    verdict = rules.verify("main", _snapshot(), restored)
    assert not verdict.passed
    message = verdict.message
    for part in ("main: restored copy differs", "table audit_log missing",
                 "orders: 300000 in source, 299000 restored", "table extra not in source",
                 "extension pg_trgm missing", "sequence orders_id_seq: 300000 in source, 299000 restored",
                 "sequence invoice_seq missing", "index orders.orders_customer_idx missing",
                 "invariant SELECT sum(total) FROM orders: 123.45 in source, 120.00 restored"):
        assert part in message, (part, message)
    assert "sales.refunds" not in message


def test_nothing_to_verify_never_passes() -> None:
    verdict = rules.nothing_to_verify("main", "backup unreadable")
    assert not verdict.passed and "main: restore failed, nothing to verify" in verdict.message


# ------------------------------------------------------------------ retention


def test_retention_within_policy() -> None:
    assert rules.retention("main", _located(*range(10)), NOW, keep=30, max_age_days=90).passed


def test_retention_too_many_and_too_old() -> None:
    verdict = rules.retention("main", _located(*range(0, 100, 3)), NOW, keep=30, max_age_days=90)
    assert not verdict.passed
    assert "34 backups kept, policy keeps at most 30" in verdict.message
    assert "older than 90d" in verdict.message and "99d old" in verdict.message


def test_retention_none_kept() -> None:
    verdict = rules.retention("main", _located(), NOW, keep=30, max_age_days=90)
    assert not verdict.passed and "0 backups kept" in verdict.message


# ------------------------------------------------------------------ formats and integrity of plain files


def test_detect_formats(tmp_path: Path) -> None:
    (tmp_path / "empty.dump").write_bytes(b"")
    assert detect(tmp_path / "empty.dump").format == "empty"
    sql = (b"--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.18\n"
           b"-- Dumped by pg_dump version 16.2\n\nSET x = 1;\n\n-- PostgreSQL database dump complete\n\n")
    (tmp_path / "a.sql").write_bytes(sql)
    info = detect(tmp_path / "a.sql")
    assert (info.format, info.server_major, info.tool_major) == ("plain", 15, 16)
    with gzip.open(tmp_path / "a.sql.gz", "wb") as out:
        out.write(sql)
    assert detect(tmp_path / "a.sql.gz").format == "plain-gzip"
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01garbage")
    assert detect(tmp_path / "junk.bin").format == "unknown"


def test_plain_integrity_needs_the_completion_line(tmp_path: Path) -> None:
    sql = b"--\n-- PostgreSQL database dump\n--\nSET x = 1;\n" + b"-- filler\n" * 100000
    whole = sql + b"\n-- PostgreSQL database dump complete\n\n"
    (tmp_path / "ok.sql").write_bytes(whole)
    (tmp_path / "cut.sql").write_bytes(whole[:-60])
    assert read_backup(tmp_path / "ok.sql", None).readable
    cut = read_backup(tmp_path / "cut.sql", None)
    assert not cut.readable and "dump complete" in cut.detail
    with gzip.open(tmp_path / "ok.sql.gz", "wb") as out:
        out.write(whole)
    data = (tmp_path / "ok.sql.gz").read_bytes()
    (tmp_path / "cut.sql.gz").write_bytes(data[: len(data) // 2])
    assert read_backup(tmp_path / "ok.sql.gz", None).readable
    assert not read_backup(tmp_path / "cut.sql.gz", None).readable


# ------------------------------------------------------------------ safety, binaries, settings


def test_scratch_dsn_equal_to_source_is_refused() -> None:
    source = "postgresql://app:s3cret@127.0.0.1:5432/shop"
    with pytest.raises(scratch.ScratchError, match="refusing") as caught:
        scratch.external("host=localhost port=5432 dbname=shop user=other password=x", source)
    assert "s3cret" not in str(caught.value)
    assert scratch.external("postgresql://app:s3cret@127.0.0.1:5432/postgres", source).owned is False


def test_tool_args_keep_the_password_out_of_the_command_line() -> None:
    target, env = conn.tool_args("postgresql://app:s3cret@127.0.0.1:5433/shop")
    assert "s3cret" not in target and "dbname=shop" in target and "port=5433" in target
    assert env["PGPASSWORD"] == "s3cret"


def test_choose_installation() -> None:
    pg15 = binaries.PgInstall(Path("/nonexistent/15/bin"), 15)
    pg16 = binaries.PgInstall(Path("/nonexistent/16/bin"), 16, system=False)
    assert binaries.choose([pg15, pg16], 15, 15, need_server=False) == pg15
    assert binaries.choose([pg15, pg16], 16, 15, need_server=False) == pg16
    assert binaries.choose([pg15, pg16], 17, 15, need_server=False) is None


def test_backup_settings_defaults_and_hidden_scratch_dsn() -> None:
    backup = Backup(location="/var/backups/db", scratch_dsn="postgresql://u:pw@h/db")
    assert backup.max_age == 86400 and backup.rto == 900
    assert (backup.retention.keep, backup.retention.max_age_days) == (30, 90)
    assert backup.invariants == [] and backup.pre_deploy is False
    assert "pw@" not in repr(backup)
    with pytest.raises(ValueError):
        Backup(location="/x", retention={"keep": 0})


@pytest.mark.parametrize(("backup", "key", "words"), [
    ({"location": "/x", "kind": "mysql"}, "databases[0].backup.kind", "'pg_dump', 'pgbackrest', 'sqlite'"),
    ({"location": "/x", "kind": "sqlite"}, "databases[0].backup.source", "kind sqlite needs the live file"),
    ({"location": "/x", "kind": "redis", "source": "/var/lib/redis"}, "databases[0].backup.source",
     "redis://"),
    ({"location": "/x", "kind": "pgbackrest"}, "databases[0].backup.pgbackrest", "stanza"),
    ({"location": "/x", "kind": "json_state", "source": "/s",
      "schemas": [{"glob": "*.json", "schema_file": "nope.json"}]},
     "databases[0].backup.schemas[0].schema_file", "No such file"),
    ({"location": "/x", "encryption": {}}, "databases[0].backup.encryption.identity_file", "passphrase"),
    ({"location": "/x", "kind": "sqlite", "source": "/s", "host": "h"}, "databases[0].backup.host",
     "pg_dump only"),
])
def test_backup_kind_keys_are_validated_with_their_key_path(tmp_path: Path, backup: dict, key: str,
                                                            words: str) -> None:
    import yaml

    from golive.profile import ProfileError
    from golive.profile_load import load_profile

    path = tmp_path / "p.yaml"
    hosts = [{"name": "h", "connection": "local://"}]
    path.write_text(yaml.safe_dump({"name": "p", "hosts": hosts, "databases": [{"name": "db", "backup": backup}]}))
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert caught.value.key == key, caught.value
    assert words in caught.value.problem, caught.value.problem


def test_sniff_names_every_kind_from_its_first_bytes(tmp_path: Path) -> None:
    from golive.backup.sniff import sniff

    samples = {"a.db": b"SQLite format 3\x00" + b"\x00" * 100, "b.age": b"age-encryption.org/v1\n-> X25519 x\n",
               "c.asc": b"-----BEGIN PGP MESSAGE-----\n", "d.rdb": b"REDIS0011\xfa\x09redis-ver",
               "e.aof": b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", "f.zip": b"PK\x03\x04rest",
               "g.json": b'  {"a": 1}', "h.dump": b"PGDMP\x01\x0e", "i": b"", "j.bin": b"\x00\x01garbage"}
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
    found = {name: sniff(tmp_path / name) for name in samples}
    assert found == {"a.db": "sqlite", "b.age": "age", "c.asc": "gpg", "d.rdb": "rdb", "e.aof": "aof",
                     "f.zip": "zip", "g.json": "json", "h.dump": "pg_dump", "i": "empty", "j.bin": "unknown"}


def test_encryption_rule_both_ways() -> None:
    from golive.backup.model import DecryptObservation

    good = DecryptObservation("/b/app.db.age", "age", True, True, "is an age-encrypted file and decrypts to a "
                              "SQLite database", inner="sqlite")
    assert rules.encryption("main", good).passed
    plain = DecryptObservation("/b/app.db", "sqlite", False, True, "is a SQLite database, not encrypted")
    verdict = rules.encryption("main", plain)
    assert not verdict.passed and "main: newest backup app.db is a SQLite database, not encrypted" in verdict.message
    assert rules.encryption("main", plain, required=False).kind == "not_applicable"
    wrong = DecryptObservation("/b/x.gpg", "gpg", True, False, "cannot be decrypted: gpg could not decrypt it: "
                               "wrong passphrase")
    assert "wrong passphrase" in rules.encryption("main", wrong).message


def test_contents_and_compared_rules() -> None:
    from golive.backup.drills.archive import matching
    from golive.backup.model import Comparison

    members = ("top/", "top/app.db", "top/uploads/a.png", "top/.env.production")
    globs = ["app.db", "uploads/*", "config/*"]
    matches = {g: matching(members, g) for g in globs}
    verdict = rules.contents("files", members, globs, matches)
    assert not verdict.passed and "no members matching 'config/*'" in verdict.message
    assert rules.contents("files", members, globs[:2], matches).passed
    assert rules.compared("files", Comparison((), "3 files")).passed
    failed = rules.compared("files", Comparison(("a missing",), "3 files"))
    assert not failed.passed and "files: restored copy differs from the source: a missing" in failed.message


def test_recovery_failure_is_named_by_its_cause_not_by_refused_polling_connections() -> None:
    """The server log also holds FATAL lines for golive's own polling connections, which it turns
    away while recovering; the reason recovery stopped is the line that is not such a refusal."""
    from golive.backup.pgbackrest import _recovery_fatal

    log = ("LOG:  starting point-in-time recovery\n"
           "FATAL:  the database system is starting up\n"
           "FATAL:  recovery ended before configured recovery target was reached\n"
           "FATAL:  the database system is in recovery mode\n"
           "LOG:  startup process (PID 7) exited with exit code 1\n")
    assert _recovery_fatal(log) == "recovery ended before configured recovery target was reached"
    assert _recovery_fatal("FATAL:  the database system is shutting down\n") == "the database system is shutting down"
    assert _recovery_fatal("LOG:  nothing\n") == "no FATAL logged"
