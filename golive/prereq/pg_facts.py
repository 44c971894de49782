"""Database prerequisites read through psycopg: extensions, max_connections, password_encryption,
index names. Read-only (one short transaction, ``default_transaction_read_only``), with a connect
timeout; the DSN is never put in a message."""

from __future__ import annotations

from golive.prereq.observations import PgObs


class PgUnreachable(Exception):
    unreachable = True


def observe(dsn: str, name: str, timeout: float) -> PgObs:
    import psycopg

    try:
        conn = psycopg.connect(
            dsn,
            connect_timeout=max(1, int(timeout)),
            autocommit=True,
            options=f"-c default_transaction_read_only=on -c statement_timeout={max(1, int(timeout * 1000))}",
        )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PgUnreachable(f"{name}: database unreachable: {first}") from None
    with conn:
        installed = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
        available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
        max_conn = int(conn.execute("SHOW max_connections").fetchone()[0])
        encryption = str(conn.execute("SHOW password_encryption").fetchone()[0])
        indexes = set()
        for schema, index in conn.execute("SELECT schemaname, indexname FROM pg_indexes"):
            indexes |= {index, f"{schema}.{index}"}
    return PgObs(installed, available, max_conn, encryption, indexes)
