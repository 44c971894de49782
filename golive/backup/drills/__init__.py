"""The drills of the backup kinds other than pg_dump: one module per kind, one explicit table.

Each kind's ``Drill(backup, scratch)`` reads one backup file (already decrypted, in the scratch
place when it was encrypted) and answers the same three questions the checks ask:
``integrity(path)`` (read to its end), ``restore(path)`` (into the scratch place only) and
``compare()`` (the restored copy vs the live ``source``, read-only). ``close()`` stops what it
started; the scratch directory itself belongs to the caller.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from golive.backup.model import Comparison, IntegrityObservation, RestoreObservation
from golive.settings.backup import Kind


class Drill(Protocol):
    """What ``golive.backup.drill.BackupDrill`` asks of a kind."""

    def integrity(self, path: Path) -> IntegrityObservation: ...

    def restore(self, path: Path) -> RestoreObservation: ...

    def compare(self) -> Comparison: ...

    def close(self) -> None: ...


class SourceUnreadable(Exception):
    """The live source could not be read (missing file, server down): not a backup defect."""

    unreachable = True


_MODULES = {
    Kind.SQLITE: "golive.backup.drills.sqlite",
    Kind.ARCHIVE: "golive.backup.drills.archive",
    Kind.JSON_STATE: "golive.backup.drills.json_state",
    Kind.REDIS: "golive.backup.drills.redis",
}


def drill_for(kind: Kind, backup: Any, scratch: Path, timeout: float) -> Drill:
    """The drill of ``kind`` (imported lazily: a pg_dump-only run never imports the others)."""
    module = import_module(_MODULES[kind])
    drill: Drill = module.Drill(backup, scratch, timeout)
    return drill
