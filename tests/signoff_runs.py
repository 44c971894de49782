"""Real golive runs for the evidence tests (report, browser, bundle, diff), without any domain.

A checks dir of its own with a catalog extension (the technique of tests/test_plugin.py): one
critical check that can be made to fail, one low one, and one that attaches a "response" holding
a secret from the profile, so that the evidence tests work on what golive really writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.harness import GoliveRun, run_golive

CATALOG = """\
- id: evidence.alpha
  title: Alpha answers
  severity: critical
  markers: [smoke]
  mode: automated
  remediation:
    fix: Restart the alpha service and check its upstream before the release goes out.
    references: [https://example.com/runbooks/alpha]
    snippets: {nginx: "upstream alpha { server 127.0.0.1:8081; }"}
- {id: evidence.beta, title: Beta header set, severity: low, markers: [security], mode: automated}
- {id: evidence.leaky, title: Response recorded, severity: high, markers: [security], mode: automated}
"""

CHECKS = '''\
import os
from golive.registry import check


@check("evidence.alpha")
def test_alpha(target, evidence):
    evidence.metric("latency_ms", 12)
    assert target.name not in os.environ.get("EVIDENCE_FAIL_ALPHA", "").split(","), (
        f"{target.name}: alpha answered 503 (observed: 503; expected: 200)")


@check("evidence.beta")
def test_beta(target):
    assert os.environ.get("EVIDENCE_FAIL_BETA") != "1", (
        f"{target.name}: Strict-Transport-Security missing (observed: none; expected: max-age>=31536000)")


@check("evidence.leaky")
def test_leaky(target, evidence):
    secret = os.environ.get("EVIDENCE_SECRET", "")
    if secret:
        evidence.text("response body", f'{{"session": "{secret}", "user": "app"}}')
        evidence.headers("response headers", [("Set-Cookie", f"sid={secret}"), ("X-Debug", secret)],
                         "HTTP/1.1 200 OK")
        evidence.note(f"saw token {secret}")
    assert os.environ.get("EVIDENCE_FAIL_LEAKY") != "1", f"{target.name}: response leaked {secret}"
'''


def golive_manual_attestations() -> list[dict[str, str]]:
    """Attest golive's own critical manual items, so that only this run's checks decide the verdict."""
    from golive.catalog import load_catalog

    return [{"check": i.id, "by": "release-manager@example.com", "at": "2026-11-20"}
            for i in load_catalog().values() if i.mode == "manual" and i.severity == "critical"]


def evidence_profile(**extra: Any) -> dict[str, Any]:
    return {"name": "evidence", "environment": "staging", "timeout": "1s",
            "targets": [{"name": "web", "url": "https://web.invalid.test"},
                        {"name": "api", "url": "https://api.invalid.test"}],
            "attestations": golive_manual_attestations(), **extra}


def evidence_run(tmp_path: Path, profile: dict[str, Any] | None = None, env: dict[str, str] | None = None,
                 report_dir: Path | None = None, args: tuple[str, ...] = ()) -> GoliveRun:
    """One real golive run (a pytest subprocess) of the evidence checks."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    checks = tmp_path / "checks"
    if not checks.exists():
        checks.mkdir()
        (checks / "test_evidence.py").write_text(CHECKS)
        (tmp_path / "catalog.yaml").write_text(CATALOG)
    full_env = {"GOLIVE_CATALOG_EXTRA": str(tmp_path / "catalog.yaml"), **(env or {})}
    return run_golive(profile or evidence_profile(), *args, tmp_path=tmp_path, checks=checks, env=full_env,
                      report_dir=report_dir)


def have_node20() -> bool:
    from golive.report import NODE_MIN_MAJOR, node_major

    major = node_major()
    return major is not None and major >= NODE_MIN_MAJOR and shutil.which("npm") is not None
