"""``bench/backup_bench.py kinds``: golive's pgBackRest, SQLite and archive drills against the raw
commands a person would run for the same drill, in the same run (see backup_bench.py's docstring).

The drill runs in-process exactly as the five checks drive ``BackupDrill`` (listing, integrity,
restore, comparison with the source, rules); the raw side runs the real programs. Rounds are
interleaved (raw, drill, drill, raw, raw, drill) because the machine is shared and its load drifts.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from golive.backup import binaries, conn, scratch
from golive.backup.drill import BackupDrill
from golive.demo.database import load_sample
from golive.profile import Database
from golive.rules import backup as rules
from tests import backup_fixtures as fx
from tests.servers.pgbackrest import STANZA, running_pgbackrest

ORDER = ("raw", "drill", "drill", "raw", "raw", "drill")


def drill_once(db: Database, work: Path) -> float:
    """The five checks' work for one database, in-process; asserts every verdict passes."""
    start = time.monotonic()
    session = BackupDrill(SimpleNamespace(hosts=[], timeout=30.0), work, frozenset({db.name}))
    try:
        now = time.time()
        located = session.located(db)
        verdicts = [rules.fresh(db.name, located, now, db.backup.max_age),
                    rules.integrity(db.name, session.integrity(db)),
                    rules.restore(db.name, session.restored(db).observation, db.backup.rto)]
        restored = session.restored(db)
        if restored.dsn is not None:
            verdicts.append(rules.verify(db.name, session.source(db), session.copy_snapshot(db),
                                         extra=session.extra_differences(db)))
        else:
            verdicts.append(rules.compared(db.name, session.compare(db)))
        verdicts.append(rules.retention(db.name, located, now, 30, 90))
        assert all(v.passed for v in verdicts), [v.message for v in verdicts]
    finally:
        session.close()
    return time.monotonic() - start


def measure(name: str, raw: Callable[[], float], drill: Callable[[], float], what: str) -> float:
    times: dict[str, list[float]] = {"raw": [], "drill": []}
    for kind in ORDER:
        took = raw() if kind == "raw" else drill()
        times[kind].append(took)
        print(f"  {name} {kind}: {took:.2f}s", flush=True)
    raw_s, drill_s = statistics.mean(times["raw"]), statistics.mean(times["drill"])
    ratio = drill_s / raw_s
    print(f"{name}: raw ({what}) mean {raw_s:.2f}s; golive drill mean {drill_s:.2f}s -> ratio {ratio:.2f}x "
          "(target <= 1.10x)", flush=True)
    return ratio


# ---------------------------------------------------------------------------------- SQLite

def sqlite_bench(root: Path, scale: float) -> float:
    live = root / "live.db"
    rows = int(400_000 * scale)
    db = sqlite3.connect(live)
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT)")
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
    db.execute("CREATE INDEX events_kind ON events(kind)")
    db.executemany("INSERT INTO events(kind, payload) VALUES (?, ?)",
                   ((f"k{i % 50}", "x" * 300) for i in range(rows)))
    db.executemany("INSERT INTO users(email) VALUES (?)", ((f"u{i}@example.com",) for i in range(rows // 10)))
    db.commit()
    db.close()
    backups = root / "sqlite-backups"
    fx.sqlite_backup(live, backups / "app.db")
    print(f"sqlite: {rows} rows, backup {(backups / 'app.db').stat().st_size / 1e6:.0f} MB")

    def raw() -> float:
        start = time.monotonic()
        work = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
        try:
            copy = work / "copy.db"
            shutil.copyfile(backups / "app.db", copy)
            check = subprocess.run(["sqlite3", str(copy), "PRAGMA integrity_check"], capture_output=True,
                                   text=True, check=True)
            assert check.stdout.strip() == "ok", check.stdout
            counts = []
            for target in (copy, live):
                query = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM users)"
                counts.append(subprocess.run(["sqlite3", "-readonly", str(target), query], capture_output=True,
                                             text=True, check=True).stdout)
            assert counts[0] == counts[1], counts
        finally:
            shutil.rmtree(work)
        return time.monotonic() - start

    db_ = Database(name="app", backup={"kind": "sqlite", "location": str(backups), "source": str(live),
                                       "rto": "30m"})
    return measure("sqlite", raw, lambda: drill_once(db_, root / "w"),
                   "cp + sqlite3 PRAGMA integrity_check + sqlite3 -readonly counts on copy and source")


# ---------------------------------------------------------------------------------- archive

def archive_bench(root: Path, scale: float) -> float:
    source = root / "data"
    files = int(400 * scale)
    (source / "uploads").mkdir(parents=True)
    for i in range(files):  # ~ 600 KB each, half compressible
        chunk = os.urandom(150_000) + bytes(150_000) + (b"log line %d\n" % i) * 20_000
        (source / "uploads" / f"f{i:05d}.bin").write_bytes(chunk[:600_000])
    fx.make_sqlite(source / "app.db", notes=2000)
    backups = root / "archive-backups"
    fx.tar_dir(source, backups / "files.tar.gz", top="backup_1")
    size = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
    packed = (backups / "files.tar.gz").stat().st_size
    print(f"archive: {files} files, {size / 1e6:.0f} MB, tar.gz {packed / 1e6:.0f} MB")

    def raw() -> float:
        start = time.monotonic()
        work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
        try:
            subprocess.run(["tar", "-xzf", str(backups / "files.tar.gz"), "-C", str(work)], check=True)
            subprocess.run(["diff", "-r", str(source), str(work / "backup_1")], check=True, capture_output=True)
        finally:
            shutil.rmtree(work)
        return time.monotonic() - start

    db_ = Database(name="files", backup={"kind": "archive", "location": str(backups), "source": str(source),
                                         "rto": "30m"})
    return measure("archive", raw, lambda: drill_once(db_, root / "w"), "tar -xzf + diff -r with the source")


# ---------------------------------------------------------------------------------- pgBackRest

def pgbackrest_bench(root: Path, scale: float) -> float:
    install = binaries.choose(binaries.installations(), 15, 15)
    assert install is not None
    with running_pgbackrest(root / "pgbr") as lab:
        source = lab.pg.create_database("shop")
        rows = int(600_000 * scale)
        load_sample(source, rows=rows, payload=64)
        lab.backup("full")
        lab.switch_wal("shop")
        repo = sum(p.stat().st_size for p in lab.repo.rglob("*") if p.is_file())
        print(f"pgbackrest: {rows} rows, repository {repo / 1e6:.0f} MB")
        tables = [r[0] for r in lab.pg.connect("shop").execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()]

        def counts(dsn: str) -> list[int]:
            with conn.connect(dsn, read_only=True) as db:
                return [db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables]

        def raw() -> float:
            start = time.monotonic()
            work = Path(tempfile.mkdtemp(prefix="bench-pgbr-"))
            shutil.chown(work, "postgres", "postgres")
            server = None
            try:
                lab.run("verify", "--output=text")
                lab.run(f"--pg1-path={work / 'data'}", f"--lock-path={work / 'lock'}", "--archive-mode=off",
                        "--type=default", "restore")
                server = scratch.start_restored(install, work, work / "data", lab.pg.user, "shop", timeout=300)
                while True:  # recovery done
                    with conn.connect(server.admin_dsn, read_only=True) as db:
                        if not db.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                            break
                    time.sleep(0.1)
                assert counts(server.admin_dsn) == counts(source)
            finally:
                if server is not None:
                    server.close()
                shutil.rmtree(work, ignore_errors=True)
            return time.monotonic() - start

        db_ = Database(name="shop", dsn=source, backup={
            "kind": "pgbackrest", "location": str(lab.repo), "rto": "30m",
            "pgbackrest": {"stanza": STANZA, "config": str(lab.config)}})
        return measure("pgbackrest", raw, lambda: drill_once(db_, root / "w"),
                       "pgbackrest verify + restore + postgres until recovery ends + count(*) on copy and source")


def main(scale: float = 1.0) -> None:
    ratios = {}
    with tempfile.TemporaryDirectory(prefix="golive-kinds-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        for name, bench in (("sqlite", sqlite_bench), ("archive", archive_bench), ("pgbackrest", pgbackrest_bench)):
            (root / name).mkdir()
            ratios[name] = bench(root / name, scale)
    print("ratios (golive drill / raw commands): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))
