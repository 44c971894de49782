"""Pure judgements of the restore drill: observations of ``golive.backup`` in, ``Verdict`` out.

No I/O here: every function takes what was seen (a listing, a read, a restore, two snapshots) and
the policy, and says pass/fail with the observed and the expected value, naming the database.
"""

from __future__ import annotations

import os

from golive.backup.model import (
    Comparison,
    DecryptObservation,
    IntegrityObservation,
    Located,
    RestoreObservation,
    Snapshot,
)
from golive.durations import format_duration
from golive.verdict import Verdict, fail, not_applicable, ok

EXPECTED_INTEGRITY = {
    "pg_dump": "a complete, readable pg_dump backup",
    "pgbackrest": "a pgBackRest backup set whose files and WAL verify",
    "sqlite": "PRAGMA integrity_check = ok",
    "archive": "every member readable to its end, safe paths, manifest matching",
    "json_state": "every state file parses (and validates)",
    "redis": "redis-check-rdb / redis-check-aof pass",
}

DAY = 86400.0


def _age(now: float, mtime: float) -> str:
    return format_duration(max(0.0, now - mtime))


def fresh(db: str, located: Located, now: float, max_age: float) -> Verdict:
    """backup.fresh: the newest backup exists and is younger than ``max_age`` (the RPO)."""
    expected = f"a backup younger than {format_duration(max_age)}"
    if located.error:
        return fail("backup-location-unreadable", f"{db}: {located.error}", "no listing", expected)
    newest = located.newest
    if newest is None:
        return fail("backup-missing", f"{db}: no backup found at {located.location}", "none", expected)
    age = now - newest.mtime
    name = os.path.basename(newest.path)
    if age > max_age:
        return fail("backup-stale", f"{db}: newest backup {name} is {_age(now, newest.mtime)} old",
                    f"age {_age(now, newest.mtime)}", f"at most {format_duration(max_age)}", age=age)
    return ok("backup-fresh", f"{db}: newest backup {name} is {_age(now, newest.mtime)} old",
              f"age {_age(now, newest.mtime)}", f"at most {format_duration(max_age)}", age=age)


def integrity(db: str, obs: IntegrityObservation) -> Verdict:
    """backup.integrity: non-empty and readable to its end (every data block)."""
    name = os.path.basename(obs.path.rstrip("/"))
    expected = EXPECTED_INTEGRITY.get(obs.kind, EXPECTED_INTEGRITY["pg_dump"])
    if obs.info.format == "empty" or (obs.size == 0 and obs.kind not in ("pgbackrest", "json_state")):
        return fail("backup-empty", f"{db}: backup {name} is empty", "0 bytes", expected)
    if not obs.readable and obs.detail.startswith("newest backup "):  # wrong kind / cannot decrypt
        return fail("backup-wrong-kind", f"{db}: {obs.detail}", obs.detail, expected)
    if not obs.readable:
        return fail("backup-unreadable",
                    f"{db}: backup {name} ({obs.info.format}) is not readable to its end: {obs.detail}",
                    obs.detail, expected)
    return ok("backup-readable", f"{db}: backup {name} ({obs.info.format}, {obs.size} bytes) read to its end",
              obs.detail, expected)


def restore(db: str, obs: RestoreObservation, rto: float) -> Verdict:
    """backup.restore: the restore succeeded and finished within the RTO."""
    took = format_duration(obs.seconds)
    if not obs.ok and not obs.scratch_db:
        return fail("restore-not-attempted", f"{db}: restore not attempted: {obs.error}", obs.error,
                    "a backup restored into a scratch database")
    if not obs.ok:
        into = "scratch database" if obs.scratch_db.startswith("golive_scratch_") else "the scratch place"
        return fail("restore-failed", f"{db}: restore into {into} failed after {took}: {obs.error}",
                    obs.error, "a restore that completes")
    if obs.seconds > rto:
        return fail("restore-over-rto", f"{db}: restore took {took}, over the RTO of {format_duration(rto)}",
                    took, f"at most {format_duration(rto)}", seconds=obs.seconds)
    return ok("restore-ok", f"{db}: restored in {took} (RTO {format_duration(rto)})", took,
              f"at most {format_duration(rto)}", seconds=obs.seconds)


def differences(source: Snapshot, restored: Snapshot) -> list[str]:
    """Every way the restored copy differs from the source, one short phrase each."""
    diffs: list[str] = []
    for table, count in source.tables.items():
        if table not in restored.tables:
            diffs.append(f"table {_short(table)} missing")
        elif restored.tables[table] != count:
            diffs.append(f"{_short(table)}: {count} in source, {restored.tables[table]} restored")
    diffs += [f"table {_short(t)} not in source" for t in restored.tables if t not in source.tables]
    for ext, version in source.extensions.items():
        if ext not in restored.extensions:
            diffs.append(f"extension {ext} missing")
        elif restored.extensions[ext] != version:
            diffs.append(f"extension {ext}: {version} in source, {restored.extensions[ext]} restored")
    for seq, value in source.sequences.items():
        if seq not in restored.sequences:
            diffs.append(f"sequence {_short(seq)} missing")
        elif value is not None and (restored.sequences[seq] is None or restored.sequences[seq] < value):
            got = restored.sequences[seq]
            diffs.append(f"sequence {_short(seq)}: {value} in source, {got} restored (behind)")
    diffs += [f"index {_short(i)} missing" for i in sorted(source.indexes - restored.indexes)]
    for query, value in source.invariants.items():
        other = restored.invariants.get(query, "(not run)")
        if other != value:
            diffs.append(f"invariant {_clip(query)}: {value} in source, {other} restored")
    return diffs


def verify(db: str, source: Snapshot, restored: Snapshot, limit: int = 12, extra: list[str] | None = None,
           counts: bool = True) -> Verdict:
    """backup.verify: same tables and exact row counts, extensions, sequences not behind, indexes,
    invariants equal; ``extra`` differences found elsewhere (a recovery target not reached);
    ``counts=False`` (a restore to a past target time): tables and extensions by name only."""
    diffs = differences(source, restored) if counts else names_differ(source, restored)
    diffs += extra or []
    expected = "restored copy matches the source"
    summary = (f"{len(source.tables)} tables, {sum(source.tables.values())} rows, {len(source.indexes)} "
               f"indexes, {len(source.sequences)} sequences, {len(source.extensions)} extensions")
    if diffs:
        shown = "; ".join(diffs[:limit]) + (f"; and {len(diffs) - limit} more" if len(diffs) > limit else "")
        return fail("restore-differs", f"{db}: restored copy differs from the source: {shown}",
                    f"{len(diffs)} difference(s)", expected, differences=diffs)
    return ok("restore-matches", f"{db}: restored copy matches the source ({summary})", summary, expected)


def compared(db: str, comparison: Comparison, limit: int = 12) -> Verdict:
    """backup.verify of the file and Redis kinds: the restored copy holds what the live source holds."""
    diffs = list(comparison.differences)
    expected = "restored copy matches the source"
    if diffs:
        shown = "; ".join(diffs[:limit]) + (f"; and {len(diffs) - limit} more" if len(diffs) > limit else "")
        return fail("restore-differs", f"{db}: restored copy differs from the source: {shown}",
                    f"{len(diffs)} difference(s)", expected, differences=diffs)
    return ok("restore-matches", f"{db}: restored copy matches the source ({comparison.summary})",
              comparison.summary, expected)


def encryption(db: str, obs: DecryptObservation, required: bool = True) -> Verdict:
    """backup.encryption: the newest backup is encrypted at rest (age or OpenPGP) and the profile's
    key decrypts it."""
    name = os.path.basename(obs.path.rstrip("/"))
    expected = "encrypted (age or OpenPGP) and decrypting with the profile's key"
    if not obs.encrypted:
        if not required:
            return not_applicable("not-encrypted-allowed", f"{db}: newest backup {name} {obs.detail} "
                                  "(encryption.required is off)", obs.detail)
        return fail("backup-not-encrypted", f"{db}: newest backup {name} {obs.detail}; it must be "
                    "encrypted at rest (age -r / gpg --encrypt)", obs.detail, expected)
    if not obs.ok:
        return fail("backup-undecryptable", f"{db}: newest backup {name} {obs.detail}", obs.detail, expected)
    return ok("backup-encrypted", f"{db}: newest backup {name} {obs.detail} with the profile's key",
              obs.detail, expected)


def contents(db: str, members: list[str] | tuple[str, ...], globs: list[str], matches: dict[str, list[str]],
             what: str = "members") -> Verdict:
    """backup.contents: every declared pattern matches at least one member of the newest backup."""
    expected = f"{len(globs)} declared patterns present"
    missing = [g for g in globs if not matches.get(g)]
    if missing:
        return fail("backup-content-missing",
                    f"{db}: newest backup has no {what} matching {', '.join(repr(g) for g in missing)} "
                    f"({len(members)} {what} in it)", f"missing {', '.join(missing)}", expected)
    found = ", ".join(f"{g} ({len(matches[g])})" for g in globs)
    return ok("backup-contents", f"{db}: newest backup holds {found}", found, expected)


def names_differ(source: Snapshot, restored: Snapshot) -> list[str]:
    """Tables and extensions by name: the source has moved on since a past recovery target."""
    diffs = [f"table {_short(t)} missing" for t in source.tables if t not in restored.tables]
    diffs += [f"extension {e} missing" for e in source.extensions if e not in restored.extensions]
    return diffs


def nothing_to_verify(db: str, why: str) -> Verdict:
    """backup.verify when there is no restored copy: never a pass."""
    return fail("restore-missing", f"{db}: restore failed, nothing to verify ({why})", "no restored copy",
                "a restored copy to compare")


def retention(db: str, located: Located, now: float, keep: int, max_age_days: int,
              min_count: int = 1) -> Verdict:
    """backup.retention: at least ``min_count`` and at most ``keep`` backups, none older than
    ``max_age_days`` (old ones must be deleted, as the seeds' cleanup jobs do)."""
    expected = f"{min_count}..{keep} backups, none older than {max_age_days}d"
    if located.error:
        return fail("backup-location-unreadable", f"{db}: {located.error}", "no listing", expected)
    count = len(located.files)
    problems: list[str] = []
    if count < min_count:
        problems.append(f"{count} backups kept at {located.location}, policy wants at least {min_count}")
    if count > keep:
        problems.append(f"{count} backups kept, policy keeps at most {keep}")
    too_old = [f for f in located.files if now - f.mtime > max_age_days * DAY]
    if too_old:
        oldest = min(too_old, key=lambda f: f.mtime)
        problems.append(f"{len(too_old)} backup(s) older than {max_age_days}d (oldest "
                        f"{os.path.basename(oldest.path)}, {_age(now, oldest.mtime)} old)")
    observed = f"{count} backups" + (f", oldest {_age(now, located.files[-1].mtime)} old" if count else "")
    if problems:
        return fail("retention-violated", f"{db}: " + "; ".join(problems), observed, expected)
    return ok("retention-ok", f"{db}: {observed}", observed, expected)


def _short(name: str) -> str:
    """"public.orders" → "orders" (other schemas keep their prefix)."""
    return name[len("public."):] if name.startswith("public.") else name


def _clip(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"

