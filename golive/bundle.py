"""The evidence bundle: one tar.gz an auditor keeps, and the check that it was not altered.

``golive bundle [DIR] -o FILE`` packs the report dir (signoff.json/md, allure-results, the HTML
report when generated, the effective profile with secrets masked, junit.xml, history) plus a
``versions.json`` (tool versions, git SHA, verdict) and a ``MANIFEST.sha256`` (``sha256sum``
format, so ``sha256sum -c`` works on an extracted bundle too).

``golive verify-bundle FILE`` re-hashes every member and names each file altered, added or
removed. The manifest's own digest is printed at both ends so it can be recorded elsewhere (a
manifest rewritten together with a file can only be caught that way).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive import allure_env
from golive.signoff_model import SIGNOFF_JSON, SignOff, read

ROOT = "golive-evidence"
MANIFEST = "MANIFEST.sha256"
VERSIONS = "versions.json"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def collect(report_dir: Path, skip: Path | None = None) -> dict[str, bytes]:
    """Every regular file of the report dir (symlinks skipped: they could point outside it;
    ``skip``: the bundle being written, when it is inside the report dir)."""
    files: dict[str, bytes] = {}
    for path in sorted(report_dir.rglob("*")):
        if path.is_symlink() or not path.is_file() or (skip is not None and path.resolve() == skip.resolve()):
            continue
        files[path.relative_to(report_dir).as_posix()] = path.read_bytes()
    return files


def versions_document(report_dir: Path, signoff: SignOff | None) -> dict[str, Any]:
    """What produced this evidence: tool versions, golive's git SHA, when, which verdict."""
    return {
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "tools": allure_env.versions(),
        "git_sha": allure_env.git_sha(Path(__file__).resolve().parent.parent),
        "report_dir": report_dir.name,
        "profile": signoff.profile if signoff else None,
        "environment": signoff.environment if signoff else None,
        "verdict": str(signoff.verdict) if signoff else None,
        "release": signoff.run.release if signoff else None,
    }


def manifest_text(files: dict[str, bytes]) -> str:
    return "".join(f"{_sha256(data)}  {name}\n" for name, data in sorted(files.items()))


def create(report_dir: Path, output: Path) -> str:
    """Write the bundle; return the manifest's SHA-256."""
    signoff = read(report_dir) if (report_dir / SIGNOFF_JSON).exists() else None
    files = collect(report_dir, skip=output)
    files.pop(MANIFEST, None)
    files[VERSIONS] = (json.dumps(versions_document(report_dir, signoff), indent=2) + "\n").encode()
    manifest = manifest_text(files).encode()
    output.parent.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    with tarfile.open(output, "w:gz") as tar:
        for name, data in [*sorted(files.items()), (MANIFEST, manifest)]:
            info = tarfile.TarInfo(f"{ROOT}/{name}")
            info.size, info.mtime, info.mode = len(data), now, 0o644
            tar.addfile(info, io.BytesIO(data))
    return _sha256(manifest)


@dataclass
class Verification:
    """What ``verify`` found; ``ok`` when nothing was altered, added or removed."""

    manifest_sha256: str = ""
    checked: int = 0
    altered: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.altered or self.added or self.removed or self.problems)


def _parse_manifest(text: str, result: Verification) -> dict[str, str]:
    expected: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            result.problems.append(f"{MANIFEST} line {number} is malformed: {line[:80]!r}")
            continue
        expected[name] = digest
    return expected


def verify(bundle: Path) -> Verification:
    """Re-hash every member against the manifest."""
    result = Verification()
    actual: dict[str, str] = {}
    manifest: bytes | None = None
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            manifest = _hash_members(tar, actual, result)
    except (OSError, tarfile.TarError, EOFError) as exc:
        result.problems.append(f"{bundle}: not a readable tar.gz ({exc})")
        return result
    if manifest is None:
        result.problems.append(f"{MANIFEST} is missing: not a golive bundle, or it was removed")
        return result
    result.manifest_sha256 = _sha256(manifest)
    expected = _parse_manifest(manifest.decode("utf-8", errors="replace"), result)
    result.altered = sorted(n for n in expected if n in actual and actual[n] != expected[n])
    result.removed = sorted(n for n in expected if n not in actual)
    result.added += sorted(n for n in actual if n not in expected)
    result.checked = len(actual)
    return result


def _hash_members(tar: tarfile.TarFile, actual: dict[str, str], result: Verification) -> bytes | None:
    """Hash every member into ``actual``; return the manifest's bytes (None when absent)."""
    manifest: bytes | None = None
    for member in tar.getmembers():
        if member.isdir():
            continue
        if not member.isfile() or not member.name.startswith(f"{ROOT}/"):
            result.added.append(f"{member.name} (unexpected member)")
            continue
        handle = tar.extractfile(member)
        data = handle.read() if handle else b""
        name = member.name.removeprefix(f"{ROOT}/")
        if name == MANIFEST:
            manifest = data
        else:
            actual[name] = _sha256(data)
    return manifest


def report_lines(bundle: Path, result: Verification) -> list[str]:
    """What ``golive verify-bundle`` prints."""
    lines = [f"ALTERED  {n} (SHA-256 differs from the manifest)" for n in result.altered]
    lines += [f"ADDED    {n} (not in the manifest)" for n in result.added]
    lines += [f"REMOVED  {n} (in the manifest, missing from the bundle)" for n in result.removed]
    lines += [f"PROBLEM  {p}" for p in result.problems]
    if result.ok:
        lines.append(f"{bundle}: OK, {result.checked} files match the manifest "
                     f"(manifest sha256 {result.manifest_sha256})")
    else:
        lines.append(f"{bundle}: FAILED verification ({len(result.altered)} altered, "
                     f"{len(result.added)} added, {len(result.removed)} removed)")
    return lines
