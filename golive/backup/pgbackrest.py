"""pgBackRest backups: the repository's own view (``info --output=json``, ``verify``), a restore into a
scratch data directory and a scratch server started on it.

- listing (fresh, retention): the stanza's backup sets, newest first, dated by their stop time.
- integrity: the stanza and repository status are ok, the newest set is not marked in error, its
  WAL range lies inside the archive range, and ``pgbackrest verify`` (checksums of every backup file
  and WAL segment, WAL continuity) exits 0.
- restore: ``pgbackrest restore --archive-mode=off`` (the restored server never archives into the
  source's repository) into a scratch directory owned by ``postgres``, then a scratch server on it
  (private socket, trust through its own hba file, no TLS); done when recovery has finished, or is
  paused at ``target_time``.
- verify: the snapshot compare with the source; with ``target_time``, the replay reached the target
  (paused there, last replayed commit not after it) and the tables match by name.

``backup.location`` is the repository path (``--repo1-path``) when it is absolute; otherwise the
configuration's repository is used as is. The repository is only read (``restore`` writes into the
scratch directory; its lock and log go there too).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from golive.backup import binaries, scratch
from golive.backup.model import (
    BackupFile,
    DecryptObservation,
    DumpInfo,
    IntegrityObservation,
    Located,
    RestoreObservation,
)

BINARY = "pgbackrest"


class PgBackRestError(Exception):
    """pgbackrest could not answer (not installed, no such stanza, unreadable repository)."""


@dataclass
class RestoredCluster:
    observation: RestoreObservation
    dsn: str | None
    install: binaries.PgInstall | None
    server: scratch.ScratchServer | None = None


def pg_time(text: str) -> str:
    """A timestamp as pgBackRest and PostgreSQL's recovery_target_time read it (UTC, no "T")."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def _as_postgres() -> list[str]:
    return scratch._drop_privileges()


def _last_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line]
    return (errors[-1] if errors else (lines[-1] if lines else "no error text")).split("ERROR: ", 1)[-1]


class PgBackRest:
    """Per-session cache of the pgBackRest steps, one entry per database."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner  # BackupDrill: installs, scratch places, timeouts, source snapshots
        self._info: dict[str, dict[str, Any] | str] = {}
        self._restored: dict[str, RestoredCluster] = {}
        self._restoring: dict[str, Future[RestoredCluster]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the command line

    def _options(self, db: Any) -> list[str]:
        spec = db.backup.pgbackrest
        options = [f"--stanza={spec.stanza}", "--log-level-file=off", "--log-level-console=warn"]
        if spec.config:
            options.append(f"--config={spec.config}")
        if db.backup.location.startswith("/"):
            options.append(f"--repo1-path={db.backup.location}")
        return options

    def _env(self, db: Any) -> dict[str, str]:
        env = dict(os.environ)
        key = db.backup.encryption
        if key is not None and key.passphrase:
            env["PGBACKREST_REPO1_CIPHER_PASS"] = key.passphrase  # never on the command line
            env.setdefault("PGBACKREST_REPO1_CIPHER_TYPE", "aes-256-cbc")
        return env

    def _run(self, db: Any, command: str, *extra: str, as_postgres: bool = False, timeout: float = 600.0,
             after: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        binary = shutil.which(BINARY)
        if binary is None:
            raise PgBackRestError("pgbackrest is not installed (apt-get install pgbackrest)")
        argv = [*(_as_postgres() if as_postgres else []), binary, *self._options(db), *extra, command, *after]
        return subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout, check=False,
                              env=self._env(db), stdin=subprocess.DEVNULL)

    # ------------------------------------------------------------------ info, listing

    def info(self, db: Any) -> dict[str, Any]:
        """The stanza's entry of ``pgbackrest info --output=json`` (cached); raises PgBackRestError."""
        if db.name not in self._info:
            try:
                done = self._run(db, "info", "--output=json", timeout=max(60.0, self.owner.timeout(db) * 6))
            except PgBackRestError as exc:
                self._info[db.name] = str(exc)
            else:
                if done.returncode != 0:
                    self._info[db.name] = f"pgbackrest info failed: {_last_error(done.stderr)}"
                else:
                    self._info[db.name] = self._stanza(db, done.stdout)
        found = self._info[db.name]
        if isinstance(found, str):
            raise PgBackRestError(found)
        return found

    @staticmethod
    def _stanza(db: Any, output: str) -> dict[str, Any] | str:
        try:
            stanzas = json.loads(output or "[]")
        except ValueError:  # what a wrong repository passphrase decrypts to
            return "pgbackrest info answered garbage: the repository does not decrypt with the given passphrase"
        mine = [s for s in stanzas if s.get("name") == db.backup.pgbackrest.stanza]
        return mine[0] if mine else f"stanza {db.backup.pgbackrest.stanza} not found"

    def located(self, db: Any) -> Located:
        where = f"{db.backup.location} (stanza {db.backup.pgbackrest.stanza})"
        try:
            info = self.info(db)
        except PgBackRestError as exc:
            return Located(where, (), str(exc))
        sets = [BackupFile(b["label"], float(b["timestamp"]["stop"]),
                           int(b.get("info", {}).get("repository", {}).get("size", 0)))
                for b in info.get("backup", [])]
        return Located(where, tuple(sorted(sets, key=lambda f: f.mtime, reverse=True)))

    def encryption(self, db: Any) -> DecryptObservation:
        """backup.encryption for a repository: its cipher, and whether the profile's passphrase reads it."""
        where = f"stanza {db.backup.pgbackrest.stanza}"
        try:
            info = self.info(db)
        except PgBackRestError as exc:
            return DecryptObservation(where, "pgbackrest", True, False, f"cannot be read: {exc}")
        cipher = str(info.get("cipher", "none"))
        if cipher == "none":
            return DecryptObservation(where, "pgbackrest", False, True,
                                      "is in a repository without encryption (repo1-cipher-type none)")
        backups = info.get("backup") or []
        status = info.get("status") or {}
        if not backups and status.get("code", 0) != 0:
            # a passphrase that does not decrypt backup.info: pgbackrest exits 0 with status 99 and no
            # set (or, when the garbage breaks its JSON, with output that does not parse): either way
            # the repository cannot be read, it is not empty
            return DecryptObservation(where, "pgbackrest", True, False,
                                      f"cannot be read with the profile's passphrase: {_status_reason(info)}")
        if not backups:
            return DecryptObservation(where, "pgbackrest", True, False, "has no backup set to decrypt")
        label = backups[-1]["label"]
        # the newest set's manifest, decrypted with the profile's passphrase (info alone may not notice
        # a wrong one): pgbackrest repo-get decrypts, then the INI must be readable
        done = self._run(db, "repo-get", timeout=max(60.0, self.owner.timeout(db) * 6),
                         after=(f"backup/{db.backup.pgbackrest.stanza}/{label}/backup.manifest",))
        if done.returncode != 0 or "[backup]" not in done.stdout:
            why = _last_error(done.stderr) if done.returncode != 0 else "the decrypted manifest is garbage"
            return DecryptObservation(where, "pgbackrest", True, False,
                                      f"cannot be read with the profile's passphrase: {why}")
        return DecryptObservation(where, "pgbackrest", True, True,
                                  f"is in a {cipher} repository and set {label} decrypts with the profile's "
                                  "passphrase", inner="pgbackrest")

    # ------------------------------------------------------------------ integrity

    def integrity(self, db: Any) -> IntegrityObservation:
        start = time.monotonic()
        where = f"stanza {db.backup.pgbackrest.stanza}"
        try:
            info = self.info(db)
        except PgBackRestError as exc:
            return IntegrityObservation(where, 0, DumpInfo("pgbackrest"), False, str(exc), kind="pgbackrest")
        status = info.get("status", {})
        backups = info.get("backup", [])
        problems: list[str] = []
        if status.get("code", 0) != 0:
            problems.append(f"stanza status: {status.get('message', status.get('code'))}")
        newest = backups[-1] if backups else None
        size = int(newest.get("info", {}).get("repository", {}).get("size", 0)) if newest else 0
        if newest is None:
            problems.append("no backup set in the repository")
        else:
            where = f"{newest['label']} ({newest.get('type', '?')})"
            if newest.get("error"):
                problems.append(f"backup {newest['label']} is marked in error (page checksum failures)")
            archive = next((a for a in info.get("archive", [])
                            if a.get("database", {}).get("id") == newest.get("database", {}).get("id")), None)
            wal = newest.get("archive", {})
            if archive is None or not archive.get("min"):
                problems.append("no WAL archived for the backup's database")
            elif not (archive["min"] <= wal.get("start", "") <= wal.get("stop", "") <= archive["max"]):
                problems.append(f"WAL {wal.get('start')}..{wal.get('stop')} of the backup not in the archive "
                                f"({archive['min']}..{archive['max']})")
        verified = ""
        if not problems and db.name in self.owner.restore_planned:
            self.start_restore(db)
        if not problems and db.backup.pgbackrest.verify:
            done = self._run(db, "verify", "--output=text", timeout=max(600.0, db.backup.rto))
            report = [line.strip() for line in done.stdout.splitlines() if line.strip()]
            if done.returncode != 0:
                problems.append(f"pgbackrest verify: {_last_error(done.stderr or done.stdout)}")
            elif any(line == "status: error" for line in report):  # verify's text report (--output=text)
                found = [line for line in report if not line.startswith(("stanza:", "status:"))]
                problems.append("pgbackrest verify: " + "; ".join(found[:6]))
            else:
                verified = "; pgbackrest verify ok (backup files and WAL checksums, WAL continuity)"
        info_obj = DumpInfo("pgbackrest", server_version=(info.get("db") or [{}])[-1].get("version"))
        if problems:
            return IntegrityObservation(where, size, info_obj, False, "; ".join(problems), kind="pgbackrest",
                                        seconds=time.monotonic() - start)
        archive_range = f"{archive['min']}..{archive['max']}" if archive else "?"
        return IntegrityObservation(where, size, info_obj, True,
                                    f"backup set {newest['label']}, WAL archived {archive_range}{verified}",
                                    bytes_read=size, kind="pgbackrest", seconds=time.monotonic() - start)

    # ------------------------------------------------------------------ restore

    def start_restore(self, db: Any) -> None:
        """Start the restore in the background (``integrity`` runs ``verify`` meanwhile: both only
        read the repository, and a person would wait for one, then the other)."""
        with self._lock:
            if db.name not in self._restoring and db.name not in self._restored:
                self._restoring[db.name] = self.owner.background(self._restore, db)

    def restore(self, db: Any) -> RestoredCluster:
        with self._lock:
            if db.name in self._restored:
                return self._restored[db.name]
            running = self._restoring.pop(db.name, None)
        result = running.result() if running is not None else self._restore(db)
        with self._lock:
            self._restored[db.name] = result
        return result

    def _restore(self, db: Any) -> RestoredCluster:
        from golive.backup import conn

        try:
            info = self.info(db)
        except PgBackRestError as exc:
            return RestoredCluster(RestoreObservation(False, 0.0, "", error=str(exc)), None, None)
        version = (info.get("db") or [{}])[-1].get("version")
        major = int(str(version).split(".")[0]) if version else None
        install = binaries.choose(self.owner.installs(db), major, major)
        if install is None:
            return RestoredCluster(RestoreObservation(False, 0.0, "", error=f"no PostgreSQL {major} server "
                                                      "installed to start the restored cluster on"), None, None)
        work = self.owner.scratch_place(db) / "pgbackrest"
        work.mkdir(mode=0o700)
        data = work / "data"
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.owner.scratch_place(db), entry.pw_uid, entry.pw_gid)
            os.chown(work, entry.pw_uid, entry.pw_gid)
        spec = db.backup.pgbackrest
        newest = (info.get("backup") or [{}])[-1].get("label")
        target = ["--type=default"] + ([f"--set={newest}"] if newest else [])
        if spec.target_time:
            target = ["--type=time", f"--target={pg_time(spec.target_time)}", "--target-action=pause",
                      *([f"--set={newest}"] if newest else [])]
        start = time.monotonic()
        limit = max(db.backup.rto * 1.5, db.backup.rto + 60.0)
        try:
            done = self._run(db, "restore", f"--pg1-path={data}", f"--lock-path={work / 'lock'}",
                             "--archive-mode=off", *target, as_postgres=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return RestoredCluster(RestoreObservation(False, time.monotonic() - start, str(work),
                                                      error=f"pgbackrest restore still running after {limit:g}s"),
                                   None, install)
        if done.returncode != 0:
            return RestoredCluster(RestoreObservation(False, time.monotonic() - start, str(work), log=done.stderr,
                                                      error=f"pgbackrest restore: {_last_error(done.stderr)}"),
                                   None, install)
        parts = conn.parts(db.dsn) if db.dsn else {}
        user, dbname = parts.get("user", "postgres"), parts.get("dbname", "postgres")
        try:
            server = scratch.start_restored(install, work, data, user, dbname, timeout=limit)
            error = self._wait_recovered(server, bool(spec.target_time), limit - (time.monotonic() - start))
        except scratch.ScratchError as exc:
            return RestoredCluster(RestoreObservation(False, time.monotonic() - start, str(work), log=done.stderr,
                                                      error=f"restored cluster did not start: {exc}"), None, install)
        seconds = time.monotonic() - start
        self.owner.keep_server(db, server)
        if error:
            return RestoredCluster(RestoreObservation(False, seconds, str(work), error=error), None, install, server)
        how = f"paused at target {spec.target_time}" if spec.target_time else "WAL replayed to the end"
        return RestoredCluster(RestoreObservation(True, seconds, str(work), log=f"{done.stderr}\n{how}",
                                                  local_path=data), server.admin_dsn, install, server)

    @staticmethod
    def _wait_recovered(server: scratch.ScratchServer, paused: bool, limit: float) -> str:
        """Wait until recovery is over (promoted) or, with a target, paused at it; a server that
        stops during recovery (target not reached, WAL missing) fails with its FATAL line."""
        import psycopg

        from golive.backup import conn

        dsn = server.admin_dsn
        deadline = time.monotonic() + max(limit, 10.0)
        while time.monotonic() < deadline:
            if server.process is not None and server.process.poll() is not None:
                time.sleep(0.2)  # let the log drain
                log = server.work / "server.log" if server.work else None
                text = log.read_text(errors="replace") if log is not None and log.exists() else ""
                return f"the restored server stopped during recovery: {_recovery_fatal(text)}"
            try:
                with conn.connect(dsn, read_only=True, timeout=5, autocommit=True) as db:
                    in_recovery, pause = db.execute(
                        "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() "
                        "THEN pg_get_wal_replay_pause_state() ELSE 'not paused' END").fetchone()
            except psycopg.Error:
                in_recovery, pause = True, "starting"
            if paused and pause == "paused":
                return ""
            if not in_recovery:
                return "" if not paused else "recovery ended without pausing at the target (promoted)"
            time.sleep(0.1)
        return f"recovery not finished within {limit:g}s"

    def target_differences(self, db: Any, dsn: str) -> list[str]:
        """With ``target_time``: the replay paused at the target and replayed nothing after it."""
        from golive.backup import conn

        spec = db.backup.pgbackrest
        if not spec.target_time:
            return []
        with conn.connect(dsn, read_only=True, timeout=self.owner.timeout(db), autocommit=True) as cur:
            row = cur.execute("SELECT pg_get_wal_replay_pause_state(), pg_last_xact_replay_timestamp(), "
                              "%s::timestamptz", (pg_time(spec.target_time),)).fetchone()
        state, last, wanted = row
        diffs = []
        if state != "paused":
            diffs.append(f"WAL replay not paused at the target ({state})")
        if last is not None and last > wanted:
            diffs.append(f"last replayed commit {last.isoformat()} is after the target {wanted.isoformat()}")
        if last is None:
            diffs.append("no transaction replayed from the WAL archive before the target")
        return diffs

    def close(self) -> None:
        self._restored.clear()


# FATAL lines a server logs for a client it turns away while it starts, recovers or stops: they say
# nothing about why recovery stopped, and golive's own polling connections cause them.
_CLIENT_REFUSALS = ("the database system is starting up", "the database system is in recovery mode",
                    "the database system is shutting down", "the database system is not yet accepting connections",
                    "the database system is not accepting connections")


def _recovery_fatal(log: str) -> str:
    """The FATAL line that says why recovery stopped (for example "recovery ended before configured
    recovery target was reached"), not a refusal of one of golive's own polling connections."""
    fatal = [line.split("FATAL:", 1)[1].strip() for line in log.splitlines() if "FATAL:" in line]
    causes = [line for line in fatal if not line.startswith(_CLIENT_REFUSALS)]
    return (causes or fatal or ["no FATAL logged"])[-1]


def _status_reason(info: dict[str, Any]) -> str:
    """Why ``pgbackrest info`` says a stanza is not ok: the repository's own message (the top-level
    one is only "other"), its first line, without the decrypted garbage it may quote."""
    messages = [str((repo.get("status") or {}).get("message", "")) for repo in info.get("repo") or []]
    messages.append(str((info.get("status") or {}).get("message", "")))
    first = next((m for m in messages if m and m != "other"), "other")
    line = first.splitlines()[0] if first.strip() else "other"
    return "".join(c for c in line if c.isprintable() and c != "\ufffd")[:300]
