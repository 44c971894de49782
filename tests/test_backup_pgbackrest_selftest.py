"""The pgBackRest kind proven both ways with a real pgBackRest 2.x: a repository, a stanza and WAL
archiving on a real PostgreSQL 15, one full backup of the sample shop database, then one golive run
whose "databases" point at that repository or at damaged copies of it (``location`` is the
repository path): a sound backup restores into a scratch data directory, a scratch server replays
the WAL and matches the source; a restore to a target time pauses there; a corrupted backup file,
a missing WAL segment, an unknown stanza, a stale set or an unreachable target each fail with a
precise message. No scratch directory or server is left.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive.demo.database import load_sample
from tests.harness import GoliveRun, run_golive
from tests.servers.pgbackrest import STANZA, running_pgbackrest

pytestmark = pytest.mark.xdist_group("backup_pgbackrest_selftest")  # its module fixtures start once, on one worker

IDS = ("backup.fresh", "backup.integrity", "backup.restore", "backup.verify", "backup.retention")


def _chown_tree(root: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam("postgres")
    for path in (root, *root.rglob("*")):
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GoliveRun, set[str], str]]:
    root = tmp_path_factory.mktemp("pgbr")
    with running_pgbackrest(root) as pgbr:
        source = pgbr.pg.create_database("shop")
        load_sample(source, rows=5000)
        pgbr.backup("full")
        with pgbr.pg.connect("shop") as db:
            db.execute("CREATE TABLE late (id serial PRIMARY KEY, batch int)")
            db.execute("INSERT INTO late (batch) SELECT 1 FROM generate_series(1, 100)")
        time.sleep(1.2)
        target = datetime.now(UTC).isoformat()
        time.sleep(1.2)
        with pgbr.pg.connect("shop") as db:
            db.execute("INSERT INTO late (batch) SELECT 2 FROM generate_series(1, 50)")
        pgbr.switch_wal("shop")

        copies = Path(tempfile.mkdtemp(prefix="golive-pgbr-copies-"))
        corrupt = shutil.copytree(pgbr.repo, copies / "corrupt", symlinks=True)
        biggest = max((p for p in (corrupt / "backup").rglob("*.gz") if p.is_file() and "base" in p.parts),
                      key=lambda p: p.stat().st_size)
        data = bytearray(biggest.read_bytes())
        data[len(data) // 2: len(data) // 2 + 64] = bytes(64)
        biggest.write_bytes(bytes(data))
        no_wal = shutil.copytree(pgbr.repo, copies / "no-wal", symlinks=True)
        segments = sorted(p for p in (no_wal / "archive").rglob("0000000100000000000000*") if p.is_file())
        for segment in segments:
            segment.unlink()
        _chown_tree(copies)
        copies.chmod(0o755)

        spec = {"stanza": STANZA, "config": str(pgbr.config)}

        def case(name: str, location: Path, **extra: Any) -> dict[str, Any]:
            backup = {"kind": "pgbackrest", "location": str(location), "max_age": "24h", "rto": "3m",
                      "pgbackrest": {**spec, **extra.pop("pgbackrest", {})}, **extra}
            return {"name": name, "dsn": source, "backup": backup}

        future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        databases = [
            case("pgbr_good", pgbr.repo, contents=["orders", "late"]),
            case("pgbr_target", pgbr.repo, pgbackrest={"target_time": target}),
            case("pgbr_beyond", pgbr.repo, rto="40s", pgbackrest={"target_time": future}),
            case("pgbr_corrupt", corrupt),
            case("pgbr_no_wal", no_wal),
            case("pgbr_stale", pgbr.repo, max_age="2s"),
            case("pgbr_no_stanza", pgbr.repo, pgbackrest={"stanza": "nope"}),
        ]
        private_tmp = Path(tempfile.mkdtemp(prefix="gl-pgbr-"))
        private_tmp.chmod(0o1777)
        profile = {"name": "pgbr-selftest", "environment": "staging", "timeout": "5s", "databases": databases}
        run = run_golive(profile, "-m", "backup", tmp_path=root / "run", timeout=900,
                         env={"TMPDIR": str(private_tmp)})
        leftovers = {p.name for p in private_tmp.iterdir()} - {"pytest-of-root"}
        shutil.rmtree(private_tmp, ignore_errors=True)
        shutil.rmtree(copies, ignore_errors=True)
        yield run, leftovers, pgbr.pg.password


def test_sound_pgbackrest_backup_passes_all_five(lab: Any) -> None:
    run = lab[0]
    statuses = {i: run.status(i, "pgbr_good") for i in IDS}
    assert statuses == dict.fromkeys(IDS, "passed"), (statuses, [run.message(i, "pgbr_good") for i in IDS])
    integrity = run.message("backup.integrity", "pgbr_good")
    assert "pgbackrest verify ok" in integrity and "WAL archived 0000000100000000" in integrity, integrity
    assert "restored copy matches the source" in run.message("backup.verify", "pgbr_good")
    assert run.status("backup.contents", "pgbr_good") == "passed", run.message("backup.contents", "pgbr_good")


def test_restore_to_a_target_time_pauses_there(lab: Any) -> None:
    run = lab[0]
    for check_id in ("backup.integrity", "backup.restore", "backup.verify"):
        assert run.status(check_id, "pgbr_target") == "passed", run.message(check_id, "pgbr_target")


def test_target_beyond_the_archive_fails_restore_naming_it(lab: Any) -> None:
    run = lab[0]
    assert run.status("backup.restore", "pgbr_beyond") == "failed"
    message = run.message("backup.restore", "pgbr_beyond")
    assert "pgbr_beyond: restore into the scratch place failed" in message, message
    assert "recovery ended before configured recovery target was reached" in message, message
    assert run.status("backup.verify", "pgbr_beyond") in ("failed", "error")


def test_corrupted_backup_file_fails_integrity_by_pgbackrest_verify(lab: Any) -> None:
    run = lab[0]
    assert run.status("backup.integrity", "pgbr_corrupt") == "failed"
    message = run.message("backup.integrity", "pgbr_corrupt")
    assert "pgbackrest verify: backup: 2" in message and "checksum invalid: 1" in message, message


def test_missing_wal_fails_integrity(lab: Any) -> None:
    run = lab[0]
    assert run.status("backup.integrity", "pgbr_no_wal") == "failed"
    message = run.message("backup.integrity", "pgbr_no_wal")
    assert "pgbr_no_wal:" in message and "WAL" in message, message


def test_stale_and_unknown_stanza_fail_fresh(lab: Any) -> None:
    run = lab[0]
    assert run.status("backup.fresh", "pgbr_stale") == "failed"
    assert "older" in run.message("backup.fresh", "pgbr_stale") or "old" in run.message("backup.fresh", "pgbr_stale")
    assert run.status("backup.fresh", "pgbr_no_stanza") == "failed"
    for check_id in ("backup.fresh", "backup.integrity"):
        assert "nope" in run.message(check_id, "pgbr_no_stanza"), run.message(check_id, "pgbr_no_stanza")


def test_no_scratch_left_and_no_password_in_reports(lab: Any) -> None:
    run, leftovers, password = lab
    assert leftovers == set(), leftovers
    assert password not in run.output and password not in run.report_text()


def test_encrypted_repository_passes_backup_encryption_with_its_passphrase(tmp_path: Path) -> None:
    """backup.encryption for pgBackRest: the repository's own cipher (aes-256-cbc), read with the
    profile's passphrase (given through the environment, never written to a report)."""
    passphrase = "pgbr-cipher-passphrase-4711"
    with running_pgbackrest(tmp_path / "enc", cipher_pass=passphrase) as pgbr:
        source = pgbr.pg.create_database("shop")
        load_sample(source, rows=2000)
        pgbr.backup("full")
        plain_config = pgbr.work / "plain.conf"  # the same repository, read without its passphrase
        plain_config.write_text("\n".join(line for line in pgbr.config.read_text().splitlines()
                                          if "cipher" not in line) + "\n")
        _chown_tree(plain_config)

        def case(name: str, config: Path, encryption: dict[str, Any]) -> dict[str, Any]:
            return {"name": name, "dsn": source, "backup": {
                "kind": "pgbackrest", "location": str(pgbr.repo), "rto": "3m", "encryption": encryption,
                "pgbackrest": {"stanza": STANZA, "config": str(config), "verify": False}}}

        profile = {"name": "pgbr-enc", "environment": "staging", "timeout": "5s", "databases": [
            case("enc_ok", plain_config, {"passphrase": "${PGBR_PASS}"}),
            case("enc_wrong", plain_config, {"passphrase": "not-the-passphrase"})]}
        run = run_golive(profile, "-m", "backup", "-k", "encryption or integrity", tmp_path=tmp_path / "run",
                         timeout=600, env={"PGBR_PASS": passphrase})
    assert run.status("backup.encryption", "enc_ok") == "passed", run.message("backup.encryption", "enc_ok")
    assert "aes-256-cbc repository" in run.message("backup.encryption", "enc_ok")
    assert run.status("backup.integrity", "enc_ok") == "passed", run.message("backup.integrity", "enc_ok")
    assert run.status("backup.encryption", "enc_wrong") == "failed"
    assert "cannot be read" in run.message("backup.encryption", "enc_wrong"), run.message("backup.encryption",
                                                                                         "enc_wrong")
    assert passphrase not in run.output and passphrase not in run.report_text()


def test_a_stanza_that_does_not_decrypt_is_unreadable_not_empty() -> None:
    """With a wrong passphrase pgbackrest exits 0, status 99 and no set (what it printed here, with
    the decrypted garbage it quotes): backup.encryption says the repository cannot be read, from the
    repository's message (the stanza's own is only "other"), on one printable line."""
    from types import SimpleNamespace

    from golive.backup.pgbackrest import PgBackRest

    info = {"name": STANZA, "cipher": "aes-256-cbc", "backup": [], "status": {"code": 99, "message": "other"},
            "repo": [{"cipher": "aes-256-cbc", "key": 1, "status": {"code": 99, "message": (
                "[FormatError] unable to load info file '/r/backup/golive/backup.info' or "
                "'/r/backup/golive/backup.info.copy':\nFormatError: key/value found outside of section at line 1: "
                "\ufffdx\x01\ufffd")}}]}
    db = SimpleNamespace(name="enc_wrong", backup=SimpleNamespace(pgbackrest=SimpleNamespace(stanza=STANZA)))
    backend = PgBackRest(owner=None)  # no drill: info is already cached, nothing runs
    backend._info["enc_wrong"] = info
    seen = backend.encryption(db)
    assert seen.encrypted and not seen.ok
    assert seen.detail == ("cannot be read with the profile's passphrase: [FormatError] unable to load info file "
                           "'/r/backup/golive/backup.info' or '/r/backup/golive/backup.info.copy':")
