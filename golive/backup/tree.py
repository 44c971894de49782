"""The comparison of a restored tree with its live source: what a person does with ``diff -r`` after
extracting a backup (and the SHA-256 of one file, for checksum manifests).

The source is only read. Every file of the source (less the ``exclude`` globs) must be in the
restored copy with the same size and content; files the backup holds beyond the source (an
``.env`` copy, the config the seeds archive with the data) are listed as evidence, not failures.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


def excluded(rel: str, patterns: list[str]) -> bool:
    """A path matches an exclude glob itself or through one of its parent directories."""
    parts = rel.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(c, p) or fnmatch.fnmatch(os.path.basename(c), p) for c in candidates
               for p in patterns)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _join(base: str, name: str) -> str:
    return name if base in ("", ".") else f"{base}/{name}"


def _same_content(a: Path, b: Path) -> bool:
    with a.open("rb") as left, b.open("rb") as right:
        while True:
            chunk = left.read(_CHUNK)
            if chunk != right.read(_CHUNK):
                return False
            if not chunk:
                return True


@dataclass(frozen=True)
class TreeComparison:
    differences: tuple[str, ...]
    files: int
    size: int
    only_in_copy: tuple[str, ...]


def compare_dirs(source: Path, restored: Path, exclude: list[str] | None = None) -> TreeComparison:
    """``diff -r`` as golive needs it: every source file (less ``exclude``) in the restored tree with the
    same size and the same bytes (compared directly, as diff does: cheaper than hashing both sides);
    symlinks by target. Files only in the copy are listed, not differences."""
    patterns = exclude or []
    diffs: list[str] = []
    seen: set[str] = set()
    files = size = 0
    for folder, dirs, names in os.walk(source):
        base = Path(folder)
        rel_base = base.relative_to(source).as_posix()
        dirs[:] = [d for d in dirs if not excluded(_join(rel_base, d), patterns)]
        for name in sorted(names + [d for d in dirs if (base / d).is_symlink()]):
            rel = _join(rel_base, name)
            if excluded(rel, patterns):
                continue
            live, copy = base / name, restored / rel
            seen.add(rel)
            if live.is_symlink():
                if not copy.is_symlink() or os.readlink(copy) != os.readlink(live):
                    diffs.append(f"{rel}: link to {os.readlink(live)} in source, not restored as such")
                continue
            if not live.is_file():
                continue
            files += 1
            live_size = live.stat().st_size
            size += live_size
            if not copy.is_file() or copy.is_symlink():
                diffs.append(f"{rel} missing")
            elif copy.stat().st_size != live_size:
                diffs.append(f"{rel}: {live_size} bytes in source, {copy.stat().st_size} restored")
            elif not _same_content(live, copy):
                diffs.append(f"{rel}: content differs")
    extra = sorted(p.relative_to(restored).as_posix() for p in restored.rglob("*")
                   if (p.is_file() or p.is_symlink()) and p.relative_to(restored).as_posix() not in seen
                   and not excluded(p.relative_to(restored).as_posix(), patterns))
    return TreeComparison(tuple(diffs), files, size, tuple(extra[:200]))
