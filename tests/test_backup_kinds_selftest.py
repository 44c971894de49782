"""The backup kinds beyond pg_dump proven both ways in one real golive run: SQLite online backups,
archives by the real tar/zip, JSON state, Redis RDB/AOF with a real redis-server, age/gpg
encryption — a sound backup of each kind passes the five checks; each defect (truncated, corrupt,
stale, missing member, wrong schema, path traversal, absolute symlink, wrong kind, wrong key...)
fails with a message naming the database, what was seen and what was expected.

Each case is one "database" of the profile with its own backup location and live source. The run
uses a private TMPDIR, so the test can prove that no scratch directory or server is left behind and
that nothing was written outside the scratch place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import backup_fixtures as fx
from tests.harness import GoliveRun, run_golive
from tests.servers.redis import require_redis, running_redis

pytestmark = pytest.mark.xdist_group("backup_kinds_selftest")  # its module fixtures start once, on one worker

IDS = ("backup.fresh", "backup.integrity", "backup.restore", "backup.verify", "backup.retention")
DAY = 86400
PASSPHRASE = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GoliveRun, Path, set[str]]]:
    fx.require("tar", "zip", "zstd", "sha256sum", "age", "age-keygen", "gpg")
    require_redis()
    import redis

    root = tmp_path_factory.mktemp("kinds")
    dbs: list[dict[str, Any]] = []

    def case(name: str, kind: str | None, source: str | Path | None = None, **extra: Any) -> Path:
        folder = root / "backups" / name
        folder.mkdir(parents=True)
        backup: dict[str, Any] = {"location": str(folder), "max_age": "24h", "rto": "2m", **extra}
        if kind:
            backup["kind"] = kind
        if source is not None:
            backup["source"] = str(source)
        dbs.append({"name": name, "backup": backup})
        return folder

    # ---------------------------------------------------------------- SQLite
    live = fx.make_sqlite(root / "live" / "app.db")
    fx.sqlite_backup(live, case("sqlite_good", "sqlite", live,
                                invariants=["SELECT count(*), max(id) FROM notes"]) / "app-1.db")
    fx.sqlite_backup(live, root / "good.db")
    fx.cut(root / "good.db", case("sqlite_truncated", "sqlite", live) / "app.db", 0.6)
    fx.corrupt_pages(root / "good.db", case("sqlite_corrupt", "sqlite", live) / "app.db")
    (case("sqlite_empty", "sqlite", live) / "app.db").write_bytes(b"")
    stale = shutil.copy(root / "good.db", case("sqlite_stale", "sqlite", live) / "app.db")
    os.utime(stale, (time.time() - 3 * DAY, time.time() - 3 * DAY))
    grown = fx.make_sqlite(root / "live2" / "app.db", notes=60)
    fx.sqlite_backup(live, case("sqlite_behind", "sqlite", grown) / "app.db")  # 50 notes vs 60 live
    shutil.copy(root / "good.db", case("wrong_kind", "pg_dump") / "app.dump")
    shutil.copy(root / "good.db", case("detected_sqlite", None, live) / "app.db")

    # ---------------------------------------------------------------- archives
    tree = fx.make_tree(root / "live" / "data")
    good = case("tar_gz_good", "archive", tree, exclude=["SHA256SUMS"],
                contents=["app.db", ".env.production", "uploads/*.bin"])
    fx.tar_dir(fx.with_manifest(shutil.copytree(tree, root / "stage-m")), good / "backup-1.tar.gz",
               top="omnitask_backup_1")
    fx.tar_dir(tree, case("tar_zst_good", "archive", tree) / "backup.tar.zst", compress="zst")
    fx.tar_dir(tree, case("tar_good", "archive", tree) / "backup.tar", compress="")
    fx.zip_dir(tree, case("zip_good", "archive", tree) / "backup.zip")
    fx.tar_dir(tree, root / "full.tar.gz", top="b")
    fx.cut(root / "full.tar.gz", case("tar_gz_truncated", "archive", tree) / "b.tar.gz", 0.5)
    fx.tar_dir(tree, root / "full.tar.zst", compress="zst")
    fx.cut(root / "full.tar.zst", case("tar_zst_truncated", "archive", tree) / "b.tar.zst", 0.7)
    fx.zip_dir(tree, root / "full.zip")
    fx.cut(root / "full.zip", case("zip_truncated", "archive", tree) / "b.zip", 0.8)
    (case("archive_empty", "archive", tree) / "b.tar.gz").write_bytes(b"")
    fx.evil_tar(case("tar_traversal", "archive", tree) / "b.tar.gz", "traversal")
    fx.evil_tar(case("tar_abs_symlink", "archive", tree) / "b.tar.gz", "symlink")
    fx.evil_zip(case("zip_traversal", "archive", tree) / "b.zip")
    partial = shutil.copytree(tree, root / "partial")
    shutil.rmtree(partial / "config")
    fx.tar_dir(partial, case("tar_missing_member", "archive", tree,
                             contents=["config/*.json", "secrets/*"]) / "b.tar.gz")
    bad_sums = fx.with_manifest(shutil.copytree(tree, root / "stage-bad"))
    (bad_sums / "uploads" / "img3.bin").write_bytes(b"tampered after the manifest")
    fx.tar_dir(bad_sums, case("tar_bad_manifest", "archive", tree, exclude=["SHA256SUMS"]) / "b.tar.gz")

    # ---------------------------------------------------------------- JSON state
    state = fx.make_state(root / "live" / "state")
    schema = root / "state.schema.json"
    schema.write_text(__import__("json").dumps(fx.STATE_SCHEMA))
    rule = [{"glob": "states/*.json", "schema_file": str(schema)}]
    fx.tar_dir(state, case("json_good", "json_state", state, schemas=rule) / "state.tar.gz", top="state-1")
    broken = fx.make_state(root / "stage-broken")
    (broken / "states" / "task-2.json").write_text('{"id": "task-2", "phase": "do')
    fx.tar_dir(broken, case("json_corrupt", "json_state", state) / "state.tar.gz")
    off = fx.make_state(root / "stage-schema")
    (off / "states" / "task-4.json").write_text('{"id": "task-4", "phase": "exploded", "steps": [1]}')
    fx.tar_dir(off, case("json_schema_fail", "json_state", state, schemas=rule) / "state.tar.gz")
    older = fx.make_state(root / "stage-older", count=5)
    (older / "config.json").write_text('{"retention": 30}')
    fx.tar_dir(older, case("json_behind", "json_state", state) / "state.tar.gz")

    # ---------------------------------------------------------------- Redis
    with running_redis(root / "redis-live", {"appendonly": "no", "save": '""'}, password="redis-secret-pw") as rd:
        url = "${KINDS_REDIS_URL}"
        client = redis.Redis(host="127.0.0.1", port=rd.port, password="redis-secret-pw")
        for i in range(200):
            client.set(f"task:{i}", "x" * 50)
        client1 = redis.Redis(host="127.0.0.1", port=rd.port, password="redis-secret-pw", db=1)
        for i in range(7):
            client1.hset(f"session:{i}", mapping={"user": str(i)})
        client.save()
        rdb = root / "redis-live" / "dump.rdb"
        shutil.copy(rdb, case("redis_good", "redis", url) / "dump.rdb")
        aof = b"".join([fx.resp("SELECT", "0"), *[fx.resp("SET", f"task:{i}", "x" * 50) for i in range(200)],
                        fx.resp("SELECT", "1"),
                        *[fx.resp("HSET", f"session:{i}", "user", str(i)) for i in range(7)]])
        (case("redis_aof_good", "redis", url) / "appendonly.aof").write_bytes(aof)
        fx.cut(rdb, case("redis_truncated", "redis", url) / "dump.rdb", 0.5)
        (case("redis_aof_cut", "redis", url) / "appendonly.aof").write_bytes(aof[: len(aof) - 13])
        for i in range(30):
            client.delete(f"task:{i}")
        client.save()
        shutil.copy(rdb, case("redis_behind", "redis", url) / "dump.rdb")  # 170 keys in it, 200 live
        for i in range(30):
            client.set(f"task:{i}", "x" * 50)

        # ------------------------------------------------------------ encryption
        keys = root / "keys"
        identity, recipient = fx.age_keypair(keys, "backup")
        _other, other_recipient = fx.age_keypair(keys, "other")
        fx.age_encrypt(root / "good.db", case("enc_age", "sqlite", live,
                                              encryption={"identity_file": str(identity)}) / "app.db.age", recipient)
        fx.gpg_symmetric(root / "full.tar.gz", case("enc_gpg", "archive", tree,
                                                    encryption={"passphrase": "${KINDS_PASSPHRASE}"}) / "b.tar.gz.gpg",
                         PASSPHRASE, root / "gnupg-writer")
        fx.age_encrypt(root / "good.db", case("enc_other_key", "sqlite", live,
                                              encryption={"identity_file": str(identity)}) / "app.db.age",
                       other_recipient)
        fx.gpg_symmetric(root / "full.tar.gz", case("enc_bad_phrase", "archive", tree,
                                                    encryption={"passphrase": "not the passphrase"}) / "b.tgz.gpg",
                         PASSPHRASE, root / "gnupg-writer")
        (keys / "lost.key").write_text("")  # the key's file is there, its key is gone
        fx.age_encrypt(root / "good.db", case("enc_key_unreadable", "sqlite", live,
                                              encryption={"identity_file": str(keys / "lost.key")}) / "a.db.age",
                       recipient)
        shutil.copy(root / "good.db", case("enc_plaintext", "sqlite", live,
                                           encryption={"identity_file": str(identity)}) / "app.db")
        fx.age_encrypt(root / "good.db", case("enc_no_key", "sqlite", live) / "app.db.age", recipient)
        ring = root / "gnupg-keys"
        secret = fx.gpg_keypair(ring, "backup@example.com", keys / "backup-secret.asc")
        fx.gpg_keypair(ring, "other@example.com", keys / "other-secret.asc")
        fx.gpg_encrypt(root / "good.db", case("enc_gpg_key", "sqlite", live,
                                              encryption={"identity_file": str(secret)}) / "app.db.gpg",
                       "backup@example.com", ring)
        fx.gpg_encrypt(root / "good.db", case("enc_gpg_other", "sqlite", live,
                                              encryption={"identity_file": str(secret)}) / "app.db.gpg",
                       "other@example.com", ring)

        # pre-deploy snapshots of every kind, next to a sound backup
        shutil.copy(root / "good.db", case("sqlite_pre", "sqlite", live, pre_deploy=True) / "app.db")
        fx.tar_dir(tree, case("tar_pre", "archive", tree, pre_deploy=True, exclude=["*.log"]) / "b.tar.gz")
        fx.tar_dir(state, case("json_pre", "json_state", state, pre_deploy=True, schemas=rule) / "s.tar.gz")
        shutil.copy(rdb, case("redis_pre", "redis", url, pre_deploy=True) / "dump.rdb")
        down = "redis://127.0.0.1:1/0"
        shutil.copy(rdb, case("redis_pre_down", "redis", down, pre_deploy=True) / "dump.rdb")

        private_tmp = Path(tempfile.mkdtemp(prefix="gl-kinds-"))
        private_tmp.chmod(0o1777)
        profile = {"name": "kinds-selftest", "environment": "staging", "timeout": "5s", "databases": dbs}
        run = run_golive(profile, "-m", "backup", tmp_path=root / "run", timeout=600,
                         env={"TMPDIR": str(private_tmp), "KINDS_REDIS_URL": rd.url(),
                              "KINDS_PASSPHRASE": PASSPHRASE})
        leftovers = {p.name for p in private_tmp.iterdir()}
        shutil.rmtree(private_tmp, ignore_errors=True)
        yield run, root, leftovers


def _all(run: GoliveRun, subject: str, ids: tuple[str, ...] = IDS) -> dict[str, str]:
    return {i: run.status(i, subject) for i in ids}


@pytest.mark.parametrize("subject", ["sqlite_good", "tar_gz_good", "tar_zst_good", "tar_good", "zip_good",
                                     "json_good", "redis_good", "redis_aof_good", "detected_sqlite",
                                     "enc_age", "enc_gpg", "enc_gpg_key"])
def test_sound_backup_of_every_kind_passes_all_five(kinds: Any, subject: str) -> None:
    run = kinds[0]
    statuses = _all(run, subject)
    assert statuses == dict.fromkeys(IDS, "passed"), (statuses, [run.message(i, subject) for i in IDS])


def test_passing_messages_say_what_was_observed(kinds: Any) -> None:
    run = kinds[0]
    assert "PRAGMA integrity_check ok" in run.message("backup.integrity", "sqlite_good")
    assert "2 tables, 55 rows, 1 invariants" in run.message("backup.verify", "sqlite_good")
    assert "files match SHA256SUMS" in run.message("backup.integrity", "tar_gz_good")
    assert "same content" in run.message("backup.verify", "tar_gz_good")
    assert "redis-check-rdb ok" in run.message("backup.integrity", "redis_good")
    assert "2 databases, 207 keys" in run.message("backup.verify", "redis_good")
    assert "state files parse, 1 schema rule(s) hold" in run.message("backup.integrity", "json_good")


@pytest.mark.parametrize(("subject", "words"), [
    ("sqlite_truncated", ["sqlite_truncated", "app.db"]),
    ("sqlite_corrupt", ["sqlite_corrupt", "integrity_check"]),
    ("tar_gz_truncated", ["tar_gz_truncated", "truncated"]),
    ("tar_zst_truncated", ["tar_zst_truncated", "truncated"]),
    ("zip_truncated", ["zip_truncated", "not readable to its end"]),
    ("tar_traversal", ["tar_traversal", "'../golive-escaped.txt'", "outside the destination"]),
    ("tar_abs_symlink", ["tar_abs_symlink", "'data/passwd'", "absolute path (/etc/passwd)"]),
    ("zip_traversal", ["zip_traversal", "'../golive-escaped.txt'", "outside the destination"]),
    ("tar_bad_manifest", ["tar_bad_manifest", "uploads/img3.bin: sha256 differs from SHA256SUMS"]),
    ("json_corrupt", ["json_corrupt", "states/task-2.json does not parse"]),
    ("json_schema_fail", ["json_schema_fail", "states/task-4.json fails schema", "phase", "exploded"]),
    ("redis_truncated", ["redis_truncated", "redis-check-rdb"]),
    ("redis_aof_cut", ["redis_aof_cut", "redis-check-aof"]),
])
def test_damaged_backup_fails_integrity_and_never_passes_restore_or_verify(kinds: Any, subject: str,
                                                                            words: list[str]) -> None:
    run = kinds[0]
    assert run.status("backup.integrity", subject) == "failed", run.message("backup.integrity", subject)
    message = run.message("backup.integrity", subject)
    for word in words:
        assert word in message, message
    assert run.status("backup.verify", subject) in ("failed", "error")
    assert run.status("backup.restore", subject) in ("failed", "error", "passed")
    if run.status("backup.restore", subject) == "passed":  # a manifest/schema defect: the files restore
        assert subject in ("tar_bad_manifest", "json_schema_fail"), subject


@pytest.mark.parametrize("subject", ["sqlite_empty", "archive_empty"])
def test_zero_byte_backup_fails_as_empty(kinds: Any, subject: str) -> None:
    run = kinds[0]
    assert run.status("backup.integrity", subject) == "failed"
    assert f"{subject}: backup b" in run.message("backup.integrity", subject) or "empty" in run.message(
        "backup.integrity", subject)
    assert "empty" in run.message("backup.integrity", subject)
    assert run.status("backup.verify", subject) in ("failed", "error")


def test_nothing_was_written_outside_the_scratch_place_and_nothing_is_left(kinds: Any) -> None:
    _run, root, leftovers = kinds
    assert leftovers <= {"pytest-of-root"}, leftovers  # the golive run's own pytest basetemp may stay
    assert not list(root.rglob("golive-escaped.txt"))
    assert not Path("/tmp/golive-escaped.txt").exists()


@pytest.mark.parametrize(("subject", "words"), [
    ("sqlite_behind", ["sqlite_behind: restored copy differs from the source", "notes: 60 in source, 50 restored"]),
    ("tar_missing_member", ["config/app.json missing"]),
    ("json_behind", ["states/task-5.json missing", "config.json: keys audit,retention in source, keys retention"]),
    ("redis_behind", ["db0: 200 keys in source, 170 restored"]),
])
def test_backup_behind_its_source_fails_verify_naming_each_difference(kinds: Any, subject: str,
                                                                      words: list[str]) -> None:
    run = kinds[0]
    for check_id in ("backup.integrity", "backup.restore"):
        assert run.status(check_id, subject) == "passed", run.message(check_id, subject)
    assert run.status("backup.verify", subject) == "failed"
    message = run.message("backup.verify", subject)
    for word in words:
        assert word in message, message


def test_stale_sqlite_backup_fails_fresh_only(kinds: Any) -> None:
    run = kinds[0]
    assert run.status("backup.fresh", "sqlite_stale") == "failed"
    assert "3d" in run.message("backup.fresh", "sqlite_stale")
    assert run.status("backup.verify", "sqlite_stale") == "passed"


def test_wrong_kind_is_one_clear_failure_naming_the_detected_format(kinds: Any) -> None:
    run = kinds[0]
    expected = "newest backup app.dump is a SQLite database, not a pg_dump backup (set backup.kind: sqlite)"
    for check_id in ("backup.integrity", "backup.restore", "backup.verify"):
        assert run.status(check_id, "wrong_kind") == "failed"
        message = run.message(check_id, "wrong_kind")
        assert message.startswith("wrong_kind: ") and expected in message, message
    assert "truncated" not in run.message("backup.integrity", "wrong_kind")


def test_contents_pass_and_fail_with_the_missing_patterns(kinds: Any) -> None:
    run = kinds[0]
    assert run.status("backup.contents", "tar_gz_good") == "passed", run.message("backup.contents", "tar_gz_good")
    assert "uploads/*.bin (20)" in run.message("backup.contents", "tar_gz_good")
    assert run.status("backup.contents", "tar_missing_member") == "failed"
    message = run.message("backup.contents", "tar_missing_member")
    assert "no members matching 'config/*.json', 'secrets/*'" in message, message
    subjects = {r["subject"] for r in run.item("backup.contents")["results"]}
    assert subjects == {"tar_gz_good", "tar_missing_member"}


def test_encryption_passes_with_the_key_and_fails_precisely_without_it(kinds: Any) -> None:
    run = kinds[0]
    assert run.status("backup.encryption", "enc_age") == "passed"
    assert "age-encrypted file and decrypts to a SQLite database" in run.message("backup.encryption", "enc_age")
    assert run.status("backup.encryption", "enc_gpg") == "passed"
    assert "OpenPGP-encrypted" in run.message("backup.encryption", "enc_gpg")
    cases = {
        "enc_other_key": "age could not decrypt it with backup.key: no identity matched any of the recipients",
        "enc_bad_phrase": "gpg could not decrypt it: wrong passphrase",
        "enc_key_unreadable": "key file",
        "enc_gpg_other": "gpg could not decrypt it: encrypted to another key",
        "enc_plaintext": "is a SQLite database, not encrypted; it must be encrypted at rest",
    }
    for subject, words in cases.items():
        assert run.status("backup.encryption", subject) == "failed", (subject, run.message("backup.encryption",
                                                                                           subject))
        assert words in run.message("backup.encryption", subject), run.message("backup.encryption", subject)
    assert "lost.key is empty" in run.message("backup.encryption", "enc_key_unreadable")
    for subject in ("enc_other_key", "enc_bad_phrase", "enc_key_unreadable"):
        assert run.status("backup.integrity", subject) == "failed"
        assert "cannot be decrypted" in run.message("backup.integrity", subject)
    assert "enc_no_key" not in {r["subject"] for r in run.item("backup.encryption")["results"]}
    assert "set backup.encryption with the key" in run.message("backup.integrity", "enc_no_key")


def test_no_secret_in_reports_or_output(kinds: Any) -> None:
    run = kinds[0]
    for secret in (PASSPHRASE, "redis-secret-pw"):
        assert secret not in run.output
        assert secret not in run.report_text()


@pytest.mark.parametrize(("subject", "suffix"), [("sqlite_pre", ".db"), ("tar_pre", ".tar.gz"),
                                                 ("json_pre", ".tar.gz"), ("redis_pre", ".rdb")])
def test_pre_deploy_snapshot_of_every_kind_is_taken_read_restored_and_compared(kinds: Any, subject: str,
                                                                               suffix: str) -> None:
    run, root, _ = kinds
    assert run.status("backup.pre_deploy", subject) == "passed", run.message("backup.pre_deploy", subject)
    taken = list((root / "backups" / subject).glob(f"{subject}-predeploy-*{suffix}"))
    assert len(taken) == 1, taken
    assert "restored copy matches the source" in run.message("backup.pre_deploy", subject)


def test_pre_deploy_of_an_unreachable_redis_fails_naming_it(kinds: Any) -> None:
    run, root, _ = kinds
    assert run.status("backup.pre_deploy", "redis_pre_down") == "failed"
    message = run.message("backup.pre_deploy", "redis_pre_down")
    assert "redis_pre_down: pre-deploy snapshot failed" in message and "redis-cli --rdb" in message, message
    assert not list((root / "backups" / "redis_pre_down").glob("*predeploy*"))
