"""What a database holds — tables with exact row counts, sequences, indexes, extensions, and the
profile's invariants — read in one REPEATABLE READ, READ ONLY transaction.

The same function reads the source and the restored copy, so the comparison is like for like.
Objects that belong to extensions (pg_trgm's functions, PostGIS's spatial_ref_sys...) are left out:
they come with ``CREATE EXTENSION``, which the extension comparison covers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from golive.backup import conn
from golive.backup.model import Snapshot

_SYSTEM = "('pg_catalog', 'information_schema')"

TABLES = f"""
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN {_SYSTEM} AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 1, 2
"""
SEQUENCES = f"""
SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences
WHERE schemaname NOT IN {_SYSTEM} ORDER BY 1
"""
INDEXES = f"""
SELECT schemaname || '.' || tablename || '.' || indexname FROM pg_indexes
WHERE schemaname NOT IN {_SYSTEM} AND schemaname NOT LIKE 'pg_toast%'
"""
EXTENSIONS = "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'"


def take(dsn: str, invariants: Sequence[str] = (), *, timeout: float = 10.0,
         statement_timeout: float = 3600.0) -> Snapshot:
    """Read ``dsn`` read-only; raises psycopg errors (the caller reports them as unreachable)."""
    from psycopg import sql  # here, not at import: collecting checks/ must not load psycopg (~60 ms)

    start = time.monotonic()
    with conn.connect(dsn, read_only=True, timeout=timeout) as db:
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        limit = sql.Literal(int(statement_timeout * 1000))
        db.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(limit))
        tables: dict[str, int] = {}
        for schema, name in db.execute(TABLES).fetchall():
            query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
            row = db.execute(query).fetchone()
            tables[f"{schema}.{name}"] = int(row[0]) if row else 0
        sequences = {name: (int(value) if value is not None else None)
                     for name, value in db.execute(SEQUENCES).fetchall()}
        indexes = frozenset(row[0] for row in db.execute(INDEXES).fetchall())
        extensions = {name: version for name, version in db.execute(EXTENSIONS).fetchall()}
        results: dict[str, str] = {}
        for query_text in invariants:
            results[query_text] = _invariant(db, query_text)
        db.rollback()
    return Snapshot(tables, sequences, indexes, extensions, results, time.monotonic() - start)


def _invariant(db: object, query_text: str) -> str:
    """The first row of ``query_text`` as text; an error is a value too ("error: ...")."""
    import psycopg

    db.execute("SAVEPOINT golive_invariant")  # type: ignore[attr-defined]
    try:
        row = db.execute(query_text).fetchone()  # type: ignore[attr-defined]
    except psycopg.Error as exc:
        db.execute("ROLLBACK TO SAVEPOINT golive_invariant")  # type: ignore[attr-defined]
        return f"error: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
    db.execute("RELEASE SAVEPOINT golive_invariant")  # type: ignore[attr-defined]
    if row is None:
        return "(no row)"
    return ", ".join("NULL" if v is None else str(v) for v in row)
