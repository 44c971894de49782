"""Drift between two sign-offs: exactly the items whose status differs, as a table and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive import diff
from golive.cli import main
from golive.signoff_model import SignOff
from tests.signoff_runs import evidence_run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two real runs of the same checks; in the second, evidence.beta fails on both targets."""
    tmp = tmp_path_factory.mktemp("diff")
    staging = evidence_run(tmp, report_dir=tmp / "staging")
    production = evidence_run(tmp, env={"EVIDENCE_FAIL_BETA": "1"}, report_dir=tmp / "production")
    assert staging.status("evidence.beta") == "passed", staging.output[-2000:]
    assert production.status("evidence.beta") == "failed", production.output[-2000:]
    return staging.report_dir / "signoff.json", production.report_dir / "signoff.json"


def test_one_differing_item_is_reported_exactly(two_runs: tuple[Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    a, b = two_runs
    assert main(["diff", str(a), str(b), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in result["differences"]] == ["evidence.beta"]
    beta = result["differences"][0]
    assert (beta["a"], beta["b"], beta["severity"]) == ("passed", "failed", "low")
    assert beta["subjects"] == [{"subject": "api", "a": "passed", "b": "failed"},
                                {"subject": "web", "a": "passed", "b": "failed"}]
    assert result["verdict_differs"] is False  # beta is low severity

    assert main(["diff", str(a), str(b)]) == 1
    table = capsys.readouterr().out
    rows = [line for line in table.splitlines() if line.startswith("evidence.")]
    assert len(rows) == 1 and rows[0].split()[:4] == ["evidence.beta", "low", "passed", "failed"]
    assert "api: passed -> failed" in table
    assert "1 item(s) differ" in table


def test_same_statuses_are_no_drift(two_runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = two_runs
    assert main(["diff", str(a), str(a.parent)]) == 0  # a report dir is accepted too
    assert "no drift" in capsys.readouterr().out


def test_missing_or_foreign_file_is_a_usage_error(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    assert main(["diff", str(tmp_path / "nope.json"), str(other)]) == 4
    assert main(["diff", str(other), str(other)]) == 4


def _doc(verdict: str, items: list[dict]) -> SignOff:
    return SignOff.model_validate({"profile": "p", "environment": "e", "started_at": "2026-11-22T10:00:00Z",
                                   "finished_at": "2026-11-22T10:01:00Z", "verdict": verdict,
                                   "items": [{"category": "x", **i} for i in items]})


def test_absent_items_and_verdict_change() -> None:
    a = _doc("GO", [{"id": "x.one", "title": "One", "severity": "high", "status": "passed",
                     "results": [{"subject": "web", "status": "passed"}]}])
    b = _doc("NO-GO", [{"id": "x.one", "title": "One", "severity": "high", "status": "passed",
                        "results": [{"subject": "web", "status": "passed"}]},
                       {"id": "x.two", "title": "Two", "severity": "critical", "status": "failed",
                        "results": []}])
    result = diff.compare(a, b)
    assert [(d["id"], d["a"], d["b"]) for d in result["differences"]] == [("x.two", "absent", "failed")]
    assert result["verdict_differs"] is True
    assert "the verdict differs" in diff.table(result)


def test_same_item_status_with_a_subject_moving_is_drift() -> None:
    """Worst-of status can hide a change of subject: web fails today where api failed yesterday."""
    item = {"id": "x.one", "title": "One", "severity": "high", "status": "failed"}
    a = _doc("NO-GO", [{**item, "results": [{"subject": "api", "status": "failed"},
                                            {"subject": "web", "status": "passed"}]}])
    b = _doc("NO-GO", [{**item, "results": [{"subject": "api", "status": "passed"},
                                            {"subject": "web", "status": "failed"}]}])
    (only,) = diff.compare(a, b)["differences"]
    assert only["id"] == "x.one" and len(only["subjects"]) == 2
