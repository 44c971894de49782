"""The sign-off on real targets: golive's demo over real TLS, sound and with one flaw each.

- advisory, both ways: the sound demo's X-XSS-Protection passes; ``xss_protection_legacy`` is an
  advisory finding (pytest passes with a warning, the sign-off says advisory, never passed; GO);
- not_applicable, both ways: ``http.compression`` judges the sound demo's pages; pointed at a page
  too small to compress it is not applicable, with the reason (never passed);
- a real failure (``hsts_missing``) shows its catalog fix and nginx snippet in signoff.md and the
  HTML index;
- Allure: every ``tls.*`` result carries the TLS scan summary, the environment file holds the run's
  scope, categories are written, fixture set-up/tear-down noise is gone from the containers, and
  an advisory result carries its tag and finding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from golive import report
from golive.cli import main
from golive.signoff_model import read
from tests.harness import GoliveRun, manual_attestations, run_golive

pytestmark = pytest.mark.xdist_group("signoff_demo")  # its module fixtures start once, on one worker

FLAWED = {"legacy": "xss_protection_legacy", "nohsts": "hsts_missing"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, demo_target: Callable[..., Any]) -> GoliveRun:
    root = tmp_path_factory.mktemp("signoff-demo")
    targets = [demo_target().target_dict("web")]
    targets += [demo_target(flaw).target_dict(name) for name, flaw in FLAWED.items()]
    profile = {"name": "signoff-demo", "environment": "staging", "timeout": "5s", "targets": targets,
               "attestations": manual_attestations()}
    done = run_golive(profile, "-m", "headers or tls", "--release", "v1.4.2", tmp_path=root)
    assert (root / "reports" / "signoff.json").exists(), done.output[-3000:]
    return done


def _allure_results(run: GoliveRun) -> list[dict[str, Any]]:
    folder = run.report_dir / "allure-results"
    return [json.loads(p.read_text()) for p in folder.glob("*-result.json")]


def _label(result: dict[str, Any], name: str) -> list[str]:
    return [label["value"] for label in result.get("labels", []) if label["name"] == name]


def test_advisory_both_ways(run: GoliveRun) -> None:
    assert run.status("headers.xss_protection", "web") == "passed"
    assert run.status("headers.xss_protection", "legacy") == "advisory"
    message = run.message("headers.xss_protection", "legacy")
    assert message.startswith("legacy: X-XSS-Protection: 1; mode=block is deprecated"), message
    assert "GoliveAdvisory" in run.output  # pytest: a pass with the finding as a warning
    assert run.status("headers.xss_protection") == "advisory"  # the item: worst of its results
    doc = read(run.report_dir)
    assert not any("xss_protection" in r for r in doc.reasons)  # an advisory never blocks
    markdown = (run.report_dir / "signoff.md").read_text()
    section = markdown.split("## Advisories (findings that do not block)", 1)[1].split("\n## ", 1)[0]
    severity = doc.item("headers.xss_protection").severity
    assert f"- **headers.xss_protection** ({severity}) on **legacy**: legacy: X-XSS-Protection" in section
    assert "| headers.xss_protection | legacy | ADVISORY |" in markdown  # details: never "passed"
    results = [r for r in _allure_results(run) if "headers.xss_protection" in _label(r, "feature")]
    legacy = next(r for r in results if _label(r, "story") == ["legacy"])
    web = next(r for r in results if _label(r, "story") == ["web"])
    assert "golive:advisory" in _label(legacy, "tag") and "golive:advisory" not in _label(web, "tag")
    assert any(p["name"] == "advisory finding" for p in legacy.get("parameters", []))
    summary = next(line for line in run.output.splitlines() if "advisory findings (not blocking):" in line)
    assert "headers.xss_protection" in summary  # the terminal summary names it


def test_verdict_command_lists_advisories(run: GoliveRun, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verdict", str(run.report_dir)]) == 1  # NO-GO: the hsts flaw
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "advisory finding(s), not blocking:" in line)
    assert "headers.xss_protection" in line
    assert "VERDICT: NO-GO (profile signoff-demo, staging, release v1.4.2)" in out


def test_failing_real_check_shows_its_fix(run: GoliveRun) -> None:
    assert run.status("headers.hsts", "nohsts") == "failed"
    assert run.status("headers.hsts", "web") == "passed"
    doc = read(run.report_dir)
    assert doc.verdict == "NO-GO" and doc.reasons == ["headers.hsts (critical) failed on nohsts"]
    markdown = (run.report_dir / "signoff.md").read_text()
    first_screen = "\n".join(markdown.splitlines()[:20])
    assert "## Blocking failures (1)" in first_screen
    assert "**headers.hsts** (critical) on **nohsts**: nohsts: Strict-Transport-Security" in first_screen
    assert "  - Fix: Send Strict-Transport-Security on every HTTPS response" in first_screen
    assert 'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;' in markdown
    page = report.render_landing(doc, "Allure 3")
    assert "Send Strict-Transport-Security on every HTTPS response" in page
    assert "add_header Strict-Transport-Security" in page


def test_every_tls_result_carries_the_scan_summary(run: GoliveRun) -> None:
    tls = [r for r in _allure_results(run) if _label(r, "epic") == ["tls"]]
    assert len(tls) >= 3 * 12, len(tls)
    for result in tls:
        names = [a["name"] for a in result.get("attachments", [])]
        assert "TLS scan summary" in names, (result["name"], names)


def test_environment_file_holds_the_scope_and_categories_are_written(run: GoliveRun) -> None:
    folder = run.report_dir / "allure-results"
    props = dict(line.split("=", 1) for line in (folder / "environment.properties").read_text().splitlines())
    assert props["release"] == "v1.4.2" and props["verdict"] == "NO-GO"
    assert props["selection.markers"] == "headers or tls"
    assert props["subject.target.web"].startswith("https\\://demo.golive.test")
    assert "version.sslyze" in props and "command" in props
    names = [c["name"] for c in json.loads((folder / "categories.json").read_text())]
    assert names == ["Target unreachable", "Product defect", "golive error", "Waived", "Not applicable", "Skipped"]


def test_no_fixture_noise_on_check_pages(run: GoliveRun) -> None:
    """What remains in the containers is a fixture that failed or attached evidence, nothing else."""
    folder = run.report_dir / "allure-results"
    for path in folder.glob("*-container.json"):
        container = json.loads(path.read_text())
        for entry in container.get("befores", []) + container.get("afters", []):
            assert entry.get("status") not in (None, "passed") or entry.get("attachments") or entry.get("steps"), \
                (path.name, entry)


def test_not_applicable_both_ways(tmp_path: Path, demo_target: Callable[..., Any]) -> None:
    """http.compression: judged on the sound demo's pages; on a page too small to compress, it cannot
    apply, and says why: not_applicable, never passed."""
    demo = demo_target()
    base = {"environment": "staging", "timeout": "5s", "targets": [demo.target_dict("web")],
            "attestations": manual_attestations()}
    judged = run_golive({"name": "judged", **base}, "-k", "compression", tmp_path=tmp_path / "judged")
    assert judged.status("http.compression", "web") == "passed", judged.output[-2000:]
    small = {"name": "small", **base, "checks": {"http": {"pages": ["/api/health"], "discover_assets": False}}}
    tiny = run_golive(small, "-k", "compression", tmp_path=tmp_path / "small")
    assert tiny.status("http.compression", "web") == "not_applicable", tiny.output[-2000:]
    message = tiny.message("http.compression", "web")
    assert "no 2xx text answer of 1024 bytes or more to judge" in message
    assert tiny.signoff["verdict"] == "GO" and tiny.signoff["counts"]["passed"] == 0
    markdown = (tiny.report_dir / "signoff.md").read_text()
    folded = next(line for line in markdown.splitlines() if line.startswith("Not applicable ("))
    assert "web: no 2xx text answer of 1024 bytes or more to judge" in folded and "http.compression" in folded
    assert "| http.compression | web | not applicable |" in markdown
    skipped = [json.loads(p.read_text()) for p in (tiny.report_dir / "allure-results").glob("*-result.json")]
    assert [r["status"] for r in skipped] == ["skipped"]
    assert "not applicable" in skipped[0]["statusDetails"]["message"]  # Allure's "Not applicable" category


def test_every_result_says_what_was_observed(run: GoliveRun) -> None:
    """Passes included: a result without a message would be a "passed" nobody can check."""
    silent = [(i["id"], r["subject"], r["status"]) for i in run.signoff["items"] for r in i["results"]
              if not r.get("message")]
    assert silent == []
    assert run.message("headers.hsts", "web").startswith("web: Strict-Transport-Security max-age=63072000")


def test_ocsp_without_responder_reads_not_applicable(run: GoliveRun) -> None:
    """The demo's certificate names no OCSP responder: nothing to staple, so not applicable with the
    reason, never "passed" (issue 14: OCSP "not supported" used to read passed)."""
    assert run.status("tls.ocsp_stapling", "web") == "not_applicable"
    assert "names no OCSP responder" in run.message("tls.ocsp_stapling", "web")
    markdown = (run.report_dir / "signoff.md").read_text()
    folded = next(line for line in markdown.splitlines() if line.startswith("Not applicable ("))
    assert "tls.ocsp_stapling" in folded and "names no OCSP responder" in folded
