"""The run's scope in the sign-off: selection, subjects (masked), release, versions, times."""

from __future__ import annotations

from pathlib import Path

from tests.signoff_runs import evidence_profile, evidence_run

SECRET = "pw-SCOPE-5f1e9c"


def test_scope_names_selection_subjects_release_and_tools(tmp_path: Path) -> None:
    profile = evidence_profile(release="2026.11.3", databases=[
        {"name": "main", "dsn": "postgresql://app:${SCOPE_DB_PASSWORD}@127.0.0.1:5432/app"}])
    run = evidence_run(tmp_path, profile, env={"SCOPE_DB_PASSWORD": SECRET},
                       args=("-m", "smoke", "-k", "alpha", "--golive-target", "web", "--golive-database", "main"))
    scope = run.signoff["run"]
    assert scope["markers"] == "smoke" and scope["keyword"] == "alpha"
    assert scope["subject_filters"] == {"targets": ["web"], "databases": ["main"]}
    assert scope["release"] == "2026.11.3" and scope["release_source"] == "profile"
    subjects = {s["name"]: s for s in scope["subjects"]}
    assert set(subjects) == {"web", "main"}  # the filter left api out
    assert subjects["web"] == {"kind": "target", "name": "web", "where": "https://web.invalid.test", "roles": []}
    assert subjects["main"]["kind"] == "database" and SECRET not in subjects["main"]["where"]
    assert subjects["main"]["where"].startswith("postgresql://app:")
    assert {"golive", "python", "pytest", "sslyze", "locust"} <= set(scope["versions"])
    assert "-k" in scope["command_line"] and "alpha" in scope["command_line"]
    assert run.signoff["started_at"].endswith("Z") and run.signoff["finished_at"] >= run.signoff["started_at"]
    header = (run.report_dir / "signoff.md").read_text().split("\n## ", 1)[0]
    assert '- Selection: -m "smoke" -k "alpha" --golive-target web --golive-database main' in header
    assert "- Release: 2026.11.3 (from profile)" in header
    assert "- Subjects: web https://web.invalid.test; main postgresql://app:" in header
    assert SECRET not in (run.report_dir / "signoff.json").read_text() + header
