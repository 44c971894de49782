"""Subject kinds of the opt-in backup checks, so each is collected only for the databases that ask:
``backup.pre_deploy`` (``pre_deploy: true``), ``backup.encryption`` (an ``encryption`` block) and
``backup.contents`` (a ``contents`` list)."""

from __future__ import annotations

from golive.subjects import Subject, register_kind


def _with(predicate):  # type: ignore[no-untyped-def]
    return lambda p: [Subject(d.name, d, tuple(d.roles)) for d in p.databases
                      if d.backup is not None and predicate(d.backup)]


register_kind("pre_deploy_backups", "database", _with(lambda b: b.pre_deploy))
register_kind("encrypted_backups", "database", _with(lambda b: b.encryption is not None))
register_kind("backups_with_contents", "database", _with(lambda b: bool(b.contents)))
