"""Pure rules of the PostgreSQL schema state and the migrations directory readers, both ways."""

from __future__ import annotations

from pathlib import Path

from golive.prereq.migrations import expected
from golive.prereq.pg_state import ForeignKeyObs, IndexObs, MigrationObs, PgState, ReplicaObs, TableSecurity
from golive.rules import postgres as rules
from golive.settings import postgres as s


def _index(name: str, valid: bool = True, columns: tuple[str, ...] = ("a",), method: str = "btree") -> IndexObs:
    return IndexObs("public", name, "t", valid, True, method, False, columns, f"CREATE INDEX {name}")


def test_indexes_both_ways() -> None:
    sound = PgState(indexes=(_index("i1", columns=("a", "b DESC")),))
    wanted = [s.RequiredIndex(name="i1", table="t", columns=["a", "b DESC"], method="btree")]
    assert rules.indexes(sound, wanted, "advisory").passed
    broken = PgState(indexes=(_index("i1", valid=False, columns=("b",), method="hash"),))
    verdict = rules.indexes(broken, wanted, "advisory")
    assert not verdict.passed
    for words in ("i1 on t is INVALID", "covers (b), expected (a, b DESC)", "uses hash, expected btree"):
        assert words in verdict.message, verdict.message
    missing = rules.indexes(PgState(), wanted, "off")
    assert "required index i1 missing" in missing.message


def test_foreign_keys_without_index_advisory_required_off() -> None:
    state = PgState(foreign_keys=(ForeignKeyObs("public", "orders", "fk", ("customer_id",), False),))
    assert rules.indexes(state, [], "advisory").kind == "advisory"
    assert not rules.indexes(state, [], "required").passed
    assert rules.indexes(state, [], "off").kind == "pass"


def test_rls_both_ways() -> None:
    wanted = s.Rls(tables=["docs"], schemas=["app"], force=True)
    good = PgState(tables=(TableSecurity("public", "docs", True, True, 2), TableSecurity("app", "x", True, True, 1)))
    assert rules.rls(good, wanted).passed
    bad = PgState(tables=(TableSecurity("public", "docs", True, False, 1), TableSecurity("app", "x", False, False, 0)))
    message = rules.rls(bad, wanted).message
    assert "docs: row level security not forced" in message and "x: row level security disabled" in message


def test_settings_and_headroom() -> None:
    wanted = s.PgSettings(max_statement_timeout="30s", min_headroom=20, min_max_connections=100)
    good = PgState(statement_timeout_ms=30000, max_connections=100, reserved_connections=3, connections=10)
    assert rules.settings(good, wanted).passed
    busy = PgState(statement_timeout_ms=60000, max_connections=100, reserved_connections=3, connections=90)
    message = rules.settings(busy, wanted).message
    assert "statement_timeout 60s, expected at most 30s" in message and "90 of 97 connections in use" in message


def test_replication_lag() -> None:
    wanted = s.Replication(min_replicas=1, max_lag="5s")
    assert rules.replication(PgState(replicas=(ReplicaObs("r1", "streaming", "async", 0.2, 100),)), wanted).passed
    slow = rules.replication(PgState(replicas=(ReplicaObs("r1", "streaming", "async", 12.0, 0),)), wanted)
    assert not slow.passed and "r1 replays 12s behind" in slow.message
    none = rules.replication(PgState(replicas=(ReplicaObs("r1", "catchup", "async", None, None),)), wanted)
    assert "0 streaming replica(s) (r1 catchup)" in none.message


def test_alembic_heads_from_the_versions_directory(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "b.py").write_text('revision = "b"\ndown_revision = "a"\n')
    (versions / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')  # a branch: two heads
    assert expected("alembic", tmp_path).heads == {"b", "c"}
    obs = MigrationObs("alembic", "alembic_version", True, ("b",))
    spec = s.Migrations(tool="alembic", migrations_dir=tmp_path)
    verdict = rules.migrations(obs, spec, expected("alembic", tmp_path))
    assert not verdict.passed and "applied head b, release expects b, c" in verdict.message


def test_flyway_head_is_the_highest_dotted_version(tmp_path: Path) -> None:
    for name in ("V1__a.sql", "V1.10__b.sql", "V1.9__c.sql"):
        (tmp_path / name).write_text("")
    assert expected("flyway", tmp_path).heads == {"1.10"}


def test_missing_migration_table_fails() -> None:
    verdict = rules.migrations(MigrationObs("rails", "schema_migrations", False), s.Migrations(tool="rails", head="1"),
                               None)
    assert not verdict.passed and "no schema_migrations table: rails never ran here" in verdict.message
