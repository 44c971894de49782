"""Backup restore drill: the newest backup of each database is fresh, readable, restores within
the RTO and matches the source (``-m backup``). One listing, read, restore and snapshot per
database per session, shared by these checks (``golive.fixtures.backup``)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import golive.backup.kinds  # noqa: F401  (registers the opt-in subject kinds)
from golive.backup.drill import now
from golive.durations import format_duration
from golive.registry import check
from golive.rules import backup as rules


@check("backup.fresh", over="backups")
def test_fresh(database, backup_drill, evidence):
    located = backup_drill.located(database)
    evidence.json("backups", [{"path": f.path, "mtime": datetime.fromtimestamp(f.mtime, UTC), "size": f.size}
                              for f in located.files[:50]])
    newest, when = located.newest, now()
    if newest is not None:
        evidence.metric("age", format_duration(max(0.0, when - newest.mtime)))
        evidence.expiry(f"backup of {database.name}",
                        datetime.fromtimestamp(newest.mtime + database.backup.max_age, UTC),
                        f"newest backup {os.path.basename(newest.path)}; "
                        f"max_age {format_duration(database.backup.max_age)}")
    verdict = rules.fresh(database.name, located, when, database.backup.max_age)
    evidence.judge(verdict)


@check("backup.integrity", over="backups")
def test_integrity(database, backup_drill, evidence):
    obs = backup_drill.integrity(database)
    evidence.json("integrity", {"path": obs.path, "kind": obs.kind, "format": obs.info.format, "size": obs.size,
                                "dumped_by": obs.info.dumped_by, "server_version": obs.info.server_version,
                                "data_entries": obs.data_entries, "detail": obs.detail,
                                "seconds": round(obs.seconds, 3)})
    verdict = rules.integrity(database.name, obs)
    evidence.judge(verdict)


@check("backup.restore", over="backups")
def test_restore(database, backup_drill, evidence):
    restored = backup_drill.restored(database)
    obs = restored.observation
    evidence.metric("restore_seconds", round(obs.seconds, 2))
    if restored.install is not None:
        evidence.note(f"restored with PostgreSQL {restored.install.major} ({restored.install.bin_dir})")
    evidence.text("restore log", obs.log or "(no output)")
    verdict = rules.restore(database.name, obs, database.backup.rto)
    evidence.judge(verdict)


@check("backup.verify", over="backups")
def test_verify(database, backup_drill, evidence):
    restored = backup_drill.restored(database)
    if not restored.observation.ok:
        verdict = rules.nothing_to_verify(database.name, restored.observation.error or "no restored copy")
        evidence.judge(verdict)
    if restored.dsn is None:  # the file and Redis kinds
        comparison = backup_drill.compare(database)
        evidence.json("source vs restored", {"summary": comparison.summary,
                                             "differences": list(comparison.differences), **comparison.detail})
        evidence.judge(rules.compared(database.name, comparison))
        return
    source = backup_drill.source(database)
    copy = backup_drill.copy_snapshot(database)
    evidence.json("source vs restored", {"source": _plain(source), "restored": _plain(copy)})
    verdict = rules.verify(database.name, source, copy, extra=backup_drill.extra_differences(database),
                           counts=backup_drill.compares_counts(database))
    evidence.judge(verdict)


@check("backup.retention", over="backups")
def test_retention(database, backup_drill, evidence):
    located = backup_drill.located(database)
    policy = database.backup.retention
    evidence.metric("kept", len(located.files))
    verdict = rules.retention(database.name, located, now(), policy.keep, policy.max_age_days,
                              policy.min_count)
    evidence.judge(verdict)


@check("backup.encryption", over="encrypted_backups")
def test_encryption(database, backup_drill, evidence):
    obs = backup_drill.decrypted(database)
    evidence.json("encryption", {"path": obs.path, "format": obs.format, "encrypted": obs.encrypted,
                                 "decrypted": obs.ok, "plaintext": obs.inner, "seconds": round(obs.seconds, 3)})
    verdict = rules.encryption(database.name, obs, database.backup.encryption.required)
    evidence.judge(verdict)


@check("backup.contents", over="backups_with_contents")
def test_contents(database, backup_drill, evidence):
    members, what = backup_drill.members(database)
    evidence.json("members", list(members[:500]))
    globs = database.backup.contents
    verdict = rules.contents(database.name, members, globs, backup_drill.matches(members, globs), what)
    evidence.judge(verdict)


@check("backup.pre_deploy", over="pre_deploy_backups")
def test_pre_deploy(database, backup_drill, evidence):
    outcome = backup_drill.pre_deploy(database)
    assert outcome.dump.ok, f"{database.name}: pre-deploy snapshot failed: {outcome.dump.error}"
    evidence.metric("dump_seconds", round(outcome.dump.seconds, 2))
    evidence.note(f"pre-deploy dump {outcome.dump.path}")
    assert outcome.integrity is not None
    verdict = rules.integrity(database.name, outcome.integrity)
    evidence.judge(verdict)
    assert outcome.restore is not None
    verdict = rules.restore(database.name, outcome.restore, database.backup.rto)
    evidence.judge(verdict)
    if outcome.comparison is not None:  # the file and Redis kinds
        evidence.judge(rules.compared(database.name, outcome.comparison))
        return
    assert outcome.source is not None and outcome.copy is not None
    verdict = rules.verify(database.name, outcome.source, outcome.copy)
    evidence.judge(verdict)


def _plain(snap):
    return {"tables": snap.tables, "sequences": snap.sequences, "indexes": sorted(snap.indexes),
            "extensions": snap.extensions, "invariants": snap.invariants, "seconds": round(snap.seconds, 3)}
