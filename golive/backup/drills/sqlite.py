"""SQLite backups (seed 000: ``db.backup()`` every 6 hours): integrity, restore and verify.

- integrity: the backup is copied into the scratch place and ``PRAGMA integrity_check`` runs on the
  copy (it reads every page and index of the file); the backup itself is never opened for writing.
- restore: the copy is opened read-only (``mode=ro`` URI) and its schema and tables are read —
  what an application would do first after a restore.
- verify: table list and exact row counts, and the profile's ``invariants`` (SQL returning one row),
  on the copy and on the live ``source`` opened read-only.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from golive.backup.drills import SourceUnreadable
from golive.backup.model import Comparison, DumpInfo, IntegrityObservation, RestoreObservation
from golive.backup.sniff import describe, sniff


def open_ro(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``): SQLite refuses every write through it."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
    db.execute("PRAGMA query_only = ON")
    return db


def tables(db: sqlite3.Connection) -> dict[str, int]:
    """Every user table with its exact row count."""
    names = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: int(db.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0])
            for name in names}


def invariants(db: sqlite3.Connection, queries: list[str]) -> dict[str, str]:
    results: dict[str, str] = {}
    for query in queries:
        try:
            row = db.execute(query).fetchone()
        except sqlite3.Error as exc:
            results[query] = f"error: {exc}"
            continue
        results[query] = "(no row)" if row is None else ", ".join("NULL" if v is None else str(v) for v in row)
    return results


class Drill:
    def __init__(self, backup: Any, scratch: Path, timeout: float) -> None:
        self.backup = backup
        self.scratch = scratch
        self.timeout = timeout
        self.copy: Path | None = None

    def _copy(self, path: Path) -> Path:
        if self.copy is None:
            self.scratch.mkdir(parents=True, exist_ok=True)
            target = self.scratch / "restored.db"
            shutil.copyfile(path, target)
            self.copy = target
        return self.copy

    def integrity(self, path: Path) -> IntegrityObservation:
        start = time.monotonic()
        size = path.stat().st_size
        fmt = sniff(path)
        info = DumpInfo("sqlite" if fmt == "sqlite" else fmt)
        if fmt != "sqlite":
            return IntegrityObservation(str(path), size, info, False, f"{describe(fmt)}, not a SQLite database",
                                        kind="sqlite")
        try:
            with open_ro(self._copy(path), self.timeout) as db:
                problems = [row[0] for row in db.execute("PRAGMA integrity_check(20)")]
                names = tuple(tables(db)) if problems == ["ok"] else ()
            db.close()
        except sqlite3.DatabaseError as exc:
            return IntegrityObservation(str(path), size, info, False, f"SQLite cannot read it: {exc}",
                                        kind="sqlite", seconds=time.monotonic() - start)
        if problems != ["ok"]:
            return IntegrityObservation(str(path), size, info, False,
                                        "PRAGMA integrity_check: " + "; ".join(problems[:5]), kind="sqlite",
                                        seconds=time.monotonic() - start)
        return IntegrityObservation(str(path), size, info, True,
                                    f"PRAGMA integrity_check ok ({len(names)} tables, every page read)",
                                    bytes_read=size, kind="sqlite", members=names,
                                    seconds=time.monotonic() - start)

    def restore(self, path: Path) -> RestoreObservation:
        start = time.monotonic()
        try:
            copy = self._copy(path)
            with open_ro(copy, self.timeout) as db:
                found = tables(db)
            db.close()
        except (sqlite3.DatabaseError, OSError) as exc:
            return RestoreObservation(False, time.monotonic() - start, str(self.scratch),
                                      error=f"the copy does not open as a SQLite database: {exc}")
        seconds = time.monotonic() - start
        return RestoreObservation(True, seconds, str(self.scratch),
                                  log=f"copied to {copy.name}, opened read-only: {len(found)} tables",
                                  local_path=copy)

    def compare(self) -> Comparison:
        if self.copy is None:
            raise SourceUnreadable("no restored copy")
        source = Path(self.backup.source)
        if not source.is_file():
            raise SourceUnreadable(f"source {source} is not a file")
        try:
            with open_ro(source, self.timeout) as live:
                live_tables, live_inv = tables(live), invariants(live, self.backup.invariants)
            live.close()
        except sqlite3.Error as exc:
            raise SourceUnreadable(f"source {source} unreadable: {exc}") from None
        with open_ro(self.copy, self.timeout) as copy:
            copy_tables, copy_inv = tables(copy), invariants(copy, self.backup.invariants)
        copy.close()
        diffs = [f"table {t} missing" for t in live_tables if t not in copy_tables]
        diffs += [f"{t}: {n} in source, {copy_tables[t]} restored" for t, n in live_tables.items()
                  if t in copy_tables and copy_tables[t] != n]
        diffs += [f"table {t} not in source" for t in copy_tables if t not in live_tables]
        diffs += [f"invariant {q}: {v} in source, {copy_inv.get(q)} restored" for q, v in live_inv.items()
                  if copy_inv.get(q) != v]
        summary = f"{len(live_tables)} tables, {sum(live_tables.values())} rows"
        if live_inv:
            summary += f", {len(live_inv)} invariants"
        return Comparison(tuple(diffs), summary, {"source": live_tables, "restored": copy_tables,
                                                  "invariants": {"source": live_inv, "restored": copy_inv}})

    def close(self) -> None:
        self.copy = None
