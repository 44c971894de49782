"""A real PostgreSQL 15 (Debian's binaries) on loopback for golive's own tests.

``start_postgres(root)`` runs initdb and the postmaster as the ``postgres`` system user (the tests
run as root and initdb refuses root), listening on 127.0.0.1 with a password for TCP clients and a
private Unix socket directory, waits until psycopg can log in (a readiness poll, not a sleep), and
returns a handle that stops the server by PID.

The data directory lives in a fresh ``/tmp/golive-pg-*`` directory owned by ``postgres``: pytest's
``tmp_path`` sits under a root-only (0700) directory the postgres user cannot traverse. ``root``
keeps the log, so a failing start shows why.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers.base import ServerProcess, free_port, start_process

PG_BIN = Path(os.environ.get("GOLIVE_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "golive"


def postgres_available() -> bool:
    return (PG_BIN / "postgres").exists() and (PG_BIN / "initdb").exists()


def require_postgres() -> None:
    """Skip (locally) when the server binaries are missing; CI installs postgresql-15."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql-15)")


def _as_postgres() -> list[str]:
    """Command prefix that drops root to the ``postgres`` user, exec-ing in place (PID stays ours).

    ``setpriv`` execs the target directly, so the PID we hold is the postmaster's; ``runuser``
    (the fallback) forks and waits, which still works since we stop the whole process group.
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PgServer:
    """A running PostgreSQL: connection strings, database creation, stop by PID."""

    host: str
    port: int
    user: str
    password: str
    data_dir: Path
    socket_dir: Path
    process: ServerProcess
    _work: Path = field(repr=False)

    @property
    def dsn(self) -> str:
        return self.dsn_for("postgres")

    def dsn_for(self, dbname: str) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> Any:
        import psycopg

        return psycopg.connect(self.dsn_for(dbname), autocommit=autocommit, connect_timeout=5)

    def create_database(self, name: str) -> str:
        """Create (or re-create) database ``name``; returns its DSN."""
        from psycopg import sql

        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn_for(name)

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster by PID), then the process group, then the files."""
        pid_file = self.data_dir / "postmaster.pid"
        if self.process.process.poll() is None and pid_file.exists():
            with contextlib.suppress(ValueError, OSError, ProcessLookupError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.process.wait(timeout=10)
        self.process.stop()
        shutil.rmtree(self._work, ignore_errors=True)


def _ready(dsn: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(dsn, connect_timeout=1):
            return True
    except psycopg.Error:
        return False


def start_postgres(root: Path, port: int | None = None, timeout: float = 30.0,
                   settings: tuple[str, ...] = ()) -> PgServer:
    """initdb + postmaster on 127.0.0.1:``port`` (a free one by default); ready when login works.
    ``settings``: more ``name=value`` server settings (archiving for pgBackRest, replication...)."""
    require_postgres()
    root.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    work = Path(tempfile.mkdtemp(prefix="golive-pg-"))
    data, sockets = work / "data", work / "sock"
    sockets.mkdir()
    password = secrets.token_hex(12)
    pwfile = work / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (work, sockets, pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(work, 0o700)
    log = root / "postgres.log"
    with log.open("ab") as out:
        subprocess.run([*_as_postgres(), str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER,
                        f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                       stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    pwfile.unlink()
    dsn = f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"
    process = start_process(
        "postgres",
        [*_as_postgres(), str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", *[arg for setting in settings for arg in ("-c", setting)]],
        log, lambda: _ready(dsn), timeout=timeout)
    return PgServer("127.0.0.1", port, SUPERUSER, password, data, sockets, process, work)


@contextlib.contextmanager
def running_postgres(root: Path, port: int | None = None, settings: tuple[str, ...] = ()) -> Iterator[PgServer]:
    """``with running_postgres(tmp) as pg:`` — stopped by PID on the way out, also on errors."""
    server = start_postgres(root, port, settings=settings)
    try:
        yield server
    finally:
        server.stop()


def postgres_session_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """Body of a session-scoped fixture; wrap it::

        @pytest.fixture(scope="session")
        def pg(tmp_path_factory):
            yield from postgres_session_fixture(tmp_path_factory)
    """
    with running_postgres(tmp_path_factory.mktemp("postgres")) as server:
        yield server
