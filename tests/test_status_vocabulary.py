"""The status vocabulary end to end: a check's verdict kind reaches the sign-off as its status.

advisory = pytest passes with a recorded warning, the sign-off shows the finding; not_applicable =
pytest skips with the reason, the sign-off says not_applicable (never passed); a pass carries the
observed value as its message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.status import Status, blocks, worst
from golive.verdict import advisory, combine, fail, not_applicable, ok
from tests.harness import manual_attestations, run_golive

CATALOG = """\
- {id: vocab.sound, title: Sound, severity: critical, markers: [smoke], mode: automated}
- {id: vocab.finding, title: Finding, severity: high, markers: [smoke], mode: automated}
- {id: vocab.absent, title: Absent, severity: critical, markers: [smoke], mode: automated}
"""

CHECKS = '''\
from golive.registry import check
from golive.verdict import advisory, not_applicable, ok


@check("vocab.sound")
def test_sound(target, evidence):
    evidence.judge(ok("sound", f"{target.name}: HSTS max-age=63072000; includeSubDomains"))


@check("vocab.finding")
def test_finding(target, evidence):
    evidence.judge(advisory("finding", f"{target.name}: Permissions-Policy missing"))


@check("vocab.absent")
def test_absent(target, evidence):
    evidence.judge(not_applicable("absent", f"{target.name}: nothing listens on plain HTTP"))
'''


def test_verdict_kinds_reach_the_signoff(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_vocab.py").write_text(CHECKS)
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    prof = {"name": "vocab", "targets": [{"name": "web", "url": "https://web.invalid.test"}],
            "attestations": manual_attestations()}
    run = run_golive(prof, "-rA", tmp_path=tmp_path, checks=checks,
                     env={"GOLIVE_CATALOG_EXTRA": str(tmp_path / "catalog.yaml")})
    assert run.status("vocab.sound", "web") == "passed"
    assert run.message("vocab.sound", "web") == "web: HSTS max-age=63072000; includeSubDomains"
    assert run.status("vocab.finding", "web") == "advisory"
    assert run.message("vocab.finding", "web") == "web: Permissions-Policy missing"
    assert run.status("vocab.absent", "web") == "not_applicable"
    assert "nothing listens on plain HTTP" in run.message("vocab.absent", "web")
    assert run.signoff["counts"]["advisory"] == 1
    assert run.signoff["verdict"] == "GO", run.signoff["reasons"]  # an advisory finding never blocks
    assert "GoliveAdvisory" in run.output  # pytest shows the finding as a warning
    assert "not applicable: web: nothing listens" in run.output


def test_worst_and_blocking_rules() -> None:
    assert worst(["passed", "advisory", "waived"]) is Status.ADVISORY
    assert worst(["passed", "not_applicable"]) is Status.PASSED
    assert worst(["error", "failed"]) is Status.FAILED
    assert blocks("high", Status.FAILED) and not blocks("medium", Status.FAILED)
    assert blocks("critical", Status.MANUAL_PENDING) and not blocks("high", Status.MANUAL_PENDING)
    assert not blocks("critical", Status.ADVISORY) and not blocks("critical", Status.NOT_APPLICABLE)


@pytest.mark.parametrize(("parts", "kind"), [
    ([ok("a", "fine"), advisory("b", "weak")], "advisory"),
    ([advisory("b", "weak"), fail("c", "broken")], "fail"),
    ([ok("a", "fine")], "pass"),
])
def test_combine_keeps_the_worst_kind(parts: list, kind: str) -> None:
    assert combine("all", parts, "all fine").kind == kind


def test_not_applicable_is_not_a_pass_status() -> None:
    verdict = not_applicable("x", "no responder named")
    assert verdict.status is Status.NOT_APPLICABLE and verdict.about("web").kind == "not_applicable"
