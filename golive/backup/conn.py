"""Connections to the source and the scratch side, and the command-line form of a DSN.

The source is only ever read: every source connection carries ``default_transaction_read_only=on``
in its startup options and runs its queries inside ``SET TRANSACTION READ ONLY``. The client tools
(pg_dump, pg_restore, psql) get the DSN without its password and the password in ``PGPASSWORD``,
so that it never shows in a process list or a log line.
"""

from __future__ import annotations

import os
from typing import Any

READ_ONLY_OPTIONS = "-c default_transaction_read_only=on"


def parts(dsn: str) -> dict[str, str]:
    """The DSN as conninfo keywords (URL or key=value form)."""
    from psycopg.conninfo import conninfo_to_dict

    return {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}


def with_db(dsn: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, dbname=dbname)


def same_database(a: str, b: str) -> bool:
    """True when both DSNs name the same database on the same server (host, port, dbname)."""
    pa, pb = parts(a), parts(b)

    def key(p: dict[str, str]) -> tuple[str, str, str]:
        host = p.get("host") or p.get("hostaddr") or "localhost"
        host = "localhost" if host in ("127.0.0.1", "::1", "localhost") or host.startswith("/") else host
        return host, p.get("port") or "5432", p.get("dbname") or p.get("user") or ""

    return key(pa) == key(pb)


def tool_args(dsn: str, connect_timeout: float = 10.0) -> tuple[str, dict[str, str]]:
    """(conninfo without password, environment with PGPASSWORD) for pg_dump/pg_restore/psql."""
    from psycopg.conninfo import make_conninfo

    p = parts(dsn)
    password = p.pop("password", None)
    p.setdefault("connect_timeout", str(max(1, int(connect_timeout))))
    env = {**os.environ, "PGCONNECT_TIMEOUT": p["connect_timeout"]}
    env.pop("PGPASSWORD", None)
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo("", **p), env


def connect(dsn: str, *, read_only: bool, timeout: float = 10.0, autocommit: bool = False) -> Any:
    """A psycopg connection; read-only sources get the read-only startup option."""
    import psycopg

    kwargs: dict[str, Any] = {"connect_timeout": max(1, int(timeout)), "autocommit": autocommit}
    if read_only:
        existing = parts(dsn).get("options", "")
        kwargs["options"] = f"{existing} {READ_ONLY_OPTIONS}".strip()
    return psycopg.connect(dsn, **kwargs)


def describe(dsn: str) -> str:
    """host:port/dbname, for messages (never the user or the password)."""
    p = parts(dsn)
    return f"{p.get('host', 'localhost')}:{p.get('port', '5432')}/{p.get('dbname', '')}"
