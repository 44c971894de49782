"""``golive report`` (Allure HTML + landing page) and ``signoff.md`` for people.

The HTML generation runs for real (Allure 3 through node; installed on first use): it is skipped
only where node ≥ 20 / npm are missing locally — CI installs them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive import report, signoff_md
from golive.cli import main
from golive.signoff_model import Decision, SignOff, read
from tests.signoff_runs import evidence_profile, evidence_run, have_node20

needs_node = pytest.mark.skipif(not have_node20(), reason="node >= 20 and npm needed for Allure 3")


@pytest.fixture(scope="module")
def no_go_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    profile = evidence_profile(waivers=[{"check": "evidence.beta", "reason": "HSTS after cutover OPS-12",
                                         "expires": "2099-01-01"}])
    run = evidence_run(tmp, profile, env={"EVIDENCE_FAIL_ALPHA": "api", "EVIDENCE_FAIL_BETA": "1",
                                          "GOLIVE_RELEASE": "v1.4.2"})
    assert run.signoff["verdict"] == "NO-GO", run.output[-2000:]
    return run.report_dir


@needs_node
@pytest.mark.xdist_group("allure")
def test_report_html_with_history_and_verdict(no_go_run: Path, tmp_path: Path) -> None:
    report_dir = tmp_path / "reports"
    shutil.copytree(no_go_run, report_dir)
    assert main(["report", str(report_dir)]) == 0
    assert main(["report", str(report_dir)]) == 0  # a second run: the trend has two points
    html_dir = report_dir / "html"
    landing = (html_dir / "index.html").read_text()
    assert 'class="verdict NO-GO">Verdict: NO-GO' in landing
    assert "evidence.alpha (critical) failed on api" in landing
    assert "api: alpha answered 503" in landing
    allure_page = html_dir / "allure" / "index.html"
    assert allure_page.stat().st_size > 100_000  # single file: scripts and data inlined
    summary = json.loads((html_dir / "allure" / "summary.json").read_text())
    assert summary["name"] == "golive sign-off: evidence (staging) — NO-GO"
    assert summary["meta"]["singleFile"] is True
    assert summary["stats"]["failed"] >= 1
    history = (report_dir / "history.jsonl").read_text().splitlines()
    assert len(history) == 2
    assert all(json.loads(line)["name"].endswith("NO-GO") for line in history)


def test_report_without_results_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.generate(tmp_path) == 4
    assert "run the gate first" in capsys.readouterr().err


def test_no_tool_says_what_to_install(no_go_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    report_dir = tmp_path / "reports"
    shutil.copytree(no_go_run, report_dir)
    monkeypatch.setattr(report, "node_major", lambda: 18)
    monkeypatch.setattr(report, "allure2_cli", lambda: None)
    assert report.generate(report_dir) == 1
    err = capsys.readouterr().err
    assert "node v18 found (too old)" in err and "Install Node.js ≥ 20" in err and "Allure 2" in err


def test_allure3_config_is_offline_with_history_and_categories(tmp_path: Path) -> None:
    doc = SignOff(profile="shop", environment="production", verdict=Decision.GO,
                  started_at=datetime(2026, 11, 22, tzinfo=UTC), finished_at=datetime(2026, 11, 22, tzinfo=UTC))
    config = report.allure3_config(tmp_path, doc)
    assert config["historyPath"] == str(tmp_path / "history.jsonl")
    assert config["output"] == str(tmp_path / "html" / "allure")
    options = config["plugins"]["awesome"]["options"]
    assert options["singleFile"] is True
    assert options["reportName"] == "golive sign-off: shop (production) — GO"
    rules = config["categories"]["rules"]
    assert [r["name"] for r in rules] == ["Advisory", "Target unreachable", "Product defect", "golive error",
                                          "Waived", "Not applicable", "Skipped"]
    assert rules[0]["matchers"] == {"statuses": ["passed"], "labels": {"tag": "^golive:advisory$"}}
    regexes = [r["messageRegex"] for r in rules if "messageRegex" in r]
    assert all("(?s)" not in r for r in regexes)  # JavaScript has no inline (?s) flag
    assert re.search(regexes[0], "GET /\nweb: unreachable\nafter 1s timeout")  # across lines
    if shutil.which("node"):  # and they compile in JavaScript, where Allure 3 applies them
        script = "for (const r of JSON.parse(process.argv[1])) new RegExp(r);"
        subprocess.run(["node", "-e", script, json.dumps(regexes)], check=True, timeout=30)


def test_landing_page_escapes_messages() -> None:
    doc = SignOff.model_validate({
        "profile": "p", "environment": "e", "verdict": "NO-GO", "started_at": "2026-11-22T10:00:00Z",
        "finished_at": "2026-11-22T10:01:00Z", "reasons": ["x.y (high) failed on web"], "counts": {"failed": 1},
        "items": [{"id": "x.y", "title": "T", "category": "x", "severity": "high", "status": "failed",
                   "results": [{"subject": "web", "status": "failed", "message": "<script>alert(1)</script>"}]}]})
    page = report.render_landing(doc, "Allure 3")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert 'id="verdict" class="verdict NO-GO"' in page


def test_signoff_md_for_people(no_go_run: Path) -> None:
    """Decision first: verdict, scope, blocking failures with their fix; then the rest."""
    doc = read(no_go_run)
    text = (no_go_run / "signoff.md").read_text()
    assert text == signoff_md.render(doc)
    lines = text.splitlines()
    assert lines[0] == "# golive sign-off: evidence (staging): NO-GO"
    assert lines[2] == "**Verdict: NO-GO**: 1 blocking failure"
    first_screen = "\n".join(lines[:25])
    assert "- Release: v1.4.2 (from GOLIVE_RELEASE)" in first_screen
    assert "- Subjects: web https://web.invalid.test; api https://api.invalid.test" in first_screen
    assert "- **evidence.alpha** (critical) on **api**: api: alpha answered 503 (observed: 503; expected: 200)" \
        in first_screen
    assert ("  - Fix: Restart the alpha service and check its upstream before the release goes out. "
            "(<https://example.com/runbooks/alpha>)") in first_screen
    sections = [line for line in lines if line.startswith("## ")]
    assert sections[:2] == ["## Blocking failures (1)", "## Waived (2)"]
    assert sections.index("## Manual items") < sections.index("## Passed") < sections.index("## Details")
    assert sections[-2:] == ["## How to fix", "## Approval"]
    assert "| evidence.beta | HSTS after cutover OPS-12 | 2099-01-01 | active | yes |" in text
    assert re.search(r"\| \[x\] \| signoff\.rollback_tested: .* \| attested \| attested by "
                     r"release-manager@example.com on 2026-11-20 \|", text)
    assert "| [ ] | signoff.stakeholder_approval:" in text
    assert "upstream alpha { server 127.0.0.1:8081; }" in text  # the full snippet, in "How to fix"
    assert doc.run.release == "v1.4.2" and doc.run.release_source == "GOLIVE_RELEASE"
    assert "approved_by" not in (no_go_run / "signoff.json").read_text()  # approval is a separate record


def test_verdict_command_gates_ci(no_go_run: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verdict", str(no_go_run)]) == 1
    out = capsys.readouterr().out
    assert "VERDICT: NO-GO (profile evidence, staging, release v1.4.2)" in out
    assert "evidence.alpha (critical) failed on api" in out
    go = tmp_path / "go"
    go.mkdir()
    doc = json.loads((no_go_run / "signoff.json").read_text())
    (go / "signoff.json").write_text(json.dumps({**doc, "verdict": "GO", "reasons": []}))
    assert main(["verdict", str(go)]) == 0
    assert main(["verdict", str(tmp_path / "none")]) == 4


def test_ci_examples_use_existing_commands() -> None:
    """docs/ci: valid YAML, the post-deploy marker expression, and only golive commands that exist."""
    import yaml

    from golive.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        path = Path(__file__).resolve().parent.parent / "docs" / "ci" / name
        text = path.read_text()
        yaml.safe_load(text)
        assert '-m "smoke or security"' in text
        used = set(re.findall(r"bin/golive (\w[\w-]*) ", text))
        assert {"run", "report", "bundle", "verify-bundle", "verdict"} <= used, (name, used)
        assert "make .venv" not in text and "pytest checks" not in text  # a team's repo is not golive's checkout
        assert used <= commands, (name, used - commands)


ALLURE2_NPM_SPEC = "allure-commandline@2"
"""Allure 2 (the Java CLI) as packaged on the npm registry: its dist/bin/allure needs only Java."""


def _allure2_bin() -> Path | None:
    """Allure 2's launcher, installed once into the repository's git-ignored .golive cache."""
    import fcntl

    if shutil.which("java") is None or shutil.which("npm") is None:
        return None
    cache = Path(__file__).resolve().parent.parent / ".golive" / "allure2"
    launcher = cache / "node_modules" / "allure-commandline" / "dist" / "bin" / "allure"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not launcher.exists():
            subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--loglevel=error",
                           ALLURE2_NPM_SPEC], capture_output=True, text=True, timeout=300, check=False)
    return launcher if launcher.exists() else None


@pytest.mark.xdist_group("allure")
def test_report_falls_back_to_allure2_with_java(no_go_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Where Allure 3 cannot run (no node ≥ 20), the Allure 2 CLI with Java builds the report, with history."""
    launcher = _allure2_bin()
    if launcher is None:
        pytest.skip("Java and npm (for allure-commandline) are needed for the Allure 2 fallback")
    report_dir = tmp_path / "reports"
    shutil.copytree(no_go_run, report_dir)
    monkeypatch.setattr(report, "allure3_cli", lambda: None)
    monkeypatch.setenv("PATH", f"{launcher.parent}:{Path(shutil.which('java') or '').parent}:/usr/bin:/bin")
    assert report.allure2_cli() == str(launcher)
    assert main(["report", str(report_dir)]) == 0
    assert main(["report", str(report_dir)]) == 0  # the second report carries the first one's history
    assert "Allure report by Allure 2" in capsys.readouterr().out
    landing = (report_dir / "html" / "index.html").read_text()
    assert 'class="verdict NO-GO">Verdict: NO-GO' in landing
    allure_page = report_dir / "html" / "allure" / "index.html"
    assert allure_page.stat().st_size > 100_000  # --single-file: scripts and data inlined
    trend = json.loads((report_dir / "allure2-history" / "history-trend.json").read_text())
    assert len(trend) == 2
    assert trend[0]["data"]["failed"] >= 1
