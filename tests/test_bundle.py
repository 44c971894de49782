"""Evidence bundle: what it holds, tamper detection naming the file, and no planted secret inside."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import subprocess
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from golive import bundle
from golive.cli import main
from tests.signoff_runs import evidence_profile, evidence_run, have_node20

SECRET = "s3cr3t-PLANTED-bundle-7c1d"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real NO-GO run with a secret in the profile (${VAR}) and in a recorded response."""
    tmp = tmp_path_factory.mktemp("bundle")
    profile = evidence_profile(databases=[{"name": "db", "dsn": "postgresql://app:${EVIDENCE_SECRET}@127.0.0.1/app"}])
    run = evidence_run(tmp, profile, env={"EVIDENCE_SECRET": SECRET, "EVIDENCE_FAIL_ALPHA": "api",
                                          "EVIDENCE_FAIL_LEAKY": "1"})
    assert run.signoff["verdict"] == "NO-GO", run.output[-3000:]
    assert run.status("evidence.leaky", "web") == "failed"
    return run.report_dir


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def _write(target: Path, members: dict[str, bytes] | list[tuple[str, bytes]]) -> None:
    items = members.items() if isinstance(members, dict) else members
    with tarfile.open(target, "w:gz") as tar:
        for name, data in items:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _repack(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    """Copy a bundle, replacing (bytes) or removing (None) members, adding new names."""
    members = _members(source)
    for name, data in change.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    _write(target, members)


def test_bundle_holds_the_evidence_and_verifies(run_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "evidence.tar.gz"
    assert main(["bundle", str(run_dir), "-o", str(out)]) == 0
    members = _members(out)
    names = {n.removeprefix("golive-evidence/") for n in members}
    for expected in ("signoff.json", "signoff.md", "effective-profile.yaml", "junit.xml", "versions.json",
                     "MANIFEST.sha256", "allure-results/environment.properties",
                     "allure-results/categories.json"):
        assert expected in names, (expected, sorted(names))
    assert any(n.startswith("allure-results/") and n.endswith("-result.json") for n in names)
    versions = json.loads(members["golive-evidence/versions.json"])
    assert versions["verdict"] == "NO-GO" and versions["profile"] == "evidence"
    assert {"golive", "python", "pytest"} <= set(versions["tools"])
    assert versions["git_sha"] is None or len(versions["git_sha"]) == 40
    manifest = members["golive-evidence/MANIFEST.sha256"].decode()
    assert len(manifest.splitlines()) == len(names) - 1  # every file but the manifest itself
    capsys.readouterr()
    assert main(["verify-bundle", str(out)]) == 0
    assert "OK," in capsys.readouterr().out


def test_tampered_bundle_fails_naming_the_file(run_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Files only rewritten (the manifest kept): the manifest names each altered, added, removed file."""
    good = tmp_path / "good.tar.gz"
    bundle.create(run_dir, good)
    signoff = json.loads(_members(good)["golive-evidence/signoff.json"])
    signoff["verdict"] = "GO"
    altered = tmp_path / "altered.tar.gz"
    _repack(good, altered, {"golive-evidence/signoff.json": json.dumps(signoff).encode()})
    capsys.readouterr()
    assert main(["verify-bundle", str(altered)]) == 1
    out = capsys.readouterr().out
    assert "ALTERED  signoff.json" in out
    assert "FAILED verification (1 altered, 0 added, 0 removed, 0 other problems)" in out

    other = tmp_path / "other.tar.gz"
    _repack(good, other, {"golive-evidence/junit.xml": None, "golive-evidence/extra.txt": b"planted"})
    result = bundle.verify(other)
    assert not result.ok
    assert (result.altered, result.added, result.removed) == ([], ["extra.txt"], ["junit.xml"])


def test_not_a_bundle_fails(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    assert not bundle.verify(junk).ok
    no_manifest = tmp_path / "bare.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as tar:
        info = tarfile.TarInfo("golive-evidence/signoff.json")
        tar.addfile(info, io.BytesIO(b""))
    result = bundle.verify(no_manifest)
    assert any("MANIFEST.sha256 is missing" in p for p in result.problems)


def test_empty_manifest_alone_is_not_a_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 15 item 15: a bundle holding only an empty manifest verified OK."""
    empty = tmp_path / "empty.tar.gz"
    _write(empty, {"golive-evidence/MANIFEST.sha256": b""})
    assert main(["verify-bundle", str(empty)]) == 1
    out = capsys.readouterr().out
    assert "does not list signoff.json, signoff.md, versions.json" in out and "FAILED" in out


def test_planted_secret_is_nowhere_in_the_bundle(run_dir: Path, tmp_path: Path) -> None:
    report_dir = tmp_path / "reports"
    shutil.copytree(run_dir, report_dir)
    if have_node20():  # the HTML report too, when it can be built (CI installs node)
        assert main(["report", str(report_dir)]) == 0
    out = tmp_path / "evidence.tar.gz"
    assert main(["bundle", str(report_dir), "-o", str(out)]) == 0
    members = _members(out)
    texts = {name: data.decode("utf-8", errors="replace") for name, data in members.items()}
    leaking = [name for name, text in texts.items() if SECRET in text]
    assert leaking == []
    # the secret was really there to leak: the response was recorded (masked) and the DSN kept (masked)
    attachments = [t for n, t in texts.items() if "-attachment" in n]
    assert any('"session": "***"' in t for t in attachments), "the response body attachment is missing"
    assert "postgresql://app:***@127.0.0.1/app" in texts["golive-evidence/effective-profile.yaml"]
    if have_node20():
        assert "golive-evidence/html/allure/index.html" in members


def test_bundle_without_signoff_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["bundle", str(tmp_path), "-o", str(tmp_path / "x.tar.gz")]) == 4


# --------------------------------------------------------------------------- signatures

MANIFEST = "golive-evidence/MANIFEST.sha256"
SIG = "golive-evidence/MANIFEST.sha256.sig"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    assert main(["keygen", "-o", str(folder / "golive-signing")]) == 0
    return folder / "golive-signing", folder / "golive-signing.pub"


def _forged(good: Path, target: Path) -> dict[str, bytes]:
    """The attack a manifest alone cannot catch: signoff.json says GO, the manifest is recomputed."""
    members = _members(good)
    signoff = json.loads(members["golive-evidence/signoff.json"])
    signoff["verdict"], signoff["reasons"] = "GO", []
    members["golive-evidence/signoff.json"] = json.dumps(signoff).encode()
    members[MANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name.removeprefix('golive-evidence/')}\n"
        for name, data in sorted(members.items()) if name not in (MANIFEST, SIG)).encode()
    _write(target, members)
    return members


def test_keygen_writes_a_private_key_only_its_owner_reads(keys: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in private.read_bytes() and b"BEGIN PUBLIC KEY" in public.read_bytes()
    assert main(["keygen", "-o", str(private)]) == 4  # never overwrites a key silently
    assert "exists: not overwriting" in capsys.readouterr().err


def test_signed_bundle_verifies_under_its_public_key(run_dir: Path, keys: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    private, public = keys
    out = tmp_path / "signed.tar.gz"
    assert main(["bundle", str(run_dir), "-o", str(out), "--sign", str(private)]) == 0
    printed = capsys.readouterr().out
    assert "signed by ed25519:" in printed
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"bundle sha256   {digest}" in printed
    versions = json.loads(_members(out)["golive-evidence/versions.json"])
    assert versions["signing_key"].startswith("ed25519:")  # which key, covered by the manifest
    assert main(["verify-bundle", str(out), "--public-key", str(public), "--expect-sha256", digest]) == 0
    assert f"SIGNED by {versions['signing_key']}: the signature verifies" in capsys.readouterr().out
    assert main(["verify-bundle", str(out)]) == 0  # without the key: intact, but says it did not check
    assert "signature was NOT checked" in capsys.readouterr().out


def test_files_and_manifest_rewritten_fail_under_the_public_key(run_dir: Path, keys: tuple[Path, Path],
                                                                tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    private, public = keys
    good = tmp_path / "signed.tar.gz"
    bundle.create(run_dir, good, sign_key=private)
    forged = tmp_path / "forged.tar.gz"
    members = _forged(good, forged)
    assert bundle.verify(forged).ok  # the manifest matches the files it now lists: only the signature tells
    capsys.readouterr()
    assert main(["verify-bundle", str(forged), "--public-key", str(public)]) == 1
    out = capsys.readouterr().out
    assert "does not verify under ed25519:" in out and "FAILED verification" in out

    # re-signed with the forger's own key: still not the trusted key
    other = tmp_path / "other-key"
    bundle.keygen(other)
    from golive.bundle import _load_private

    members[SIG] = _load_private(other).sign(members[MANIFEST])
    resigned = tmp_path / "resigned.tar.gz"
    _write(resigned, members)
    assert not bundle.verify(resigned, public_key=bundle.load_public(public)).ok
    # the signature dropped: a key was given, an unsigned bundle fails
    members.pop(SIG)
    unsigned = tmp_path / "unsigned.tar.gz"
    _write(unsigned, members)
    result = bundle.verify(unsigned, public_key=bundle.load_public(public))
    assert any("not signed" in p for p in result.problems)


def test_unsigned_bundle_says_so_and_a_pinned_digest_catches_a_rewrite(run_dir: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "unsigned.tar.gz"
    created = bundle.create(run_dir, good)
    assert created.signing_key is None
    assert main(["verify-bundle", str(good), "--expect-sha256", created.bundle_sha256]) == 0
    assert "UNSIGNED" in capsys.readouterr().out
    forged = tmp_path / "forged.tar.gz"
    _forged(good, forged)
    assert main(["verify-bundle", str(forged), "--expect-sha256", created.bundle_sha256]) == 1
    assert "not the published bundle" in capsys.readouterr().out
    assert main(["verify-bundle", str(good), "--expect-sha256", "abc"]) == 4


@pytest.mark.parametrize("cut", [1, 8, 20, 40, 81, 600])
def test_truncated_bundle_fails(run_dir: Path, tmp_path: Path, cut: int) -> None:
    """issue 15 item 15: a bundle cut by up to 81 bytes verified OK (the gzip trailer was never read)."""
    good = tmp_path / "good.tar.gz"
    bundle.create(run_dir, good)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[:-cut])
    result = bundle.verify(truncated)
    assert not result.ok and "not a complete, readable tar.gz" in result.problems[0], result.problems


def test_duplicate_forged_signoff_before_the_real_one_fails(run_dir: Path, tmp_path: Path) -> None:
    """issue 15 item 15: a forged signoff.json placed before the real one (tar readers keep the last)."""
    good = tmp_path / "good.tar.gz"
    bundle.create(run_dir, good)
    members = list(_members(good).items())
    forged = json.dumps({"verdict": "GO"}).encode()
    crafted = tmp_path / "crafted.tar.gz"
    _write(crafted, [("golive-evidence/signoff.json", forged), *members])
    result = bundle.verify(crafted)
    assert not result.ok
    assert any("duplicate member golive-evidence/signoff.json" in p for p in result.problems)


def test_links_and_paths_outside_the_bundle_fail(tmp_path: Path) -> None:
    crafted = tmp_path / "crafted.tar.gz"
    with tarfile.open(crafted, "w:gz") as tar:
        link = tarfile.TarInfo("golive-evidence/signoff.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        outside = tarfile.TarInfo("../evil.txt")
        tar.addfile(outside, io.BytesIO(b""))
    problems = bundle.verify(crafted).problems
    assert any("a link" in p for p in problems) and any("outside golive-evidence/" in p for p in problems)


def test_verification_streams_in_bounded_memory(tmp_path: Path) -> None:
    """issue 15 item 15: a 1.7 MB bundle took 1.07 GB to verify. A 64 MiB member (a few KB
    compressed) must be hashed in chunks, never held whole."""
    big = tmp_path / "big.tar.gz"
    size = 64 << 20
    with tarfile.open(big, "w:gz") as tar:
        info = tarfile.TarInfo("golive-evidence/load/locust_report.html")
        info.size = size
        tar.addfile(info, _Zeros(size))
        manifest = f"{hashlib.sha256(bytes(size)).hexdigest()}  load/locust_report.html\n".encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    tracemalloc.start()
    try:
        result = bundle.verify(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.checked == 1 and result.altered == []  # read and hashed: the digest matches
    assert peak < 4 << 20, f"verify held {peak / 2**20:.1f} MiB for a {size >> 20} MiB member"


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_signature_checks_with_openssl_too(run_dir: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    """An auditor without golive checks the same signature with OpenSSL, from the extracted files."""
    private, public = keys
    out = tmp_path / "signed.tar.gz"
    bundle.create(run_dir, out, sign_key=private)
    members = _members(out)
    (tmp_path / "MANIFEST.sha256").write_bytes(members[MANIFEST])
    (tmp_path / "MANIFEST.sha256.sig").write_bytes(members[SIG])
    done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin",
                           "-in", str(tmp_path / "MANIFEST.sha256"), "-sigfile", str(tmp_path / "MANIFEST.sha256.sig")],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done.stdout + done.stderr


def test_verify_names_the_approvals_and_a_stale_one(run_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    report_dir = tmp_path / "reports"
    shutil.copytree(run_dir, report_dir)
    assert main(["approve", str(report_dir), "--by", "Jane Roe", "--override", "flagged off"]) == 0
    out = tmp_path / "approved.tar.gz"
    bundle.create(report_dir, out)
    capsys.readouterr()
    assert main(["verify-bundle", str(out)]) == 0
    assert "NOTE     approved by Jane Roe AGAINST the NO-GO verdict (override: flagged off)" in capsys.readouterr().out
    signoff = json.loads((report_dir / "signoff.json").read_text())
    signoff["finished_at"] = "2026-01-01T00:00:00Z"  # a re-run into the same directory
    (report_dir / "signoff.json").write_text(json.dumps(signoff))
    bundle.create(report_dir, out)
    assert main(["verify-bundle", str(out)]) == 0
    assert "approval by Jane Roe is STALE" in capsys.readouterr().out
