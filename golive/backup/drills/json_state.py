"""JSON state files (seed 004: state directory backed up as tar.gz, corruption detection, restore).

- integrity: the backup (an archive, a directory copy or one JSON file) is unpacked into the scratch
  place; every ``*.json`` file must parse, and files matching a ``schemas`` glob must validate against
  that JSON Schema (the ``jsonschema`` library; the draft is taken from the schema's ``$schema``).
- restore: that unpacking, timed.
- verify: the same state files as the live ``source`` directory, and per file the same top-level
  keys (objects) or item count (arrays).
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

from golive.backup.drills import SourceUnreadable
from golive.backup.drills.archive import Unpacked, restored_root
from golive.backup.model import Comparison, DumpInfo, IntegrityObservation, RestoreObservation
from golive.backup.sniff import BELONGS, describe
from golive.backup.tree import excluded
from golive.settings.backup import Kind

FORMATS = BELONGS[Kind.JSON_STATE]


def state_files(root: Path, exclude: list[str]) -> dict[str, Path]:
    files = {}
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not excluded(rel, exclude):
            files[rel] = path
    return files


def shape(value: Any) -> str:
    """What verify compares per file: an object's keys, an array's length, a scalar's type."""
    if isinstance(value, dict):
        return "keys " + ",".join(sorted(value))
    if isinstance(value, list):
        return f"{len(value)} items"
    return type(value).__name__


class Drill:
    def __init__(self, backup: Any, scratch: Path, timeout: float) -> None:
        self.backup = backup
        self.unpacked = Unpacked(scratch / "restored")
        self.shapes: dict[str, str] = {}

    def _root(self) -> Path:
        result = self.unpacked.result
        members = result.members if result else ()
        source = Path(self.backup.source) if self.backup.source else None
        return restored_root(self.unpacked.dest, members, self.backup.archive_root, source)

    def integrity(self, path: Path) -> IntegrityObservation:
        size = path.stat().st_size if path.is_file() else 0
        result = self.unpacked.unpack(path, FORMATS)
        info = DumpInfo(self.unpacked.fmt)
        if not result.ok:
            return IntegrityObservation(str(path), size, info, False, result.error, kind="json_state",
                                        members=result.members, seconds=result.seconds)
        files = state_files(self._root(), self.backup.exclude)
        problems: list[str] = []
        validators = self._validators()
        for rel, file in files.items():
            try:
                document = json.loads(file.read_bytes())
            except (ValueError, OSError) as exc:
                problems.append(f"{rel} does not parse: {exc}")
                continue
            self.shapes[rel] = shape(document)
            for pattern, validator in validators:
                if fnmatch.fnmatch(rel, pattern):
                    error = next(iter(validator.iter_errors(document)), None)
                    if error is not None:
                        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                        problems.append(f"{rel} fails schema {pattern}: {where}: {error.message}")
        if not files:
            problems.append(f"no *.json state file in {describe(self.unpacked.fmt)}")
        if problems:
            shown = "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
            return IntegrityObservation(str(path), size, info, False, shown, kind="json_state",
                                        members=result.members, seconds=result.seconds)
        schemas = f", {len(validators)} schema rule(s) hold" if validators else ""
        return IntegrityObservation(str(path), size, info, True, f"{len(files)} state files parse{schemas}",
                                    bytes_read=size, kind="json_state", members=result.members,
                                    seconds=result.seconds)

    def _validators(self) -> list[tuple[str, Any]]:
        from jsonschema.validators import validator_for

        found = []
        for rule in self.backup.schemas:
            schema = json.loads(Path(rule.schema_file).read_text())
            cls = validator_for(schema)
            cls.check_schema(schema)
            found.append((rule.glob, cls(schema)))
        return found

    def restore(self, path: Path) -> RestoreObservation:
        result = self.unpacked.unpack(path, FORMATS)
        if not result.ok:
            return RestoreObservation(False, result.seconds, str(self.unpacked.dest), error=result.error)
        count = len(state_files(self._root(), self.backup.exclude))
        return RestoreObservation(True, result.seconds, str(self.unpacked.dest),
                                  log=f"unpacked {count} state files into the scratch directory",
                                  local_path=self.unpacked.dest)

    def compare(self) -> Comparison:
        result = self.unpacked.result
        if result is None or not result.ok:
            raise SourceUnreadable("no restored copy")
        source = Path(self.backup.source)
        if not source.is_dir():
            raise SourceUnreadable(f"source {source} is not a directory")
        live = state_files(source, self.backup.exclude)
        copy = state_files(self._root(), self.backup.exclude)
        diffs = [f"{rel} missing" for rel in live if rel not in copy]
        diffs += [f"{rel} not in source" for rel in copy if rel not in live]
        for rel in sorted(set(live) & set(copy)):
            try:
                want = shape(json.loads(live[rel].read_bytes()))
            except (ValueError, OSError) as exc:
                diffs.append(f"{rel}: live file unreadable ({exc})")
                continue
            got = self.shapes.get(rel) or shape(json.loads(copy[rel].read_bytes()))
            if want != got:
                diffs.append(f"{rel}: {_clip(want)} in source, {_clip(got)} restored")
        return Comparison(tuple(diffs), f"{len(live)} state files, same keys/item counts")

    def close(self) -> None:
        self.unpacked.result = None


def _clip(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
