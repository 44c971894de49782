"""The session's restore drill: one listing, one integrity read, one restore and one snapshot per
database, shared by every backup.* check of that database (``golive.fixtures.backup`` holds it).

Every kind goes through the same steps here: the listing, the decryption of an encrypted backup
into the database's scratch directory, and the kind check (a file of another kind fails integrity,
restore and verify with one sentence naming the detected format). pg_dump's steps are below; the
other kinds' are in ``golive.backup.files`` (SQLite, archives, JSON state, Redis) and
``golive.backup.pgbackrest``.

While the restore runs, the source snapshot is read in a background thread (the source is another
server; its read-only count queries overlap the restore instead of following it). Scratch servers
are shared by the databases of a session and closed, with their databases, in ``close()``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from golive.backup import binaries, conn, crypt, scratch, snapshot
from golive.backup.errors import DrillError
from golive.backup.formats import detect
from golive.backup.integrity import read_backup, read_by_restore
from golive.backup.locate import fetch_local, locate
from golive.backup.model import (
    Comparison,
    DecryptObservation,
    DumpInfo,
    IntegrityObservation,
    Located,
    RestoreObservation,
    Snapshot,
)
from golive.backup.restore import restore
from golive.backup.sniff import BELONGS, describe
from golive.settings.backup import Kind

_DETECTED = {"sqlite": Kind.SQLITE, "rdb": Kind.REDIS, "aof": Kind.REDIS, "tar.gz": Kind.ARCHIVE,
             "tar.zst": Kind.ARCHIVE, "zip": Kind.ARCHIVE}
"""Formats that name their kind when ``backup.kind`` is not set and the database has no dsn."""


@dataclass
class Restored:
    """A finished restore: the observation and, when it worked, the scratch DSN of the copy."""

    observation: RestoreObservation
    dsn: str | None
    install: binaries.PgInstall | None


@dataclass
class PreDeploy:
    """The steps of a pre-deploy dump; a later step is None when an earlier one failed."""

    dump: Any
    integrity: IntegrityObservation | None
    restore: RestoreObservation | None
    source: Snapshot | None
    copy: Snapshot | None
    comparison: Comparison | None = None  # the file and Redis kinds


class BackupDrill:
    """Per-session cache of the drill (one instance per pytest session / xdist worker)."""

    def __init__(self, profile: Any, workdir: Path, restore_planned: frozenset[str] = frozenset()) -> None:
        self.profile = profile
        self.workdir = workdir
        self.restore_planned = restore_planned  # databases whose restore this session will run
        self._lock = threading.RLock()
        self._db_locks: dict[str, threading.RLock] = {}
        self._located: dict[str, Located] = {}
        self._integrity: dict[str, IntegrityObservation] = {}
        self._restored: dict[str, Restored] = {}
        self._source: dict[str, Future[Snapshot]] = {}
        self._copies: dict[str, Snapshot] = {}
        self._servers: dict[str, scratch.ScratchServer] = {}
        self._installs: list[binaries.PgInstall] | None = None
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="golive-backup")
        self._decrypted: dict[str, DecryptObservation] = {}
        self._scratch: dict[str, scratch.ScratchDir] = {}
        self._kinds: dict[str, Kind] = {}
        self._files: Any = None
        self._pgbackrest: Any = None

    # ---------------------------------------------------------------- helpers

    def _host(self, db: Any) -> Any:
        name = db.backup.host
        if not name:
            return None
        for host in self.profile.hosts:
            if host.name == name:
                return host
        raise DrillError(f"{db.name}: backup host {name!r} is not a host of this profile")

    def _db_lock(self, db: Any) -> threading.RLock:
        with self._lock:
            return self._db_locks.setdefault(db.name, threading.RLock())

    def installs(self, db: Any) -> list[binaries.PgInstall]:
        if db.backup.pg_bin_dir:
            return binaries.installations(db.backup.pg_bin_dir)
        with self._lock:
            if self._installs is None:
                self._installs = binaries.installations()
            return self._installs

    # ---------------------------------------------------------------- steps

    def located(self, db: Any) -> Located:
        """The listing of the backup location (cached)."""
        if _is_pgbackrest(db):  # not kind(): detecting a kind lists the location first
            return self.pgbackrest().located(db)
        with self._lock:
            if db.name not in self._located:
                self._located[db.name] = locate(db.backup.location, self._host(db))
            return self._located[db.name]

    def newest_local(self, db: Any) -> Path:
        newest = self.located(db).newest
        if newest is None:
            listing = self.located(db)
            raise DrillError(f"{db.name}: {listing.error}" if listing.error
                             else f"{db.name}: no backup found at {listing.location}")
        return fetch_local(newest, self._host(db), self.workdir / "fetched" / db.name)

    def timeout(self, db: Any) -> float:
        """The deadline of one connection or query: ``backup.connect_timeout``, else the profile's."""
        return float(db.backup.connect_timeout or getattr(self.profile, "timeout", 10.0) or 10.0)

    def scratch_place(self, db: Any) -> Path:
        """The database's private scratch directory (removed in ``close()``, on SIGTERM, at exit)."""
        with self._lock:
            if db.name not in self._scratch:
                self._scratch[db.name] = scratch.scratch_dir(db.name)
            return self._scratch[db.name].path

    def kind(self, db: Any) -> Kind:
        """The drill of ``db``: ``backup.kind``, else pg_dump with a dsn, else what the newest file is."""
        if db.backup.kind is not None:
            return Kind(db.backup.kind)
        if db.backup.pgbackrest is not None:
            return Kind.PGBACKREST
        if db.dsn:
            return Kind.PG_DUMP
        if db.name not in self._kinds:
            try:
                plain = self.decrypted(db)
                fmt = plain.inner or plain.format
            except DrillError:
                fmt = ""
            self._kinds[db.name] = _DETECTED.get(fmt, Kind.PG_DUMP)
        return self._kinds[db.name]

    def decrypted(self, db: Any) -> DecryptObservation:
        """The newest backup, decrypted into the scratch place when it is encrypted (cached); for
        pgBackRest, the repository's own encryption."""
        if _is_pgbackrest(db):
            return self.pgbackrest().encryption(db)
        with self._db_lock(db):
            if db.name not in self._decrypted:
                path = self.newest_local(db)
                self._decrypted[db.name] = crypt.decrypt(path, db.backup.encryption,
                                                         self.scratch_place(db) / "decrypted")
            return self._decrypted[db.name]

    def mismatch(self, db: Any) -> str | None:
        """Why the newest backup cannot be drilled as its kind (encrypted without a working key, or a
        file of another kind), or None. One sentence, shared by integrity, restore and verify."""
        if self.kind(db) == Kind.PGBACKREST:
            return None
        plain = self.decrypted(db)
        name = Path(plain.path.rstrip("/")).name
        if not plain.ok:
            return f"newest backup {name} {plain.detail}"
        kind = self.kind(db)
        fmt = plain.inner or plain.format
        if fmt in ("empty", "missing") or fmt in BELONGS[kind]:
            return None
        hint = _DETECTED.get(fmt)
        hint_text = f" (set backup.kind: {hint})" if hint and hint != kind else ""
        what = f"{describe(fmt)}, not a {kind} backup{hint_text}"
        return f"newest backup {name} is {what}"

    def newest_plain(self, db: Any) -> Path:
        """The plaintext of the newest backup (the file itself, or its decrypted copy)."""
        plain = self.decrypted(db)
        if not plain.ok or plain.plain is None:
            raise DrillError(f"{db.name}: {self.mismatch(db)}")
        return plain.plain

    def info(self, db: Any) -> DumpInfo:
        return detect(self.newest_plain(db))

    def install_for(self, db: Any, info: DumpInfo, need_server: bool = True) -> binaries.PgInstall:
        found = self.installs(db)
        chosen = binaries.choose(found, info.tool_major, info.server_major, need_server=need_server)
        if chosen is None:
            have = ", ".join(f"{i.major} ({i.bin_dir})" for i in found) or "none"
            raise DrillError(f"{db.name}: no PostgreSQL installation can restore a dump by pg_dump "
                             f"{info.dumped_by or '?'} from server {info.server_version or '?'} "
                             f"(installed: {have}; install a newer postgresql-NN or set backup.pg_bin_dir)")
        return chosen

    def integrity(self, db: Any) -> IntegrityObservation:
        """The newest backup read to its end (cached).

        When this session restores the database anyway, an archive is read once, by the restore:
        a ``pg_restore -d`` that exits 0 has decompressed every block. Only when that restore
        fails is the archive read again on its own, to tell a damaged file from other causes.
        """
        with self._db_lock(db):
            if db.name not in self._integrity:
                wrong = self.mismatch(db)
                if wrong:
                    plain = self.decrypted(db)
                    self._integrity[db.name] = IntegrityObservation(plain.path, _size(Path(plain.path)),
                                                                    DumpInfo(plain.inner or plain.format), False,
                                                                    wrong, kind=str(self.kind(db)))
                    return self._integrity[db.name]
                if self.kind(db) == Kind.PGBACKREST:
                    self._integrity[db.name] = self.pgbackrest().integrity(db)
                    return self._integrity[db.name]
                if self.kind(db) != Kind.PG_DUMP:
                    self._integrity[db.name] = self._as_backup(db, self.others(db).integrity(db))
                    return self._integrity[db.name]
                path = self.newest_plain(db)
                info = detect(path)
                install = None
                if info.format in ("custom", "directory", "tar"):
                    install = self.install_for(db, info, need_server=False)
                    if db.name in self.restore_planned:
                        restored = self._restore(db)
                        if restored.observation.ok and restored.install is not None:
                            self._integrity[db.name] = self._as_backup(db, read_by_restore(path, restored.install))
                            return self._integrity[db.name]
                self._integrity[db.name] = self._as_backup(db, read_backup(path, install))
            return self._integrity[db.name]

    def _as_backup(self, db: Any, obs: IntegrityObservation) -> IntegrityObservation:
        """An observation of a decrypted copy names the backup itself (and says it was decrypted)."""
        plain = self._decrypted.get(db.name)
        if plain is None or not plain.encrypted:
            return obs
        return replace(obs, path=plain.path, detail=f"decrypted ({plain.format}); {obs.detail}")

    def scratch_server(self, db: Any, install: binaries.PgInstall) -> scratch.ScratchServer:
        """The scratch server for ``db``: its ``scratch_dsn``, or a shared ephemeral one per install."""
        key = f"dsn:{db.backup.scratch_dsn}" if db.backup.scratch_dsn else f"local:{install.bin_dir}"
        with self._lock:
            if key not in self._servers:
                if db.backup.scratch_dsn:
                    self._servers[key] = scratch.external(db.backup.scratch_dsn, db.dsn)
                else:
                    self._servers[key] = scratch.start_ephemeral(install)
            return self._servers[key]

    def source_snapshot(self, db: Any) -> Future[Snapshot]:
        """The source read (read-only), started once, in the background."""
        with self._lock:
            if db.name not in self._source:
                if not db.dsn:
                    raise DrillError(f"{db.name}: no dsn in the profile; cannot compare with the source")
                self._source[db.name] = self._pool.submit(
                    snapshot.take, db.dsn, db.backup.invariants, timeout=self.timeout(db),
                    statement_timeout=max(db.backup.rto, 60.0))
            return self._source[db.name]

    def restored(self, db: Any) -> Restored:
        """The newest backup restored into a scratch database (cached; failures are cached too)."""
        with self._db_lock(db):
            return self._restore(db)

    def _restore(self, db: Any) -> Restored:
        """Caller holds the database lock (re-entrant: integrity() calls it too)."""
        if db.name in self._restored:
            return self._restored[db.name]
        wrong = self.mismatch(db)
        if wrong:
            self._restored[db.name] = Restored(RestoreObservation(False, 0.0, "", error=wrong), None, None)
            return self._restored[db.name]
        if self.kind(db) == Kind.PGBACKREST:
            cluster = self.pgbackrest().restore(db)
            if db.dsn:
                self.source_snapshot(db)  # after the restore: on one machine, the counts would compete
            self._restored[db.name] = Restored(cluster.observation, cluster.dsn, cluster.install)
            return self._restored[db.name]
        if self.kind(db) != Kind.PG_DUMP:
            self._restored[db.name] = Restored(self.others(db).restore(db), None, None)
            return self._restored[db.name]
        if db.dsn:
            self.source_snapshot(db)  # overlap the source's count queries with the restore
        path = self.newest_plain(db)
        info = detect(path)
        known = self._integrity.get(db.name)
        if known is not None and not known.readable:
            unreadable = RestoreObservation(False, 0.0, "", error=f"backup unreadable: {known.detail}")
            result = Restored(unreadable, None, None)
        else:
            install = self.install_for(db, info)
            try:
                server = self.scratch_server(db, install)
                target = server.create_database(db.name)
            except scratch.ScratchError as exc:
                result = Restored(RestoreObservation(False, 0.0, "", error=str(exc)), None, install)
                self._restored[db.name] = result
                return result
            name = conn.parts(target)["dbname"]
            rto = db.backup.rto
            obs = restore(path, info, install, target, name, jobs=db.backup.jobs,
                          timeout=max(rto * 1.5, rto + 60.0))
            result = Restored(obs, target if obs.ok else None, install)
        self._restored[db.name] = result
        return result

    def copy_snapshot(self, db: Any) -> Snapshot:
        """The restored copy read with the same queries as the source (cached)."""
        with self._db_lock(db):
            if db.name not in self._copies:
                restored = self._restored.get(db.name)
                if restored is None or restored.dsn is None:
                    raise DrillError(f"{db.name}: restore failed, nothing to verify")
                self._copies[db.name] = snapshot.take(restored.dsn, db.backup.invariants,
                                                      statement_timeout=max(db.backup.rto, 60.0))
            return self._copies[db.name]

    def source(self, db: Any) -> Snapshot:
        """The source snapshot, waiting for the background read; connection errors → DrillError."""
        import psycopg

        future = self.source_snapshot(db)
        try:
            return future.result(timeout=max(db.backup.rto, 60.0) + self.timeout(db))
        except psycopg.OperationalError as exc:
            raise DrillError(f"{db.name}: source {conn.describe(db.dsn)} unreachable: "
                             f"{_first_line(exc)}",
                             unreachable=True) from None

    def pre_deploy(self, db: Any) -> PreDeploy:
        """pg_dump the source now, read the dump to its end, restore it and snapshot both sides (the
        other kinds: their own snapshot of ``source``, then the same kind drill on it)."""
        from golive.backup import predeploy

        if self.kind(db) not in (Kind.PG_DUMP, Kind.PGBACKREST):
            return self._pre_deploy_file(db)

        if db.backup.host:
            raise DrillError(f"{db.name}: backup.pre_deploy writes the dump locally; "
                             f"the location is on host {db.backup.host}")
        if not db.dsn:
            raise DrillError(f"{db.name}: backup.pre_deploy needs the database dsn")
        try:
            major = predeploy.server_major(db.dsn, self.timeout(db))
        except Exception as exc:  # psycopg errors: the source is unreachable
            raise DrillError(f"{db.name}: source {conn.describe(db.dsn)} unreachable: "
                             f"{_first_line(exc)}",
                             unreachable=True) from None
        install = self.install_for(db, DumpInfo("custom", dumped_by=str(major), server_version=str(major)))
        result = predeploy.dump(db.name, db.dsn, db.backup.location, install,
                                timeout=max(db.backup.rto, 60.0), connect_timeout=self.timeout(db))
        if not result.ok or result.path is None:
            return PreDeploy(result, None, None, None, None)
        check = read_backup(result.path, install)
        if not check.readable:
            return PreDeploy(result, check, None, None, None)
        source = self._pool.submit(snapshot.take, db.dsn, db.backup.invariants,
                                   timeout=self.timeout(db))
        server = self.scratch_server(db, install)
        target = server.create_database(f"{db.name}_predeploy")
        obs = restore(result.path, detect(result.path), install, target, conn.parts(target)["dbname"],
                      jobs=db.backup.jobs, timeout=max(db.backup.rto * 1.5, db.backup.rto + 60.0))
        copy = snapshot.take(target, db.backup.invariants) if obs.ok else None
        return PreDeploy(result, check, obs, source.result(), copy)

    def _pre_deploy_file(self, db: Any) -> PreDeploy:
        from golive.backup import snapshots
        from golive.backup.drills import SourceUnreadable, drill_for

        kind = self.kind(db)
        taken = snapshots.take(db.name, kind, db.backup, self.timeout(db))
        if not taken.ok or taken.path is None:
            return PreDeploy(taken, None, None, None, None)
        place = scratch.scratch_dir(f"{db.name}-predeploy")
        try:
            drill = drill_for(kind, db.backup, place.path, self.timeout(db))
            try:
                check = drill.integrity(taken.path)
                if not check.readable:
                    return PreDeploy(taken, check, None, None, None)
                obs = drill.restore(taken.path)
                if not obs.ok:
                    return PreDeploy(taken, check, obs, None, None)
                try:
                    comparison = drill.compare()
                except SourceUnreadable as exc:
                    raise DrillError(f"{db.name}: {exc}", unreachable=True) from None
                return PreDeploy(taken, check, obs, None, None, comparison)
            finally:
                drill.close()
        finally:
            place.close()

    # ---------------------------------------------------------------- end

    def others(self, db: Any) -> Any:
        """The session cache of the file and Redis kinds (created on first use)."""
        from golive.backup.files import FileKinds

        with self._lock:
            if self._files is None:
                self._files = FileKinds(self)
            return self._files

    def members(self, db: Any) -> tuple[tuple[str, ...], str]:
        """What backup.contents judges: archive members, SQLite tables, or the tables of the
        restored PostgreSQL copy (short names: "orders" for "public.orders")."""
        kind = self.kind(db)
        if kind in (Kind.PG_DUMP, Kind.PGBACKREST):
            restored = self.restored(db)
            if restored.dsn is None:
                raise DrillError(f"{db.name}: restore failed, contents unknown: {restored.observation.error}")
            names = [t[len("public."):] if t.startswith("public.") else t for t in self.copy_snapshot(db).tables]
            return tuple(names), "tables"
        obs = self.integrity(db)
        if not obs.readable:
            raise DrillError(f"{db.name}: backup unreadable, contents unknown: {obs.detail}")
        return obs.members, "tables" if kind == Kind.SQLITE else "members"

    @staticmethod
    def matches(members: tuple[str, ...], globs: list[str]) -> dict[str, list[str]]:
        from golive.backup.drills.archive import matching

        return {g: matching(members, g) for g in globs}

    def pgbackrest(self) -> Any:
        """The session cache of the pgBackRest steps (created on first use)."""
        from golive.backup.pgbackrest import PgBackRest

        with self._lock:
            if self._pgbackrest is None:
                self._pgbackrest = PgBackRest(self)
            return self._pgbackrest

    def background(self, function: Any, *args: Any) -> Future[Any]:
        """Run a step in the drill's worker pool (e.g. a restore that overlaps a verify)."""
        return self._pool.submit(function, *args)

    def keep_server(self, db: Any, server: scratch.ScratchServer) -> None:
        """A scratch server a kind started (pgBackRest's restored cluster): stopped in ``close()``."""
        with self._lock:
            self._servers[f"restored:{db.name}"] = server

    def extra_differences(self, db: Any) -> list[str]:
        """Differences beyond the snapshot compare: pgBackRest's recovery target."""
        restored = self.restored(db)
        if self.kind(db) != Kind.PGBACKREST or restored.dsn is None:
            return []
        return self.pgbackrest().target_differences(db, restored.dsn)

    def compares_counts(self, db: Any) -> bool:
        """Row counts are compared with the live source unless the restore stopped at a past target."""
        return not (self.kind(db) == Kind.PGBACKREST and db.backup.pgbackrest.target_time)

    def compare(self, db: Any) -> Any:
        """backup.verify of the file and Redis kinds: the restored copy vs the live source."""
        return self.others(db).compare(db)

    def close(self) -> None:
        """Drop every scratch database, stop every ephemeral server, remove every scratch directory
        (also after failures and Ctrl-C: the session fixture's finalizer calls this)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for closer in (self._files, self._pgbackrest):
            if closer is not None:
                closer.close()
        for server in list(self._servers.values()):
            server.close()
        self._servers.clear()
        for place in list(self._scratch.values()):
            place.close()
        self._scratch.clear()


def _is_pgbackrest(db: Any) -> bool:
    return db.backup.kind == Kind.PGBACKREST or db.backup.pgbackrest is not None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def now() -> float:
    """Wall-clock time, one place (tests of rules pass their own)."""
    return time.time()
