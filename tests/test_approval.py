"""``golive approve``: a separate record, a NO-GO refused unless overridden, stale after a re-run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from golive.approval import read_record
from golive.cli import main
from tests.signoff_runs import evidence_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two real runs of the evidence checks: one GO, one NO-GO (a critical check fails on api)."""
    tmp = tmp_path_factory.mktemp("approve")
    go = evidence_run(tmp, report_dir=tmp / "go", env={"GOLIVE_RELEASE": "v2.0.1"})
    no_go = evidence_run(tmp, report_dir=tmp / "no-go", env={"EVIDENCE_FAIL_ALPHA": "api"})
    assert go.signoff["verdict"] == "GO", go.output[-2000:]
    assert no_go.signoff["verdict"] == "NO-GO", no_go.output[-2000:]
    return {"go": go.report_dir, "no-go": no_go.report_dir}


def _copy(src: Path, tmp_path: Path) -> Path:
    target = tmp_path / src.name
    shutil.copytree(src, target)
    return target


def _bytes(report_dir: Path) -> tuple[bytes, bytes]:
    return (report_dir / "signoff.json").read_bytes(), (report_dir / "signoff.md").read_bytes()


def test_no_go_is_refused_and_nothing_is_written(runs: dict[str, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    report_dir = _copy(runs["no-go"], tmp_path)
    before = _bytes(report_dir)
    assert main(["approve", str(report_dir), "--by", "Jane Roe"]) == 1
    err = capsys.readouterr().err
    assert "refused: the verdict" in err and "NO-GO" in err
    assert "evidence.alpha (critical) failed on api" in err and "--override REASON" in err
    assert not (report_dir / "approval.json").exists()
    assert _bytes(report_dir) == before


def test_override_is_recorded_and_shown(runs: dict[str, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    report_dir = _copy(runs["no-go"], tmp_path)
    before = _bytes(report_dir)
    assert main(["approve", str(report_dir), "--by", "Jane Roe", "--note", "CAB-7",
                 "--override", "api is behind a feature flag, off for all users"]) == 0
    assert "AGAINST the NO-GO verdict" in capsys.readouterr().out
    assert _bytes(report_dir) == before  # the sign-off is never edited
    record = json.loads((report_dir / "approval.json").read_text())
    (entry,) = record["approvals"]
    assert entry["approved_by"] == "Jane Roe" and entry["verdict"] == "NO-GO" and entry["note"] == "CAB-7"
    assert entry["override"] == "api is behind a feature flag, off for all users"
    markdown = (report_dir / "approval.md").read_text()
    assert "APPROVED AGAINST A NO-GO VERDICT by Jane Roe" in markdown
    assert "Override reason: api is behind a feature flag, off for all users" in markdown
    assert main(["verdict", str(report_dir)]) == 1  # an override approves; it does not change the verdict
    assert "approved by Jane Roe" in capsys.readouterr().out


def test_go_is_approved_and_a_rerun_makes_it_stale(runs: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    report_dir = _copy(runs["go"], tmp_path)
    assert main(["approve", str(report_dir), "--by", "Ann Lee"]) == 0
    assert main(["approve", str(report_dir), "--by", "Bo Chen", "--note", "second approver"]) == 0
    record = read_record(report_dir)
    assert [a.approved_by for a in record.approvals] == ["Ann Lee", "Bo Chen"]
    assert all(a.override is None and a.release == "v2.0.1" for a in record.approvals)
    markdown = (report_dir / "approval.md").read_text()
    assert "## Approved by Ann Lee" in markdown and "AGAINST" not in markdown
    capsys.readouterr()
    assert main(["verdict", str(report_dir)]) == 0
    assert "approved by Bo Chen" in capsys.readouterr().out
    # the directory is re-run: the earlier approvals are of another sign-off now
    shutil.copy2(runs["no-go"] / "signoff.json", report_dir / "signoff.json")
    assert main(["verdict", str(report_dir)]) == 1
    out = capsys.readouterr().out
    assert "approved by" not in out and "2 approval(s) of an earlier sign-off" in out


def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["approve", str(tmp_path), "--by", "Jane"]) == 4
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["approve", str(tmp_path)])  # --by is required
