"""The scratch server a restore drill writes into, and its throw-away databases.

Default: an ephemeral local PostgreSQL started for the session from a chosen installation
(``golive.backup.binaries``), reachable only through a private Unix socket (no TCP listener, trust
auth inside a 0700 directory), data under a fresh ``/tmp/golive-scratch-*``. When golive runs as
root the server runs as the ``postgres`` system user (initdb refuses root). With ``scratch_dsn``
an existing server is used instead; a scratch DSN naming the source database is refused.

Every scratch database is named ``golive_scratch_*`` and dropped afterwards; every ephemeral
server is stopped by its PID and its directory removed — from the session fixture's finalizer,
and, for a run that dies another way, from ``atexit`` and a SIGTERM handler (external servers
too: a SIGTERM mid-restore drops the ``golive_scratch_`` database it was filling). Scratch
directories and processes of the other kinds (``scratch_dir``, ``track``) get the same clean-up.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.backup import conn
from golive.backup.binaries import PgInstall

PREFIX = "golive_scratch_"


class ScratchError(Exception):
    """The scratch side could not be set up (no binaries, server did not start, DSN refused)."""


def _drop_privileges() -> list[str]:
    """Prefix that runs a command as ``postgres`` when we are root (setpriv execs: the PID is the
    server's own, so stopping by PID reaches it)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class ScratchServer:
    """A server scratch databases are created on; ``owned`` servers are ours to stop."""

    admin_dsn: str
    install: PgInstall | None
    owned: bool
    process: subprocess.Popen[bytes] | None = None
    work: Path | None = None
    databases: list[str] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __repr__(self) -> str:  # the admin DSN may carry a password
        return f"ScratchServer(owned={self.owned}, databases={self.databases})"

    def create_database(self, label: str) -> str:
        """A new empty ``golive_scratch_<label>_<random>`` database; returns its DSN."""
        from psycopg import sql

        safe = "".join(ch if ch.isalnum() else "_" for ch in label.lower())[:30]
        name = f"{PREFIX}{safe}_{secrets.token_hex(4)}"
        with conn.connect(self.admin_dsn, read_only=False, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        with self._lock:
            self.databases.append(name)
        return conn.with_db(self.admin_dsn, name)

    def drop_database(self, name: str) -> None:
        """Drop one scratch database (only ever a ``golive_scratch_`` one)."""
        from psycopg import sql

        if not name.startswith(PREFIX):
            raise ScratchError(f"refusing to drop {name!r}: not a scratch database")
        with conn.connect(self.admin_dsn, read_only=False, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        with self._lock:
            if name in self.databases:
                self.databases.remove(name)

    def close(self) -> None:
        """Drop what we created, stop what we started; safe to call twice."""
        if not self.owned:
            for name in list(self.databases):
                with contextlib.suppress(Exception):
                    self.drop_database(name)
        else:
            self.databases.clear()  # the whole cluster goes
        self._stop()
        _LIVE.discard(self)

    def _stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        if self.owned and self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)

    __hash__ = object.__hash__


_LIVE: set[Any] = set()  # per process: scratch things (anything with close()) atexit/SIGTERM clean up


def track(thing: Any) -> Any:
    """Register a scratch server, directory or process for clean-up if the run dies; returns it."""
    _install_cleanup()
    _LIVE.add(thing)
    return thing


def untrack(thing: Any) -> None:
    _LIVE.discard(thing)


def _cleanup_all() -> None:
    for thing in list(_LIVE):
        with contextlib.suppress(Exception):
            thing.close()


_previous_sigterm: Any = None


def _on_sigterm(signum: int, frame: Any) -> None:
    """Clean up every scratch thing, then let the previous handler (or the default) end the run."""
    _cleanup_all()
    if callable(_previous_sigterm):
        _previous_sigterm(signum, frame)
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


_installed = False


def _install_cleanup() -> None:
    """atexit, plus a SIGTERM handler chained in front of whatever handler is there (CI cancels a
    job with SIGTERM; Ctrl-C unwinds through the fixtures' finalizers and atexit)."""
    global _installed, _previous_sigterm
    if _installed:
        return
    _installed = True
    atexit.register(_cleanup_all)
    if threading.current_thread() is threading.main_thread():
        current = signal.getsignal(signal.SIGTERM)
        if current is not _on_sigterm:
            _previous_sigterm = current if callable(current) else None
            signal.signal(signal.SIGTERM, _on_sigterm)


@dataclass(eq=False)
class ScratchDir:
    """A throw-away directory (``golive-scratch-<label>-*``) for a restore; removed by ``close()``."""

    path: Path

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        _LIVE.discard(self)


def scratch_dir(label: str, parent: Path | None = None) -> ScratchDir:
    """A new private scratch directory, tracked for clean-up."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in label.lower())[:30]
    path = Path(tempfile.mkdtemp(prefix=f"golive-scratch-{safe}-", dir=parent))
    os.chmod(path, 0o700)
    return track(ScratchDir(path))


def start_ephemeral(install: PgInstall, timeout: float = 60.0, tcp_port: int | None = None,
                    label: str = "scratch") -> ScratchServer:
    """initdb + postgres from ``install``; ready when psycopg logs in through the socket.

    ``tcp_port`` additionally listens on 127.0.0.1 with a password (the demo database uses it so
    that its DSN looks like a real one); the admin DSN then carries that password.
    """
    if not install.has_server:
        raise ScratchError(f"{install.bin_dir} has no server binaries (postgres, initdb)")
    work = Path(tempfile.mkdtemp(prefix=f"golive-{label}-"))
    data, sock = work / "data", work / "sock"
    sock.mkdir()
    password = secrets.token_hex(12)
    pwfile = work / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (work, sock, pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(work, 0o700)
    init = subprocess.run([*_drop_privileges(), install.tool("initdb"), "-D", str(data), "-U", "golive",
                           f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                           "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                          capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL)
    pwfile.unlink(missing_ok=True)
    if init.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        why = (init.stderr or init.stdout).strip()[-500:]
        raise ScratchError(f"initdb ({install.bin_dir}) failed: {why}")
    port = tcp_port or 5432
    if tcp_port:
        admin = f"postgresql://golive:{password}@127.0.0.1:{port}/postgres"
    else:
        admin = conn.with_db(f"host={sock} port={port} user=golive", "postgres")
    return _launch(install, work, data, admin, port, "127.0.0.1" if tcp_port else "", timeout)


FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_wal_size=4GB",
        "checkpoint_timeout=1h", "maintenance_work_mem=256MB", "logging_collector=off")
"""A throw-away server needs no durability."""


def _launch(install: PgInstall, work: Path, data: Path, admin: str, port: int, listen: str, timeout: float,
            settings: tuple[str, ...] = ()) -> ScratchServer:
    """Start ``postgres`` on ``data`` (socket in ``work/sock``) and wait until ``admin`` logs in."""
    sock = work / "sock"
    argv = [*_drop_privileges(), install.tool("postgres"), "-D", str(data), "-p", str(port), "-k", str(sock),
            "-c", f"listen_addresses={listen}"]
    for setting in (*FAST, *settings):
        argv += ["-c", setting]
    log = work / "server.log"
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(argv, stdout=devnull, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = track(ScratchServer(admin, install, owned=True, process=process, work=work))
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            server.close()
            fatal = [line for line in err.splitlines() if ("FATAL" in line or "PANIC" in line)
                     and "starting up" not in line and "not yet accepting" not in line]
            raise ScratchError(f"scratch postgres exited with {process.returncode}: "
                               f"{(fatal[-1] if fatal else err.strip()[-500:]).strip()}")
        if _ready(admin):
            break
        if time.monotonic() > deadline:
            server.close()
            raise ScratchError(f"scratch postgres not ready within {timeout:g}s")
        time.sleep(0.05)
    if process.stderr is not None:  # keep draining the log so the server never blocks on a full pipe
        threading.Thread(target=_drain, args=(process.stderr, log), daemon=True).start()
    return server


def start_restored(install: PgInstall, work: Path, data: Path, user: str, dbname: str, timeout: float,
                   settings: tuple[str, ...] = ()) -> ScratchServer:
    """A scratch server on a restored data directory (pgBackRest): socket only, trust through a
    private hba file (the source's pg_hba.conf is not used), no TLS, no archiving."""
    sock = work / "sock"
    sock.mkdir(exist_ok=True)
    hba = work / "scratch_hba.conf"
    hba.write_text("local all all trust\n")
    if not (data / "postgresql.conf").exists():  # Debian keeps it in /etc/postgresql/N/main
        (data / "postgresql.conf").write_text("")
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (sock, hba, data / "postgresql.conf"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    admin = conn.with_db(f"host={sock} port=5432 user={user}", dbname)
    return _launch(install, work, data, admin, 5432, "", timeout,
                   (f"hba_file={hba}", "ssl=off", "archive_mode=off", "archive_command=", "hot_standby=on",
                    *settings))


def _drain(stream: Any, log: Path) -> None:
    with contextlib.suppress(OSError, ValueError), log.open("ab") as out:
        for line in stream:
            out.write(line)


def _ready(dsn: str) -> bool:
    import psycopg

    try:
        with conn.connect(dsn, read_only=False, timeout=1):
            return True
    except psycopg.Error:
        return False


def external(scratch_dsn: str, source_dsn: str | None) -> ScratchServer:
    """Use an existing server; refuse a scratch DSN that names the source database itself."""
    if source_dsn and conn.same_database(scratch_dsn, source_dsn):
        raise ScratchError("scratch_dsn names the source database itself; refusing to restore into it "
                           "(point scratch_dsn at another database or server, or leave it empty)")
    return track(ScratchServer(scratch_dsn, None, owned=False))
