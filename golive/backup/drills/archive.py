"""File archives (tar, tar.gz, tar.zst, zip) of data, uploads and configuration (seeds 000, 003, 004).

- integrity: one safe extraction into the scratch place reads every member to its end (and the
  compressed stream to its trailer); an optional checksum manifest (``SHA256SUMS``, as written by
  ``sha256sum``) inside the archive is checked against the extracted files.
- restore: that same extraction, timed (integrity and restore never read the archive twice).
- verify: every file of the live ``source`` directory (less ``exclude``) is in the restored tree
  with the same size and the same bytes (compared as ``diff -r`` does); without a source, every
  ``contents`` glob matches a member.
"""

from __future__ import annotations

import fnmatch
import time
from pathlib import Path
from typing import Any

from golive.backup import archives, tree
from golive.backup.drills import SourceUnreadable
from golive.backup.model import Comparison, DumpInfo, IntegrityObservation, RestoreObservation
from golive.backup.sniff import BELONGS, describe, sniff
from golive.settings.backup import Kind

FORMATS = BELONGS[Kind.ARCHIVE]


def check_manifest(root: Path, name: str) -> tuple[bool | None, str]:
    """(None when absent | ok, detail) for a ``sha256sum``-style manifest at ``root/name``."""
    manifest = root / name
    if not manifest.is_file():
        return None, f"no {name} manifest"
    bad: list[str] = []
    checked = 0
    for line in manifest.read_text(errors="replace").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, rel = line.partition(" ")
        rel = rel.lstrip(" *").strip()
        target = (root / rel).resolve()
        if not str(target).startswith(str(root.resolve())):
            bad.append(f"{rel}: outside the archive")
            continue
        checked += 1
        if not target.is_file():
            bad.append(f"{rel}: listed in {name}, not in the archive")
        elif tree.digest(target) != digest.strip().lower():
            bad.append(f"{rel}: sha256 differs from {name}")
    if bad:
        return False, f"{name}: " + "; ".join(bad[:8]) + (f"; and {len(bad) - 8} more" if len(bad) > 8 else "")
    return True, f"{checked} files match {name}"


class Unpacked:
    """One backup entry unpacked into ``dest`` once: an archive extracted, a directory copied."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.result: archives.Extracted | None = None
        self.fmt = ""

    def unpack(self, path: Path, formats: frozenset[str]) -> archives.Extracted:
        if self.result is not None:
            return self.result
        self.fmt = sniff(path)
        if self.fmt not in formats:
            self.result = archives.Extracted(False, (), 0.0, f"{describe(self.fmt)}, not "
                                             f"{' / '.join(sorted(formats))}")
            return self.result
        self.dest.mkdir(parents=True, exist_ok=True)
        if self.fmt in ("directory", "json"):
            self.result = _copy(path, self.dest)
        else:
            self.result = archives.extract(path, self.fmt, self.dest)
        return self.result


def _copy(path: Path, dest: Path) -> archives.Extracted:
    import shutil

    start = time.monotonic()
    try:
        if path.is_dir():
            shutil.copytree(path, dest, symlinks=True, dirs_exist_ok=True)
            members = tuple(sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()))
        else:
            shutil.copyfile(path, dest / path.name)
            members = (path.name,)
    except OSError as exc:
        return archives.Extracted(False, (), time.monotonic() - start, f"copy failed: {exc}")
    return archives.Extracted(True, members, time.monotonic() - start)


def restored_root(dest: Path, members: tuple[str, ...], configured: str | None, source: Path | None) -> Path:
    """The directory of the restored tree that mirrors the source: ``archive_root`` when set, else
    the archive's single top-level directory when the source has no entry of that name."""
    if configured:
        return dest / configured.strip("/")
    top = archives.member_root(members)
    if top and not (source is not None and (source / top).exists()):
        return dest / top
    return dest


class Drill:
    def __init__(self, backup: Any, scratch: Path, timeout: float) -> None:
        self.backup = backup
        self.unpacked = Unpacked(scratch / "restored")
        self.timeout = timeout

    def integrity(self, path: Path) -> IntegrityObservation:
        size = path.stat().st_size if path.is_file() else 0
        result = self.unpacked.unpack(path, FORMATS)
        info = DumpInfo(self.unpacked.fmt)
        files = [m for m in result.members if not m.endswith("/")]
        if not result.ok:
            return IntegrityObservation(str(path), size, info, False, result.error, kind="archive",
                                        members=result.members, seconds=result.seconds)
        root = restored_root(self.unpacked.dest, result.members, self.backup.archive_root, self._source())
        found, detail = check_manifest(root, self.backup.manifest)
        if found is None and self.backup.require_manifest:
            return IntegrityObservation(str(path), size, info, False, f"{detail} (require_manifest is on)",
                                        kind="archive", members=result.members, seconds=result.seconds)
        if found is False:
            return IntegrityObservation(str(path), size, info, False, detail, kind="archive",
                                        members=result.members, seconds=result.seconds)
        return IntegrityObservation(str(path), size, info, True,
                                    f"{describe(self.unpacked.fmt)}: {len(files)} files read to the end; {detail}",
                                    bytes_read=size, kind="archive", members=result.members,
                                    seconds=result.seconds)

    def _source(self) -> Path | None:
        return Path(self.backup.source) if self.backup.source else None

    def restore(self, path: Path) -> RestoreObservation:
        result = self.unpacked.unpack(path, FORMATS)
        if not result.ok:
            return RestoreObservation(False, result.seconds, str(self.unpacked.dest), error=result.error)
        files = sum(1 for m in result.members if not m.endswith("/"))
        return RestoreObservation(True, result.seconds, str(self.unpacked.dest),
                                  log=f"extracted {files} files into the scratch directory",
                                  local_path=self.unpacked.dest)

    def compare(self) -> Comparison:
        result = self.unpacked.result
        if result is None or not result.ok:
            raise SourceUnreadable("no restored copy")
        source = self._source()
        if source is None:
            return contents_comparison(result.members, self.backup.contents)
        if not source.is_dir():
            raise SourceUnreadable(f"source {source} is not a directory")
        root = restored_root(self.unpacked.dest, result.members, self.backup.archive_root, source)
        found = tree.compare_dirs(source, root, self.backup.exclude)
        summary = f"{found.files} files, {found.size} bytes, same content"
        where = root.relative_to(self.unpacked.dest).as_posix()
        return Comparison(found.differences, summary, {"source_files": found.files, "restored_root": where,
                                                       "only_in_backup": list(found.only_in_copy[:50])})

    def close(self) -> None:
        self.unpacked.result = None


def contents_comparison(members: tuple[str, ...], globs: list[str]) -> Comparison:
    """Each glob matches at least one member (at any depth under the archive's top directory)."""
    missing = [g for g in globs if not matching(members, g)]
    return Comparison(tuple(f"no member matches {g!r}" for g in missing),
                      f"{len(globs)} expected member patterns present")


def matching(members: tuple[str, ...] | list[str], pattern: str) -> list[str]:
    top = archives.member_root(members)
    pattern = pattern.strip("/")
    found = []
    for member in members:
        name = member.rstrip("/")
        inner = name[len(top) + 1:] if top and name.startswith(top + "/") else name
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(inner, pattern):
            found.append(member)
    return found
