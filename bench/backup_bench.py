"""The restore drill vs the raw tools, measured in the same run on the same machine.

Usage: .venv/bin/python bench/backup_bench.py [ROWS] [PAYLOAD_BYTES]   (default 2000000 256: ~250 MB)
       .venv/bin/python bench/backup_bench.py kinds [SCALE]         (pgBackRest, SQLite, archive; SCALE 1)

``kinds``: for pgBackRest, SQLite and archive backups, golive's drill (in-process, the five checks'
work, rules included) against the commands a person would run for the same drill, interleaved
raw, drill, drill, raw, raw, drill and the means compared (target <= 1.10x each):

- pgBackRest: ``pgbackrest verify`` + ``pgbackrest restore`` + ``postgres`` on the restored directory
  until recovery ends + ``count(*)`` of every table on the source and on the copy;
- SQLite: ``cp`` + ``sqlite3 copy "PRAGMA integrity_check"`` + row counts of every table with
  ``sqlite3 -readonly`` on the copy and on the live file;
- archive: ``tar -xzf`` into a scratch directory + ``diff -r`` with the live directory.

Starts one real PostgreSQL 15 (the source), loads the sample shop schema (golive.demo.database)
with ROWS rows (audit_log rows carry PAYLOAD_BYTES of text), takes a pg_dump -Fc, then measures:

1. raw: on a fresh ephemeral scratch server, ``createdb`` + ``pg_restore --no-owner --no-privileges
   -j JOBS`` + ``SELECT count(*)`` of every table on the source and on the copy — what a person
   doing the drill by hand would run;
2. drill: the same work in-process, as the five checks drive ``BackupDrill`` (listing, integrity,
   restore, snapshots of both sides, rules) — the drill's own cost;
3. golive: a real ``pytest -m backup`` run (subprocess: plugin start-up, listing, full integrity
   read, its own scratch server, restore with the same -j, read-only snapshots of both sides with
   indexes/sequences/extensions, sign-off);

in the order raw, drill, golive, golive, drill, raw (the machine is shared; its load drifts) and
prints the means and the ratios to raw (target ≤ 1.1× for the drill; the end-to-end run adds
pytest's and the plugin's fixed start-up, about 2.5 s here, whatever the database size).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from psycopg import sql  # noqa: E402

from golive.backup import binaries, conn, scratch  # noqa: E402
from golive.backup.drill import BackupDrill  # noqa: E402
from golive.demo.database import load_sample, pg_dump  # noqa: E402
from golive.profile import Database  # noqa: E402
from golive.rules import backup as rules  # noqa: E402
from tests.harness import run_golive  # noqa: E402
from tests.servers.postgres import running_postgres  # noqa: E402

JOBS = 2


def counts(dsn: str) -> dict[str, int]:
    with conn.connect(dsn, read_only=True) as db:
        tables = db.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'public'")
        found: dict[str, int] = {}
        for schema, table in tables.fetchall():
            name = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            query = sql.SQL("SELECT count(*) FROM {}").format(name)
            found[table] = db.execute(query).fetchone()[0]
        return found


def raw(dump: Path, source: str, install: binaries.PgInstall) -> float:
    start = time.monotonic()
    server = scratch.start_ephemeral(install, label="bench-raw")
    try:
        with conn.connect(server.admin_dsn, read_only=False, autocommit=True) as admin:
            admin.execute("CREATE DATABASE restored")
        target = conn.with_db(server.admin_dsn, "restored")
        args, env = conn.tool_args(target)
        subprocess.run([install.tool("pg_restore"), "--no-owner", "--no-privileges", "-j", str(JOBS),
                        "-d", args, str(dump)], check=True, env=env, capture_output=True)
        a, b = counts(source), counts(target)
        assert a == b, (a, b)
    finally:
        server.close()
    return time.monotonic() - start


def in_process(dump_dir: Path, source: str, work: Path) -> float:
    """The drill's own work, as the five checks drive it, without pytest around it."""
    db = Database(name="shop", dsn=source, backup={"location": str(dump_dir), "rto": "30m", "jobs": JOBS})
    start = time.monotonic()
    drill_ = BackupDrill(SimpleNamespace(hosts=[]), work, frozenset({"shop"}))
    try:
        now = time.time()
        located = drill_.located(db)
        verdicts = [rules.fresh("shop", located, now, db.backup.max_age),
                    rules.integrity("shop", drill_.integrity(db)),
                    rules.restore("shop", drill_.restored(db).observation, db.backup.rto),
                    rules.verify("shop", drill_.source(db), drill_.copy_snapshot(db)),
                    rules.retention("shop", located, now, 30, 90)]
        assert all(v.passed for v in verdicts), [v.message for v in verdicts]
    finally:
        drill_.close()
    return time.monotonic() - start


def drill(dump_dir: Path, source: str, work: Path) -> float:
    profile = {"name": "bench", "environment": "staging",
               "databases": [{"name": "shop", "dsn": source,
                              "backup": {"location": str(dump_dir), "rto": "30m", "jobs": JOBS}}]}
    start = time.monotonic()
    run = run_golive(profile, "-m", "backup", tmp_path=work, timeout=3600)
    took = time.monotonic() - start
    for check_id in ("backup.fresh", "backup.integrity", "backup.restore", "backup.verify"):
        assert run.status(check_id, "shop") == "passed", run.message(check_id, "shop")
    return took


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "kinds":
        from bench.backup_kinds import main as kinds_main

        kinds_main(float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
        return
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    payload = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    install = binaries.choose(binaries.installations(), 15, 15)
    assert install is not None
    with tempfile.TemporaryDirectory(prefix="golive-backup-bench-") as tmp, \
            running_postgres(Path(tmp) / "pg") as pg:
        work = Path(tmp)
        source = pg.create_database("shop")
        t0 = time.monotonic()
        load_sample(source, rows, payload)
        with conn.connect(source, read_only=True) as db:
            size = db.execute("SELECT pg_size_pretty(pg_database_size('shop'))").fetchone()[0]
        dumps = work / "dumps"
        dumps.mkdir()
        dump = pg_dump(source, dumps / "shop.dump", install)
        print(f"source: {rows} rows, {size}; dump {dump.stat().st_size / 1e6:.0f} MB "
              f"(prepared in {time.monotonic() - t0:.0f}s)")
        times: dict[str, list[float]] = {"raw": [], "drill": [], "golive": []}
        order = ["raw", "drill", "golive", "golive", "drill", "raw"]
        for index, kind in enumerate(order):
            if kind == "raw":
                took = raw(dump, source, install)
            elif kind == "drill":
                took = in_process(dumps, source, work / f"drill{index}")
            else:
                took = drill(dumps, source, work / f"run{index}")
            times[kind].append(took)
            print(f"  {kind}: {took:.1f}s", flush=True)
        raw_s, drill_s, golive_s = (statistics.mean(times[k]) for k in ("raw", "drill", "golive"))
        print(f"raw pg_restore -j{JOBS} + count queries (source + copy), mean: {raw_s:.1f}s")
        print("drill in-process (the five checks' work: listing, integrity, restore, both snapshots, "
              f"rules), mean: {drill_s:.1f}s -> ratio {drill_s / raw_s:.2f}x (target <= 1.10x)")
        print("golive -m backup end to end (pytest start-up, plugin, sign-off included), "
              f"mean: {golive_s:.1f}s -> ratio {golive_s / raw_s:.2f}x")

if __name__ == "__main__":
    main()
