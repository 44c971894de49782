"""The session cache of the SQLite, archive, JSON-state and Redis drills: one kind drill per database,
working in that database's scratch directory, each step run once and shared by the checks.

``golive.backup.drill.BackupDrill`` has already listed, fetched, decrypted and kind-checked the
newest backup; this module runs the kind's integrity, restore and comparison on the plaintext.
"""

from __future__ import annotations

import threading
from typing import Any

from golive.backup.drills import Drill, SourceUnreadable, drill_for
from golive.backup.errors import DrillError
from golive.backup.model import Comparison, IntegrityObservation, RestoreObservation


class FileKinds:
    def __init__(self, owner: Any) -> None:
        self.owner = owner  # the BackupDrill: listing, decryption, scratch places, locks
        self._drills: dict[str, Drill] = {}
        self._integrity: dict[str, IntegrityObservation] = {}
        self._restored: dict[str, RestoreObservation] = {}
        self._compared: dict[str, Comparison] = {}
        self._lock = threading.RLock()

    def drill(self, db: Any) -> Drill:
        with self._lock:
            if db.name not in self._drills:
                self._drills[db.name] = drill_for(self.owner.kind(db), db.backup, self.owner.scratch_place(db),
                                                  self.owner.timeout(db))
            return self._drills[db.name]

    def integrity(self, db: Any) -> IntegrityObservation:
        with self._lock:
            if db.name not in self._integrity:
                self._integrity[db.name] = self.drill(db).integrity(self.owner.newest_plain(db))
            return self._integrity[db.name]

    def restore(self, db: Any) -> RestoreObservation:
        with self._lock:
            if db.name not in self._restored:
                known = self._integrity.get(db.name)
                if known is not None and not known.readable:
                    self._restored[db.name] = RestoreObservation(False, 0.0, "",
                                                                 error=f"backup unreadable: {known.detail}")
                else:
                    self._restored[db.name] = self.drill(db).restore(self.owner.newest_plain(db))
            return self._restored[db.name]

    def compare(self, db: Any) -> Comparison:
        """The restored copy vs the live source; an unreadable source raises ``DrillError``
        (unreachable), never a pass and never a product defect of the backup."""
        with self._lock:
            if db.name not in self._compared:
                try:
                    self._compared[db.name] = self.drill(db).compare()
                except SourceUnreadable as exc:
                    raise DrillError(f"{db.name}: {exc}", unreachable=True) from None
            return self._compared[db.name]

    def close(self) -> None:
        with self._lock:
            for drill in self._drills.values():
                drill.close()
            self._drills.clear()
