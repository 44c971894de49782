"""The restore drill proven both ways against a real PostgreSQL 15.

One server, one sample database (``shop``: five tables with foreign keys, a btree and a pg_trgm
GIN index, a sequence, ~100k rows), and one golive run whose profile holds one "database" per case:
good backups in every pg_dump format, and one backup per defect (truncated, missing a table, three
days old, empty, corrupted in the middle of its data, an empty directory, too many kept...). Every
case shares the source; each has its own backup location.
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.backup import binaries, conn
from golive.demo.database import load_sample, pg_dump
from tests.harness import REPO, GoliveRun, run_golive
from tests.servers.base import free_port
from tests.servers.postgres import PgServer, require_postgres, running_postgres

pytestmark = pytest.mark.xdist_group("backup_selftest")  # its module fixtures start once, on one worker

DAY = 86400
IDS = ("backup.fresh", "backup.integrity", "backup.restore", "backup.verify")


def _cut(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def _corrupt_middle(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 256] = bytes((i * 37 + 11) % 256 for i in range(256))
    dst.write_bytes(bytes(data))
    return dst


def _gzip(src: Path, dst: Path) -> Path:
    with src.open("rb") as raw, gzip.open(dst, "wb") as out:
        shutil.copyfileobj(raw, out)
    return dst


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GoliveRun, PgServer, set[str]]]:
    require_postgres()
    root = tmp_path_factory.mktemp("backup-drill")
    install = binaries.choose(binaries.installations(), 15, 15)
    assert install is not None, "no PostgreSQL installation found"
    with running_postgres(root / "pg") as pg:
        source = pg.create_database("shop")
        load_sample(source, rows=100_000)
        dumps = root / "dumps"
        dumps.mkdir()
        custom = pg_dump(source, dumps / "shop.dump", install, "c")
        plain = pg_dump(source, dumps / "shop.sql", install, "p")
        cases: dict[str, list[Path]] = {}

        def case(name: str) -> Path:
            folder = root / "backups" / name
            folder.mkdir(parents=True)
            cases[name] = [folder]
            return folder

        shutil.copy(custom, case("good") / "shop-20261122.dump")
        pg_dump(source, case("good_dir") / "shop-dir", install, "d")
        pg_dump(source, case("good_tar") / "shop.tar", install, "t")
        shutil.copy(plain, case("good_plain") / "shop.sql")
        _gzip(plain, case("good_gzip") / "shop.sql.gz")
        _cut(custom, case("truncated") / "shop.dump", 0.6)
        _cut(_gzip(plain, dumps / "shop.sql.gz"), case("truncated_gzip") / "shop.sql.gz", 0.7)
        _cut(plain, case("truncated_plain") / "shop.sql", 0.8)
        pg_dump(source, case("missing_table") / "shop.dump", install, "c", ("--exclude-table=audit_log",))
        stale = shutil.copy(custom, case("stale") / "shop.dump")
        os.utime(stale, (time.time() - 3 * DAY, time.time() - 3 * DAY))
        (case("empty") / "shop.dump").write_bytes(b"")
        _corrupt_middle(custom, case("corrupt") / "shop.dump")
        case("empty_dir")
        crowded = case("crowded")
        for index, age_days in enumerate((0, 1, 120)):
            copy = shutil.copy(custom, crowded / f"shop-{index}.dump")
            os.utime(copy, (time.time() - age_days * DAY, time.time() - age_days * DAY))
        shutil.copy(custom, case("remote") / "shop.dump")
        shutil.copy(custom, case("predeploy") / "shop.dump")
        shutil.copy(custom, case("predeploy_down") / "shop.dump")
        shutil.copy(custom, case("external") / "shop.dump")
        shutil.copy(custom, case("refused") / "shop.dump")

        databases: list[dict[str, Any]] = []
        for name, (folder, *_) in cases.items():
            backup: dict[str, Any] = {"location": str(folder), "max_age": "24h", "rto": "5m"}
            if name == "crowded":
                backup["retention"] = {"keep": 2, "max_age_days": 90}
            if name == "external":
                backup["scratch_dsn"] = pg.dsn  # same server, another database: allowed
            if name == "refused":
                backup["scratch_dsn"] = source  # the source itself: refused
            if name == "good":
                backup["invariants"] = ["SELECT count(*), sum(total) FROM orders",
                                        "SELECT max(id) FROM audit_log"]
            if name == "remote":
                backup["host"] = "dbhost"  # read through testinfra (local:// backend)
                backup["location"] = f"{folder}/*.dump"
            if name.startswith("predeploy"):
                backup["pre_deploy"] = True
            dsn = source if name != "predeploy_down" else f"postgresql://golive:x@127.0.0.1:{free_port()}/shop"
            databases.append({"name": name, "dsn": dsn, "backup": backup})
        # A private TMPDIR: scratch servers of other tests (xdist workers) must not count as leftovers.
        private_tmp = Path(tempfile.mkdtemp(prefix="gl-bk-"))
        private_tmp.chmod(0o1777)  # like /tmp: the scratch server may run as the postgres user
        profile = {"name": "backup-selftest", "environment": "staging", "timeout": "5s",
                   "hosts": [{"name": "dbhost", "connection": "local://"}], "databases": databases}
        run = run_golive(profile, "-m", "backup", tmp_path=root / "run", timeout=600,
                         env={"TMPDIR": str(private_tmp)})
        leftovers = {p.name for p in private_tmp.glob("golive-scratch-*")}
        shutil.rmtree(private_tmp, ignore_errors=True)
        with pg.connect() as admin:
            scratch_dbs = {r[0] for r in admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'golive_scratch_%'").fetchall()}
        yield run, pg, leftovers | scratch_dbs


def _status(run: GoliveRun, check_id: str, subject: str) -> str:
    return run.status(check_id, subject)


@pytest.mark.parametrize("subject", ["good", "good_dir", "good_tar", "good_plain", "good_gzip", "external",
                                     "remote"])
def test_sound_backup_passes_all_four(drill: Any, subject: str) -> None:
    run = drill[0]
    statuses = {i: _status(run, i, subject) for i in IDS}
    assert statuses == dict.fromkeys(IDS, "passed"), (statuses, [run.message(i, subject) for i in IDS])


def test_sound_backup_passes_retention_and_records_evidence(drill: Any) -> None:
    run = drill[0]
    assert _status(run, "backup.retention", "good") == "passed", run.message("backup.retention", "good")
    fresh = run.result("backup.fresh", "good")
    restore = run.result("backup.restore", "good")
    assert "age" in str(fresh), fresh
    assert "restore_seconds" in str(restore), restore
    assert "backup of good" in (run.report_dir / "signoff.json").read_text()


@pytest.mark.parametrize(("subject", "words"), [
    ("truncated", ["truncated", "not readable to its end"]),
    ("truncated_gzip", ["truncated_gzip", "not readable"]),
    ("truncated_plain", ["truncated_plain", "dump complete"]),
    ("empty", ["empty", "0 bytes"]),
    ("corrupt", ["corrupt", "not readable to its end"]),
])
def test_damaged_backup_fails_integrity_and_never_passes_restore(drill: Any, subject: str,
                                                                 words: list[str]) -> None:
    run = drill[0]
    assert _status(run, "backup.integrity", subject) == "failed"
    message = run.message("backup.integrity", subject)
    for word in words:
        assert word in message, message
    assert _status(run, "backup.restore", subject) in ("failed", "error")
    assert _status(run, "backup.verify", subject) in ("failed", "error")
    assert "restore failed" in run.message("backup.verify", subject) or subject == "empty"


def test_dump_missing_a_table_fails_verify_naming_it(drill: Any) -> None:
    run = drill[0]
    for check_id in ("backup.fresh", "backup.integrity", "backup.restore"):
        assert _status(run, check_id, "missing_table") == "passed", run.message(check_id, "missing_table")
    assert _status(run, "backup.verify", "missing_table") == "failed"
    message = run.message("backup.verify", "missing_table")
    assert "missing_table:" in message and "table audit_log missing" in message, message
    assert "orders" not in message, message  # only what differs


def test_three_day_old_backup_fails_fresh_with_age_and_limit(drill: Any) -> None:
    run = drill[0]
    assert _status(run, "backup.fresh", "stale") == "failed"
    message = run.message("backup.fresh", "stale")
    assert "stale:" in message and "3d" in message and "24h" in message, message
    assert _status(run, "backup.verify", "stale") == "passed"


def test_empty_directory_fails_fresh_and_the_rest(drill: Any) -> None:
    run = drill[0]
    assert _status(run, "backup.fresh", "empty_dir") == "failed"
    message = run.message("backup.fresh", "empty_dir")
    assert "empty_dir: no backup found at" in message, message
    for check_id in ("backup.integrity", "backup.restore", "backup.verify"):
        assert _status(run, check_id, "empty_dir") in ("failed", "error")


def test_retention_over_the_policy_fails(drill: Any) -> None:
    run = drill[0]
    assert _status(run, "backup.retention", "crowded") == "failed"
    message = run.message("backup.retention", "crowded")
    assert "3 backups kept, policy keeps at most 2" in message and "older than 90d" in message, message


def test_scratch_dsn_equal_to_source_is_refused(drill: Any) -> None:
    run = drill[0]
    assert _status(run, "backup.restore", "refused") in ("failed", "error")
    assert "refusing" in run.message("backup.restore", "refused")
    assert _status(run, "backup.verify", "refused") in ("failed", "error")


def test_scratch_databases_and_servers_are_removed(drill: Any) -> None:
    assert drill[2] == set()


def test_no_password_in_reports_or_output(drill: Any) -> None:
    run, pg = drill[0], drill[1]
    assert pg.password not in run.output
    assert pg.password not in run.report_text()


def test_pre_deploy_is_opt_in_and_dumps_restores_and_verifies(drill: Any) -> None:
    run = drill[0]
    subjects = {r["subject"] for r in run.item("backup.pre_deploy")["results"]}
    assert subjects == {"predeploy", "predeploy_down"}, subjects
    result = run.result("backup.pre_deploy", "predeploy")
    assert result["status"] == "passed", result
    assert "pre-deploy dump" in str(result) and "predeploy-" in str(result), result


def test_pre_deploy_with_unreachable_source_fails_naming_it(drill: Any) -> None:
    run = drill[0]
    assert run.status("backup.pre_deploy", "predeploy_down") in ("failed", "error")
    message = run.message("backup.pre_deploy", "predeploy_down")
    assert "predeploy_down: source 127.0.0.1:" in message and "unreachable" in message, message


def test_demo_database_drill_passes(tmp_path: Path) -> None:
    """The block profiles/demo.yaml carries: the demo database's fresh dump passes the drill."""
    require_postgres()
    from golive.demo.database import start_demo_database

    block = {"name": "shop", "dsn": "${GOLIVE_DEMO_DB_DSN}",
             "backup": {"location": "${GOLIVE_DEMO_BACKUP_DIR}", "max_age": "24h", "rto": "2m"}}
    with start_demo_database(tmp_path / "state") as env:
        run = run_golive({"name": "demo-backup", "environment": "staging", "databases": [block]},
                         "-m", "backup", tmp_path=tmp_path, env=env)
        password = conn.parts(env["GOLIVE_DEMO_DB_DSN"])["password"]
    for check_id in (*IDS, "backup.retention"):
        assert run.status(check_id, "shop") == "passed", run.message(check_id, "shop")
    assert password not in run.output and password not in run.report_text()


_HOLD_SCRATCH = """
import sys, time
from golive.backup import binaries, scratch
server = scratch.start_ephemeral(binaries.choose(binaries.installations(), None, None))
print(server.process.pid, server.work, flush=True)
if sys.argv[1] == "interrupt":
    raise KeyboardInterrupt
time.sleep(120)
"""


@pytest.mark.parametrize("how", ["sigterm", "interrupt"])
def test_scratch_server_is_stopped_when_the_run_dies(tmp_path: Path, how: str) -> None:
    """SIGTERM (a CI cancelling the job) and Ctrl-C still stop the scratch server and remove its data."""
    require_postgres()
    process = subprocess.Popen([sys.executable, "-c", _HOLD_SCRATCH, how], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stdout is not None
    line = process.stdout.readline().split()
    assert line, process.stderr.read() if process.stderr else ""
    pid, work = int(line[0]), Path(line[1])
    if how == "sigterm":
        process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert not work.exists()
