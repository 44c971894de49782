"""The demo target's database: a small shop schema on an ephemeral PostgreSQL with a fresh
pg_dump in ``state_dir/backups/``, so that ``golive demo`` runs the restore drill for real.

``sample_sql(rows)`` is the schema and data the self-tests and the benchmark use as well: several
tables with foreign keys, a btree and a pg_trgm GIN index, a sequence and an identity column,
filled with ``generate_series`` (``rows`` is the approximate total row count).
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from golive.backup import binaries, conn, scratch


def sample_sql(rows: int = 100_000, payload: int = 0) -> str:
    """Schema + data of about ``rows`` rows; ``payload`` adds that many bytes of text per log row."""
    customers, products = max(rows // 10, 10), max(rows // 100, 5)
    orders, items = max(rows // 2, 10), max(rows * 3 // 10, 10)
    audit = max(rows - customers - products - orders - items, 10)
    # distinct md5s per row: text that compresses like real data (about 2:1), not like repeat()
    pad = " || ".join(f"md5((g * {k + 1})::text)" for k in range(max(payload // 32, 1)))
    return f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
CREATE TABLE products (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL,
                       price numeric(10, 2) NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id),
                     created_at timestamptz NOT NULL, total numeric(12, 2) NOT NULL);
CREATE TABLE order_items (order_id bigint NOT NULL REFERENCES orders (id),
                          product_id integer NOT NULL REFERENCES products (id), qty integer NOT NULL,
                          PRIMARY KEY (order_id, product_id));
CREATE TABLE audit_log (id bigserial PRIMARY KEY, event text NOT NULL, detail text,
                        at timestamptz NOT NULL DEFAULT now());
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops);
CREATE SEQUENCE invoice_number_seq START 1000;
SELECT setval('invoice_number_seq', 4242);
INSERT INTO customers (name, email)
  SELECT 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, {customers}) g;
INSERT INTO products (title, price)
  SELECT 'product ' || g, (g % 500) + 0.99 FROM generate_series(1, {products}) g;
INSERT INTO orders (customer_id, created_at, total)
  SELECT 1 + g % {customers}, timestamptz '2026-01-01' + g * interval '1 minute', (g % 1000) + 0.5
  FROM generate_series(1, {orders}) g;
INSERT INTO order_items (order_id, product_id, qty)
  SELECT 1 + g % {orders}, 1 + (g / {orders}) % {products}, 1 + g % 7 FROM generate_series(1, {items}) g;
INSERT INTO audit_log (event, detail, at)
  SELECT 'event ' || (g % 13), {pad}, timestamptz '2026-01-01' + g * interval '1 second'
  FROM generate_series(1, {audit}) g;
ANALYZE;
"""


def load_sample(dsn: str, rows: int = 100_000, payload: int = 0) -> None:
    """Create the sample schema and data in the (empty) database at ``dsn``."""
    with conn.connect(dsn, read_only=False, autocommit=True, timeout=10) as db:
        db.execute(sample_sql(rows, payload))


def pg_dump(dsn: str, out: Path, install: binaries.PgInstall, fmt: str = "c",
            extra: tuple[str, ...] = ()) -> Path:
    """pg_dump ``dsn`` to ``out`` in format ``fmt`` (c, d, t, p); the password stays in the env."""
    target, env = conn.tool_args(dsn)
    subprocess.run([install.tool("pg_dump"), "-F", fmt, "-f", str(out), *extra, "-d", target], env=env,
                   check=True, capture_output=True, timeout=600, stdin=subprocess.DEVNULL)
    return out


@contextlib.contextmanager
def start_demo_database(state_dir: Path, rows: int = 2_000) -> Iterator[dict[str, str]]:
    """Ephemeral PostgreSQL on 127.0.0.1 with database ``shop`` and a fresh dump of it.

    Yields {"GOLIVE_DEMO_DB_DSN": ..., "GOLIVE_DEMO_BACKUP_DIR": ...}; the server is stopped by PID
    and its files removed on the way out.
    """
    from golive.backup.binaries import choose, installations

    install = choose(installations(), None, None)
    if install is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql-15, "
                           "or pip install pgserver)")
    server = scratch.start_ephemeral(install, tcp_port=_free_port(), label="demo-db")
    try:
        with conn.connect(server.admin_dsn, read_only=False, autocommit=True) as admin:
            admin.execute("CREATE DATABASE shop")
        dsn = conn.with_db(server.admin_dsn, "shop")
        load_sample(dsn, rows)
        backups = Path(state_dir) / "backups"
        backups.mkdir(parents=True, exist_ok=True)
        for old in backups.glob("shop-*.dump"):
            old.unlink()
        pg_dump(dsn, backups / "shop-demo.dump", install)
        url = _url(server.admin_dsn, "shop")
        yield {"GOLIVE_DEMO_DB_DSN": url, "GOLIVE_DEMO_BACKUP_DIR": str(backups)}
    finally:
        server.close()


def _url(dsn: str, dbname: str) -> str:
    p = conn.parts(dsn)
    return f"postgresql://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{dbname}"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
