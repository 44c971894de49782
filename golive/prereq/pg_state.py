"""A PostgreSQL database's schema state, read once per database per session through psycopg: indexes
(validity, definition), foreign keys and their supporting indexes, row level security, the settings
the role sees, connections, streaming replicas, and the migration tool's table.

Read-only (``default_transaction_read_only``, one READ ONLY transaction) and bounded by one total
deadline, the profile's ``timeout``: ``connect_timeout`` for the connection (psycopg counts it for the
whole handshake, so a port that accepts and never answers costs one timeout), then a watchdog that
cancels the running query when the deadline passes, and ``statement_timeout`` on the server side.
The settings are read before golive sets its own statement_timeout, so they are the role's.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

MIGRATION_TABLES = {
    "alembic": "alembic_version", "flyway": "flyway_schema_history", "django": "django_migrations",
    "rails": "schema_migrations", "prisma": "_prisma_migrations", "supabase": "supabase_migrations.schema_migrations",
}


class PgStateError(Exception):
    """The database could not be read (unreachable, deadline passed); ``unreachable`` for the plugin."""

    unreachable = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.subject, _, self.reason = message.partition(": ")


@dataclass(frozen=True)
class IndexObs:
    schema: str
    name: str
    table: str
    valid: bool
    ready: bool
    method: str
    unique: bool
    columns: tuple[str, ...]
    definition: str


@dataclass(frozen=True)
class ForeignKeyObs:
    schema: str
    table: str
    name: str
    columns: tuple[str, ...]
    indexed: bool


@dataclass(frozen=True)
class TableSecurity:
    schema: str
    table: str
    enabled: bool
    forced: bool
    policies: int


@dataclass(frozen=True)
class ReplicaObs:
    name: str
    state: str
    sync_state: str
    replay_lag: float | None  # seconds
    lag_bytes: int | None


@dataclass(frozen=True)
class MigrationObs:
    tool: str
    table: str
    exists: bool
    applied: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    unfinished: tuple[str, ...] = ()


@dataclass(frozen=True)
class PgState:
    indexes: tuple[IndexObs, ...] = ()
    foreign_keys: tuple[ForeignKeyObs, ...] = ()
    tables: tuple[TableSecurity, ...] = ()
    statement_timeout_ms: int = 0
    work_mem: int = 0  # bytes
    max_connections: int = 0
    reserved_connections: int = 0
    connections: int = 0
    password_encryption: str = ""
    replicas: tuple[ReplicaObs, ...] = ()
    migrations: MigrationObs | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


_SYSTEM = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'"

INDEXES = f"""
SELECT n.nspname, c.relname, t.relname, i.indisvalid, i.indisready, am.amname, i.indisunique,
       array(SELECT pg_get_indexdef(i.indexrelid, k + 1, true)
                    || CASE WHEN i.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END
             FROM generate_subscripts(i.indkey, 1) k WHERE k < i.indnkeyatts ORDER BY k),
       pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam
WHERE {_SYSTEM} ORDER BY 1, 2
"""
FOREIGN_KEYS = f"""
SELECT n.nspname, t.relname, con.conname,
       array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid AND i.indisvalid
               AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
               AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey)
FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE con.contype = 'f' AND {_SYSTEM} ORDER BY 1, 2, 3
"""
TABLES = f"""
SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {_SYSTEM} ORDER BY 1, 2
"""
SETTINGS = """
SELECT name, setting FROM pg_settings
WHERE name IN ('statement_timeout', 'work_mem', 'max_connections', 'superuser_reserved_connections',
               'password_encryption')
"""
CONNECTIONS = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
REPLICAS = """
SELECT coalesce(application_name, ''), coalesce(state, ''), coalesce(sync_state, ''),
       extract(epoch FROM replay_lag), pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)
FROM pg_stat_replication ORDER BY 1
"""


def observe(dsn: str, name: str, timeout: float, migration_tool: str | None = None,
            replication: bool = False) -> PgState:
    """Read the schema state of ``dsn`` within ``timeout`` seconds in all; raises PgStateError."""
    import psycopg

    start = time.monotonic()
    try:
        conn = psycopg.connect(dsn, connect_timeout=max(1, int(timeout)), autocommit=True,
                               options="-c default_transaction_read_only=on")
    except psycopg.Error as exc:
        raise PgStateError(f"{name}: database unreachable: {_first(exc)}") from None
    remaining = max(0.5, timeout - (time.monotonic() - start))
    watchdog = threading.Timer(remaining, getattr(conn, "cancel_safe", conn.cancel))
    watchdog.daemon = True
    watchdog.start()
    try:
        with conn:
            settings = dict(conn.execute(SETTINGS).fetchall())
            conn.execute(f"SET statement_timeout = {int(remaining * 1000)}")
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                state = _read(conn, settings, migration_tool, replication)
    except psycopg.errors.QueryCanceled:
        raise PgStateError(f"{name}: database did not answer within the {timeout:g}s deadline") from None
    except psycopg.OperationalError as exc:
        raise PgStateError(f"{name}: database unreachable: {_first(exc)}") from None
    finally:
        watchdog.cancel()
    state.extra["seconds"] = round(time.monotonic() - start, 3)
    return state


def _read(conn: Any, settings: dict[str, str], migration_tool: str | None, replication: bool) -> PgState:
    indexes = tuple(IndexObs(s, n, t, bool(v), bool(r), m, bool(u), tuple(cols), d)
                    for s, n, t, v, r, m, u, cols, d in conn.execute(INDEXES).fetchall())
    fks = tuple(ForeignKeyObs(s, t, n, tuple(cols), bool(ok)) for s, t, n, cols, ok in
                conn.execute(FOREIGN_KEYS).fetchall())
    tables = tuple(TableSecurity(s, t, bool(e), bool(f), int(p)) for s, t, e, f, p in conn.execute(TABLES).fetchall())
    connections = int(conn.execute(CONNECTIONS).fetchone()[0])
    replicas: tuple[ReplicaObs, ...] = ()
    if replication:
        replicas = tuple(ReplicaObs(a, st, sy, float(lag) if lag is not None else None,
                                    int(b) if b is not None else None)
                         for a, st, sy, lag, b in conn.execute(REPLICAS).fetchall())
    migrations = _migrations(conn, migration_tool) if migration_tool else None
    return PgState(indexes, fks, tables, int(settings.get("statement_timeout", "0")),
                   int(settings.get("work_mem", "0")) * 1024, int(settings.get("max_connections", "0")),
                   int(settings.get("superuser_reserved_connections", "0")), connections,
                   settings.get("password_encryption", ""), replicas, migrations)


def _migrations(conn: Any, tool: str) -> MigrationObs:
    table = MIGRATION_TABLES[tool]
    if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
        return MigrationObs(tool, table, False)
    if tool == "alembic":
        rows = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        return MigrationObs(tool, table, True, tuple(rows))
    if tool == "flyway":
        rows = conn.execute("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL "
                            "ORDER BY installed_rank").fetchall()
        return MigrationObs(tool, table, True, tuple(v for v, ok in rows if ok), tuple(v for v, ok in rows if not ok))
    if tool == "prisma":
        rows = conn.execute("SELECT migration_name, finished_at IS NOT NULL, rolled_back_at IS NOT NULL "
                            "FROM _prisma_migrations ORDER BY started_at").fetchall()
        return MigrationObs(tool, table, True, tuple(n for n, done, back in rows if done and not back),
                            unfinished=tuple(n for n, done, back in rows if not done and not back))
    query = {"django": "SELECT app || '.' || name FROM django_migrations",
             "rails": "SELECT version FROM schema_migrations",
             "supabase": "SELECT version FROM supabase_migrations.schema_migrations"}[tool]
    return MigrationObs(tool, table, True, tuple(str(r[0]) for r in conn.execute(query)))


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
