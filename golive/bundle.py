"""The evidence bundle: one tar.gz an auditor keeps, and the proof that nobody rewrote it.

``golive bundle DIR -o FILE [--sign KEY]`` packs the report dir (signoff.json/md, approval,
allure-results, the HTML report when generated, the effective profile with secrets masked,
junit.xml, load stats) plus ``versions.json`` (tool versions, git SHA, verdict, signing key) and
``MANIFEST.sha256`` (``sha256sum`` format: ``sha256sum -c`` works on an extracted bundle). With
``--sign`` an Ed25519 signature of the manifest is added as ``MANIFEST.sha256.sig`` (64 raw bytes;
OpenSSL can check it too: ``openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in
MANIFEST.sha256 -sigfile MANIFEST.sha256.sig``).

A manifest alone proves integrity against accidents only: whoever holds the bundle can rewrite a
file and the manifest together. The signature, checked with ``--public-key``, or a bundle digest
published elsewhere (``--expect-sha256``) is what makes such a rewrite fail.

``golive verify-bundle`` reads the archive as a stream to its very end (the gzip trailer's CRC and
length are checked, so a truncated file fails), hashes members in bounded chunks, refuses
duplicate member names (a forged ``signoff.json`` placed before the real one), links and paths
outside the bundle, and a manifest that does not list the files every bundle has.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from golive import allure_env
from golive.signoff_model import SIGNOFF_JSON, SIGNOFF_MD, SignOff, read

ROOT = "golive-evidence"
MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sha256.sig"
VERSIONS = "versions.json"
REQUIRED = (SIGNOFF_JSON, SIGNOFF_MD, VERSIONS)
"""Files every bundle holds: a manifest that does not list them is not a golive bundle's."""
CHUNK = 1 << 16
MANIFEST_LIMIT = 16 << 20
"""The manifest is read whole: bounded, so that a crafted one cannot take the memory."""
SIGNATURE_LIMIT = 1024
APPROVAL = "approval.json"
APPROVAL_LIMIT = 1 << 20
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4


class BundleError(ValueError):
    """Bad input to bundle/keygen/verify (a missing key file, an unreadable key): exit 4."""


# --------------------------------------------------------------------------- keys


def keygen(private_path: Path, force: bool = False) -> tuple[Path, Path, str]:
    """Write an Ed25519 key pair: ``KEY`` (PKCS#8 PEM, mode 600) and ``KEY.pub``; return the paths and
    the public key's fingerprint. Refuses to overwrite a key unless ``force``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public_path = private_path.with_name(private_path.name + ".pub")
    existing = [p for p in (private_path, public_path) if p.exists()]
    if existing and not force:
        raise BundleError(f"{existing[0]} exists: not overwriting a key (use --force to replace it)")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    os.chmod(private_path, 0o600)
    public_path.write_bytes(public_pem)
    return private_path, public_path, fingerprint(key.public_key())


def fingerprint(public_key: Any) -> str:
    """``ed25519:`` + the SHA-256 of the raw public key (what versions.json and the output name)."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()


def _load_private(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise BundleError(f"--sign {path}: no such key file (create one with golive keygen -o {path})") from None
    except (OSError, ValueError, TypeError) as exc:
        raise BundleError(f"--sign {path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"--sign {path}: an Ed25519 key is needed (golive keygen makes one)")
    return key


def load_public(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise BundleError(f"--public-key {path}: no such file") from None
    except (OSError, ValueError, TypeError) as exc:
        raise BundleError(f"--public-key {path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError(f"--public-key {path}: an Ed25519 public key is needed (golive keygen's KEY.pub)")
    return key


# --------------------------------------------------------------------------- creating


def _files(report_dir: Path, skip: Path) -> Iterator[tuple[str, Path]]:
    """Regular files of the report dir, sorted. Skipped: symlinks (they could point outside it),
    hidden entries (a previous run's results being deleted, lock files) and the bundle itself."""
    skip = skip.resolve()
    for path in sorted(report_dir.rglob("*")):
        relative = path.relative_to(report_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink() or not path.is_file() or path.resolve() == skip:
            continue
        yield relative.as_posix(), path


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def versions_document(report_dir: Path, signoff: SignOff | None, signing_key: str | None = None) -> dict[str, Any]:
    """What produced this evidence: tool versions, golive's git SHA, when, which verdict, which key."""
    return {
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "tools": allure_env.versions(),
        "git_sha": allure_env.git_sha(Path(__file__).resolve().parent.parent),
        "report_dir": report_dir.name,
        "profile": signoff.profile if signoff else None,
        "environment": signoff.environment if signoff else None,
        "verdict": str(signoff.verdict) if signoff else None,
        "release": signoff.run.release if signoff else None,
        "signing_key": signing_key,
    }


@dataclass(frozen=True)
class Created:
    """What ``create`` wrote: the digests to record elsewhere, and the signing key if any."""

    manifest_sha256: str
    bundle_sha256: str
    signing_key: str | None
    files: int


def create(report_dir: Path, output: Path, sign_key: Path | None = None) -> Created:
    """Write the bundle (streamed file by file, through a temporary file renamed at the end)."""
    key = _load_private(sign_key) if sign_key is not None else None
    signing_key = fingerprint(key.public_key()) if key is not None else None
    signoff = read(report_dir)
    files = [(name, path) for name, path in _files(report_dir, skip=output)
             if name not in (MANIFEST, SIGNATURE, VERSIONS)]
    versions = (json.dumps(versions_document(report_dir, signoff, signing_key), indent=2) + "\n").encode()
    digests = {name: _file_sha256(path) for name, path in files}
    digests[VERSIONS] = hashlib.sha256(versions).hexdigest()
    manifest = "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items())).encode()
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    now = int(time.time())
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for name, path in files:
                info = tarfile.TarInfo(f"{ROOT}/{name}")
                info.size, info.mtime, info.mode = path.stat().st_size, now, 0o644
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            extra = [(VERSIONS, versions), (MANIFEST, manifest)]
            if key is not None:
                extra.append((SIGNATURE, key.sign(manifest)))
            for name, data in extra:
                info = tarfile.TarInfo(f"{ROOT}/{name}")
                info.size, info.mtime, info.mode = len(data), now, 0o644
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Created(hashlib.sha256(manifest).hexdigest(), _file_sha256(output), signing_key, len(digests))


# --------------------------------------------------------------------------- verifying


@dataclass
class Verification:
    """What ``verify`` found; ``ok`` when nothing was altered, added, removed or wrong."""

    manifest_sha256: str = ""
    bundle_sha256: str = ""
    checked: int = 0
    signed: bool = False
    signature_checked: bool = False
    """The signature verified under the given public key."""
    key: str | None = None
    altered: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    approval: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not (self.altered or self.added or self.removed or self.problems)


class _HashingReader(io.RawIOBase):
    """The raw bundle file, hashed as it is read (the whole-file digest costs no second pass)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.handle.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _member_problem(member: tarfile.TarInfo) -> str | None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not member.name.startswith(f"{ROOT}/"):
        return f"{member.name}: a member outside {ROOT}/"
    if not (member.isfile() or member.isdir()):
        kind = "link" if member.issym() or member.islnk() else "special file"
        return f"{member.name}: a {kind} (a bundle holds regular files only)"
    return None


def _hash_stream(handle: IO[bytes], keep: int = 0) -> tuple[str, bytes | None]:
    """SHA-256 of a member read in chunks, and its bytes when ``keep`` > 0 and it is no larger."""
    digest = hashlib.sha256()
    kept: bytearray | None = bytearray() if keep else None
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        if kept is not None:
            kept += chunk
            if len(kept) > keep:
                kept = None
    return digest.hexdigest(), bytes(kept) if kept is not None else None


def verify(bundle: Path, public_key: Any = None, expect_sha256: str | None = None) -> Verification:
    """Check the bundle to its end against its manifest, and its signature when a key is given."""
    result = Verification()
    actual: dict[str, str] = {}
    manifest: bytes | None = None
    signature: bytes | None = None
    try:
        with bundle.open("rb") as raw:
            reader = _HashingReader(raw)
            buffered = io.BufferedReader(reader, CHUNK)
            with gzip.GzipFile(fileobj=buffered, mode="rb") as gz:
                with tarfile.open(fileobj=gz, mode="r|") as tar:
                    manifest, signature = _read_members(tar, actual, result)
                while gz.read(CHUNK):  # to the end of the gzip stream: its CRC and length are checked there
                    pass
            while buffered.read(CHUNK):  # and to the end of the file, for the whole-file digest
                pass
            result.bundle_sha256 = reader.digest.hexdigest()
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        result.problems.append(f"{bundle}: not a complete, readable tar.gz ({_describe(exc)})")
        return result
    if expect_sha256 is not None and result.bundle_sha256 != expect_sha256.strip().lower():
        result.problems.append(f"the bundle's SHA-256 is {result.bundle_sha256}, not the expected "
                               f"{expect_sha256.strip().lower()}: this is not the published bundle")
    if manifest is None:
        result.problems.append(f"{MANIFEST} is missing (or over {MANIFEST_LIMIT} bytes): not a golive bundle, "
                               "or it was removed")
        return result
    result.manifest_sha256 = hashlib.sha256(manifest).hexdigest()
    expected = _parse_manifest(manifest, result)
    missing = [name for name in REQUIRED if name not in expected]
    if missing:
        result.problems.append(f"{MANIFEST} does not list {', '.join(missing)}: every golive bundle holds them")
    result.altered = sorted(n for n in expected if n in actual and actual[n] != expected[n])
    result.removed = sorted(n for n in expected if n not in actual)
    result.added += sorted(n for n in actual if n not in expected)
    result.checked = len(actual)
    _check_signature(manifest, signature, public_key, result)
    _approval_notes(result, actual.get(SIGNOFF_JSON))
    return result


def _approval_notes(result: Verification, signoff_sha256: str | None) -> None:
    """Who approved the bundled sign-off; an approval of another sign-off is named stale."""
    if result.approval is None:
        return
    try:
        approvals = json.loads(result.approval).get("approvals", [])
    except (ValueError, AttributeError):
        result.notes.append(f"{APPROVAL} is not readable JSON")
        return
    for entry in approvals if isinstance(approvals, list) else []:
        if not isinstance(entry, dict):
            continue
        who = entry.get("approved_by", "?")
        if entry.get("signoff_sha256") != signoff_sha256:
            result.notes.append(f"approval by {who} is STALE: it approves another signoff.json than this bundle's")
        elif entry.get("override"):
            result.notes.append(f"approved by {who} AGAINST the {entry.get('verdict')} verdict "
                                f"(override: {entry['override']})")
        else:
            result.notes.append(f"approved by {who} ({entry.get('verdict')})")


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, EOFError):
        return f"truncated: {text}"
    return text


def _read_members(tar: tarfile.TarFile, actual: dict[str, str],
                  result: Verification) -> tuple[bytes | None, bytes | None]:
    """Hash every member into ``actual`` (streamed); return the manifest's and signature's bytes
    (and keep approval.json's, small, for the approval notes)."""
    manifest: bytes | None = None
    signature: bytes | None = None
    seen: set[str] = set()
    for member in tar:
        if member.name in seen:
            result.problems.append(f"duplicate member {member.name}: a second copy may hide or replace the first")
            continue
        seen.add(member.name)
        problem = _member_problem(member)
        if problem is not None:
            result.problems.append(problem)
            continue
        if member.isdir():
            continue
        handle = tar.extractfile(member)
        if handle is None:
            continue
        name = member.name.removeprefix(f"{ROOT}/")
        if name == MANIFEST:
            _, manifest = _hash_stream(handle, MANIFEST_LIMIT)
        elif name == SIGNATURE:
            _, signature = _hash_stream(handle, SIGNATURE_LIMIT)
            if signature is None:
                result.problems.append(f"{SIGNATURE} is over {SIGNATURE_LIMIT} bytes: not a signature")
        elif name == APPROVAL:
            actual[name], result.approval = _hash_stream(handle, APPROVAL_LIMIT)
        else:
            actual[name], _ = _hash_stream(handle)
    return manifest, signature


def _parse_manifest(manifest: bytes, result: Verification) -> dict[str, str]:
    expected: dict[str, str] = {}
    for number, line in enumerate(manifest.decode("utf-8", errors="replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            result.problems.append(f"{MANIFEST} line {number} is malformed: {line[:80]!r}")
            continue
        if name in expected:
            result.problems.append(f"{MANIFEST} lists {name} twice")
        expected[name] = digest
    return expected


def _check_signature(manifest: bytes, signature: bytes | None, public_key: Any, result: Verification) -> None:
    from cryptography.exceptions import InvalidSignature

    result.signed = signature is not None
    if public_key is None:
        return
    result.key = fingerprint(public_key)
    if signature is None:
        result.problems.append(f"the bundle is not signed, but a public key ({result.key}) was given: "
                               "an unsigned bundle proves nothing about who wrote it")
        return
    try:
        public_key.verify(signature, manifest)
    except InvalidSignature:
        result.problems.append(f"the signature of {MANIFEST} does not verify under {result.key}: the manifest "
                               "(and the files it lists) was rewritten, or signed with another key")
        return
    result.signature_checked = True


def report_lines(bundle: Path, result: Verification) -> list[str]:
    """What ``golive verify-bundle`` prints."""
    lines = [f"ALTERED  {n} (SHA-256 differs from the manifest)" for n in result.altered]
    lines += [f"ADDED    {n} (not in the manifest)" for n in result.added]
    lines += [f"REMOVED  {n} (in the manifest, missing from the bundle)" for n in result.removed]
    lines += [f"PROBLEM  {p}" for p in result.problems]
    lines += [f"NOTE     {n}" for n in result.notes]
    if not result.ok:
        lines.append(f"{bundle}: FAILED verification ({len(result.altered)} altered, {len(result.added)} added, "
                     f"{len(result.removed)} removed, {len(result.problems)} other problems)")
        return lines
    if result.signature_checked:
        trust = f"SIGNED by {result.key}: the signature verifies"
    elif result.signed:
        trust = "signed, but the signature was NOT checked (give --public-key KEY.pub)"
    else:
        trust = ("UNSIGNED: the manifest only proves the files match it; whoever holds the bundle could rewrite "
                 "both (sign with golive bundle --sign KEY, or pin the digest with --expect-sha256)")
    lines.append(f"{bundle}: OK, {result.checked} files match the manifest (manifest sha256 "
                 f"{result.manifest_sha256}; bundle sha256 {result.bundle_sha256}); {trust}")
    return lines


def file_mode_ok(path: Path) -> bool:
    """Whether a private key file is readable by its owner only."""
    return not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
