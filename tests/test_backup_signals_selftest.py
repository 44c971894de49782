"""Ctrl-C and SIGTERM in the middle of a restore, with real signals to a real golive run: the scratch
database on an external ``scratch_dsn`` is dropped (issue 15.8: a CI cancel used to leave a full copy
of the source behind), scratch servers are stopped and scratch directories removed, for pg_dump
(external and ephemeral scratch servers), archives and Redis.

Each test starts golive in its own session (as a terminal job), waits until the restore is really
under way (the scratch database exists and pg_restore is connected, the extraction is writing, the
scratch redis-server is loading), sends the signal, and then looks for leftovers.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.backup import binaries
from golive.demo.database import load_sample, pg_dump
from tests import backup_fixtures as fx
from tests.harness import CHECKS, REPO
from tests.servers.postgres import PgServer, require_postgres, running_postgres
from tests.servers.redis import require_redis, running_redis

pytestmark = pytest.mark.xdist_group("backup_signals_selftest")  # its module fixtures start once, on one worker


@pytest.fixture(scope="module")
def big_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PgServer, str, Path]]:
    """A source of ~600k rows (a restore of several seconds) and its custom-format dump."""
    require_postgres()
    root = tmp_path_factory.mktemp("signals-pg")
    install = binaries.choose(binaries.installations(), 15, 15)
    assert install is not None
    with running_postgres(root / "pg") as pg:
        source = pg.create_database("shop")
        load_sample(source, rows=600_000, payload=64)
        dumps = root / "dumps"
        dumps.mkdir()
        pg_dump(source, dumps / "shop.dump", install)
        yield pg, source, dumps


def _start(profile: dict[str, Any], root: Path) -> tuple[subprocess.Popen[str], Path]:
    """golive in its own session (a terminal job), TMPDIR private so leftovers can be counted."""
    root.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix="gl-sig-"))
    private.chmod(0o1777)
    path = root / "profile.yaml"
    path.write_text(yaml.safe_dump(profile))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
    env["TMPDIR"] = str(private)
    command = [sys.executable, "-m", "pytest", str(CHECKS), "-p", "no:locust", "-p", "no:cacheprovider",
               "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), "--profile", str(path),
               "--report-dir", str(root / "reports"), "-q", "-m", "backup"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True, stdin=subprocess.DEVNULL)
    return process, private


def _wait_for(predicate: Callable[[], bool], process: subprocess.Popen[str], what: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"golive ended before {what}:\n{out[-3000:]}")
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError(f"{what} never happened within {limit:g}s")


def _scratch_dbs(pg: PgServer) -> set[str]:
    with pg.connect() as admin:
        return {r[0] for r in admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'golive_scratch_%'").fetchall()}


def _restoring(pg: PgServer) -> bool:
    with pg.connect() as admin:
        return bool(admin.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = 'pg_restore' "
                                  "AND datname LIKE 'golive_scratch_%'").fetchall())


def _processes_under(path: Path) -> list[str]:
    """Command lines of live processes that mention ``path`` or work in it (scratch servers)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "status").read_text()
            cwd = os.readlink(proc / "cwd")  # redis-server renames its title but works in its --dir
        except OSError:
            continue
        if (str(path) in cmdline or cwd.startswith(str(path))) and "zombie" not in state.lower():
            found.append(cmdline)
    return found


def _finish(process: subprocess.Popen[str], private: Path) -> tuple[str, set[str], list[str]]:
    try:
        out, _ = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    left = {p.name for p in private.iterdir()} - {"pytest-of-root"}
    running = _processes_under(private)
    shutil.rmtree(private, ignore_errors=True)
    return out, left, running


def test_sigterm_mid_restore_drops_the_scratch_database_on_an_external_scratch_dsn(
        big_pg: Any, tmp_path: Path) -> None:
    pg, source, dumps = big_pg
    profile = {"name": "sigterm", "databases": [{"name": "shop", "dsn": source, "backup": {
        "location": str(dumps), "rto": "10m", "scratch_dsn": pg.dsn}}]}
    process, private = _start(profile, tmp_path)
    _wait_for(lambda: _restoring(pg), process, "pg_restore filling the scratch database")
    assert _scratch_dbs(pg), "the scratch database should exist mid-restore"
    process.send_signal(signal.SIGTERM)
    out, left, running = _finish(process, private)
    deadline = time.monotonic() + 10  # DROP DATABASE ... WITH (FORCE) ends the restore's sessions
    while _scratch_dbs(pg) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _scratch_dbs(pg) == set(), out[-2000:]
    assert left == set() and running == [], (left, running)


def test_sigint_mid_restore_stops_the_ephemeral_scratch_server(big_pg: Any, tmp_path: Path) -> None:
    _pg, source, dumps = big_pg
    profile = {"name": "sigint", "databases": [{"name": "shop", "dsn": source, "backup": {
        "location": str(dumps), "rto": "10m"}}]}
    process, private = _start(profile, tmp_path)

    def restoring() -> bool:
        return any(private.glob("golive-scratch-*")) and bool(_processes_under(private)) and any(
            "pg_restore" in c for c in _all_cmdlines(process.pid))

    _wait_for(restoring, process, "pg_restore into the ephemeral scratch server")
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    out, left, running = _finish(process, private)
    assert left == set() and running == [], (left, running, out[-2000:])


def _all_cmdlines(root_pid: int) -> list[str]:
    """Command lines of ``root_pid``'s process group (golive and the tools it runs)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc.name)) != root_pid:
                continue
            found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ProcessLookupError):
            continue
    return found


def test_sigint_mid_extraction_removes_the_scratch_directory(tmp_path: Path) -> None:
    fx.require("tar")
    data = tmp_path / "data"
    data.mkdir()
    with (data / "big.bin").open("wb") as out:  # compresses to ~0.5 MB, extracts to 600 MB
        out.truncate(600 * 1024 * 1024)
    (data / "small.txt").write_text("x")
    fx.tar_dir(data, tmp_path / "backups" / "files.tar.gz")
    profile = {"name": "sigint-archive", "databases": [{"name": "files", "backup": {
        "kind": "archive", "location": str(tmp_path / "backups"), "source": str(data), "rto": "10m"}}]}
    process, private = _start(profile, tmp_path / "run")

    def extracting() -> bool:
        return any(p.stat().st_size > 10 * 1024 * 1024 for p in private.glob("golive-scratch-*/restored/**/big.bin"))

    _wait_for(extracting, process, "the extraction writing into the scratch directory")
    os.killpg(process.pid, signal.SIGINT)
    out, left, running = _finish(process, private)
    assert left == set() and running == [], (left, running, out[-2000:])


def test_sigint_mid_load_stops_the_scratch_redis_server(tmp_path: Path) -> None:
    require_redis()
    import redis

    with running_redis(tmp_path / "live", {"appendonly": "no", "save": '""', "enable-debug-command": "local"}) as rd:
        client = redis.Redis(host="127.0.0.1", port=rd.port, socket_timeout=300)
        client.execute_command("DEBUG", "POPULATE", "2000000", "key", "64")
        client.save()
        (tmp_path / "backups").mkdir()
        shutil.copy(tmp_path / "live" / "dump.rdb", tmp_path / "backups" / "dump.rdb")
        profile = {"name": "sigint-redis", "databases": [{"name": "cache", "backup": {
            "kind": "redis", "location": str(tmp_path / "backups"), "source": rd.url(), "rto": "10m"}}]}
        process, private = _start(profile, tmp_path / "run")
        _wait_for(lambda: any("redis-server" in c for c in _processes_under(private)), process,
                  "the scratch redis-server loading the RDB")
        os.killpg(process.pid, signal.SIGINT)
        out, left, running = _finish(process, private)
    assert left == set() and running == [], (left, running, out[-2000:])
