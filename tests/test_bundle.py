"""Evidence bundle: what it holds, tamper detection naming the file, and no planted secret inside."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
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


def _repack(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    """Copy a bundle, replacing (bytes) or removing (None) members, adding new names."""
    members = _members(source)
    for name, data in change.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


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
    assert "FAILED verification (1 altered, 0 added, 0 removed)" in out

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
