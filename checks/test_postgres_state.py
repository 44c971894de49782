"""PostgreSQL schema state (``-m prereq``): migrations applied, indexes valid and defined, row level
security, settings with connection headroom, streaming replicas. One read-only read per database
(``golive.fixtures.postgres``); each check runs only where the profile asks for it."""

from __future__ import annotations

from golive.fixtures.postgres import postgres_spec
from golive.registry import check
from golive.rules import postgres as rules


@check("prereq.migrations_applied", over="pg_migrations")
def test_migrations_applied(database, profile, pg_state, evidence):
    from golive.prereq.migrations import expected

    spec = postgres_spec(profile, database).migrations
    state = pg_state.get(database)
    want = expected(spec.tool, spec.migrations_dir) if spec.migrations_dir else None
    evidence.json("migrations", {"tool": spec.tool, "table": state.migrations.table,
                                 "applied": list(state.migrations.applied), "failed": list(state.migrations.failed),
                                 "unfinished": list(state.migrations.unfinished),
                                 "expected_heads": sorted(want.heads) if want else [spec.head],
                                 "expected_applied": sorted(want.applied) if want else []})
    evidence.judge(rules.migrations(state.migrations, spec, want).about(database.name))


@check("prereq.postgres_indexes", over="pg_indexes")
def test_postgres_indexes(database, profile, pg_state, evidence):
    spec = postgres_spec(profile, database)
    state = pg_state.get(database)
    evidence.json("indexes", [{"name": i.name, "table": i.table, "valid": i.valid, "ready": i.ready,
                               "definition": i.definition} for i in state.indexes[:500]])
    evidence.json("foreign keys", [{"table": f.table, "name": f.name, "columns": list(f.columns),
                                    "indexed": f.indexed} for f in state.foreign_keys[:500]])
    evidence.judge(rules.indexes(state, spec.required_indexes, spec.fk_indexes).about(database.name))


@check("prereq.postgres_rls", over="pg_rls")
def test_postgres_rls(database, profile, pg_state, evidence):
    spec = postgres_spec(profile, database).rls
    state = pg_state.get(database)
    evidence.json("row level security", [{"table": f"{t.schema}.{t.table}", "enabled": t.enabled,
                                          "forced": t.forced, "policies": t.policies} for t in state.tables[:500]])
    evidence.judge(rules.rls(state, spec).about(database.name))


@check("prereq.postgres_settings", over="pg_settings")
def test_postgres_settings(database, profile, pg_state, evidence):
    spec = postgres_spec(profile, database).settings
    state = pg_state.get(database)
    evidence.metric("connections", f"{state.connections}/{state.max_connections}")
    evidence.judge(rules.settings(state, spec).about(database.name))


@check("prereq.postgres_replication", over="pg_replication")
def test_postgres_replication(database, profile, pg_state, evidence):
    spec = postgres_spec(profile, database).replication
    state = pg_state.get(database)
    evidence.json("pg_stat_replication", [r.__dict__ for r in state.replicas])
    evidence.judge(rules.replication(state, spec).about(database.name))
