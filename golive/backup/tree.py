"""A directory tree as (relative path → size, SHA-256), and the comparison of a restored tree with
its live source: what a person does with ``diff -r`` after extracting a backup.

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


@dataclass(frozen=True)
class Entry:
    size: int
    digest: str  # sha256 hex; "link:<target>" for a symlink


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


def walk(root: Path, exclude: list[str] | None = None) -> dict[str, Entry]:
    """Every file and symlink under ``root`` (not following links), with size and hash."""
    patterns = exclude or []
    found: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        rel_base = base.relative_to(root).as_posix()
        dirs[:] = [d for d in dirs if not excluded(_join(rel_base, d), patterns)]
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            rel = _join(rel_base, name)
            if excluded(rel, patterns):
                continue
            path = base / name
            if path.is_symlink():
                found[rel] = Entry(0, f"link:{os.readlink(path)}")
            elif path.is_file():
                found[rel] = Entry(path.stat().st_size, digest(path))
    return found


def _join(base: str, name: str) -> str:
    return name if base in ("", ".") else f"{base}/{name}"


def compare(source: dict[str, Entry], restored: dict[str, Entry]) -> list[str]:
    """Every way the restored tree fails to hold the source, one short phrase each."""
    diffs: list[str] = []
    for rel, entry in sorted(source.items()):
        copy = restored.get(rel)
        if copy is None:
            diffs.append(f"{rel} missing")
        elif copy.digest.startswith("link:") or entry.digest.startswith("link:"):
            if copy.digest != entry.digest:
                diffs.append(f"{rel}: {entry.digest} in source, {copy.digest} restored")
        elif copy.size != entry.size:
            diffs.append(f"{rel}: {entry.size} bytes in source, {copy.size} restored")
        elif copy.digest != entry.digest:
            diffs.append(f"{rel}: content differs (sha256)")
    return diffs


def extra(source: dict[str, Entry], restored: dict[str, Entry]) -> list[str]:
    return sorted(set(restored) - set(source))
