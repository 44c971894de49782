"""A real pgBackRest (Debian's package) with a repository, a stanza and WAL archiving, on a real
PostgreSQL 15 started for the test (``tests.servers.postgres``).

``running_pgbackrest(root)`` writes a pgbackrest.conf (repository, log, lock and spool paths in a
fresh ``/tmp/golive-pgbr-*`` directory owned by ``postgres``), starts PostgreSQL with
``archive_mode=on`` and ``archive_command = pgbackrest archive-push``, creates the stanza and checks
it; ``backup()`` takes a backup set. pgBackRest runs as ``postgres`` (it reads the data directory).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.postgres import PgServer, _as_postgres, require_postgres, running_postgres

STANZA = "golive"


def require_pgbackrest() -> None:
    require_postgres()
    if shutil.which("pgbackrest") is None:
        pytest.skip("pgbackrest not installed (apt-get install pgbackrest; scripts/system-deps.sh does)")


@dataclass
class PgBackRestLab:
    pg: PgServer
    work: Path
    config: Path
    repo: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*_as_postgres(), "pgbackrest", f"--config={self.config}", f"--stanza={STANZA}",
                               *args], capture_output=True, text=True, check=check, timeout=300,
                              stdin=subprocess.DEVNULL)

    def backup(self, kind: str = "full") -> str:
        self.run(f"--type={kind}", "backup")
        return self.labels()[-1]

    def labels(self) -> list[str]:
        import json

        info = json.loads(self.run("info", "--output=json").stdout)
        return [b["label"] for b in info[0].get("backup", [])]

    def switch_wal(self, dbname: str = "postgres") -> None:
        with self.pg.connect(dbname) as conn:
            conn.execute("SELECT pg_switch_wal()")
        self.run("check")  # waits until the switched segment is archived


@contextlib.contextmanager
def running_pgbackrest(root: Path, cipher_pass: str | None = None) -> Iterator[PgBackRestLab]:
    require_pgbackrest()
    work = Path(tempfile.mkdtemp(prefix="golive-pgbr-"))
    for sub in ("repo", "log", "lock", "spool"):
        (work / sub).mkdir()
    config = work / "pgbackrest.conf"
    lines = ["[global]", f"repo1-path={work / 'repo'}", f"log-path={work / 'log'}", f"lock-path={work / 'lock'}",
             f"spool-path={work / 'spool'}", "log-level-console=warn", "log-level-file=off", "start-fast=y",
             "archive-timeout=60", "repo1-retention-full=4"]
    if cipher_pass:
        lines += ["repo1-cipher-type=aes-256-cbc", f"repo1-cipher-pass={cipher_pass}"]
    config.write_text("\n".join(lines) + "\n")
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (work, *work.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(config, 0o600)
    settings = ("archive_mode=on", f"archive_command=pgbackrest --config={config} --stanza={STANZA} archive-push %p",
                "wal_level=replica", "max_wal_senders=4")
    try:
        with running_postgres(root / "pg", settings=settings) as pg:
            with config.open("a") as out:
                out.write(f"[{STANZA}]\npg1-path={pg.data_dir}\npg1-port={pg.port}\npg1-socket-path={pg.socket_dir}\n"
                          f"pg1-user={pg.user}\n")
            lab = PgBackRestLab(pg, work, config, work / "repo")
            lab.run("stanza-create")
            lab.run("check")
            yield lab
    finally:
        shutil.rmtree(work, ignore_errors=True)
