"""Manual items: attested, attested not applicable (with who and why), bound to a release, expiring.

The rules are unit-tested on the sign-off builder; one real run proves --release reaches the
sign-off and that a critical manual item attested not applicable no longer forces NO-GO, while
attestations for another release are ignored, each with its reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from golive.catalog import load_catalog
from golive.cli import main
from golive.outcomes import Recorder
from golive.profile import Profile, ProfileError
from golive.profile_load import load_profile
from golive.signoff import build
from golive.signoff_model import RunScope
from golive.status import Status
from tests.harness import write_profile
from tests.signoff_runs import evidence_profile, evidence_run

CRITICAL_MANUAL = sorted(i.id for i in load_catalog().values() if i.mode == "manual" and i.severity == "critical")
ROLLBACK = "signoff.rollback_tested"


def _build(attestations: list[dict], release: str | None = None, today: date | None = None):
    recorder = Recorder(Profile.model_validate({"name": "p", "attestations": attestations}),
                        scope=RunScope(release=release))
    return build(recorder, today=today)


def _att(check: str = ROLLBACK, **extra: object) -> dict:
    return {"check": check, "by": "jane@example.com", "at": "2026-11-20", **extra}


def test_attestation_for_this_release_counts_and_another_release_does_not() -> None:
    doc = _build([_att(release="v1.4.2")], release="v1.4.2")
    assert doc.item(ROLLBACK).status is Status.ATTESTED and doc.item(ROLLBACK).attestation.release == "v1.4.2"
    assert doc.ignored_attestations == []

    doc = _build([_att(release="v1.4.1")], release="v1.4.2")
    assert doc.item(ROLLBACK).status is Status.MANUAL_PENDING
    (ignored,) = doc.ignored_attestations
    assert ignored.check == ROLLBACK and ignored.why == "for release v1.4.1; this run verifies release v1.4.2"
    assert f"{ROLLBACK} (critical, manual) not attested" in doc.reasons

    doc = _build([_att(release="v1.4.1")], release=None)
    assert doc.item(ROLLBACK).status is Status.MANUAL_PENDING
    assert "this run names no release" in doc.ignored_attestations[0].why


def test_unbound_attestation_counts_for_any_release() -> None:
    doc = _build([_att()], release="v9")
    assert doc.item(ROLLBACK).status is Status.ATTESTED and doc.item(ROLLBACK).attestation.release is None


def test_expired_attestation_is_ignored_with_its_date() -> None:
    today = date(2026, 12, 1)
    doc = _build([_att(expires=str(today - timedelta(days=1)))], today=today)
    assert doc.item(ROLLBACK).status is Status.MANUAL_PENDING
    assert doc.ignored_attestations[0].why == "expired on 2026-11-30"
    later = _build([_att(expires=str(today - timedelta(days=1))), _att(at="2026-11-25")], today=today)
    assert later.item(ROLLBACK).status is Status.ATTESTED  # a newer attestation still counts


def test_not_applicable_attestation_does_not_block_and_says_who_and_why() -> None:
    everything = [_att(i) for i in CRITICAL_MANUAL if i != ROLLBACK]
    pending = _build(everything)
    assert f"{ROLLBACK} (critical, manual) not attested" in pending.reasons
    doc = _build([*everything, _att(status="not_applicable", reason="stateless service: nothing to roll back")])
    item = doc.item(ROLLBACK)
    assert item.status is Status.NOT_APPLICABLE
    assert item.note == "stateless service: nothing to roll back (decided by jane@example.com on 2026-11-20)"
    assert not any(ROLLBACK in r for r in doc.reasons)
    assert item.attestation.status is Status.NOT_APPLICABLE


def _profile_error(tmp_path: Path, profile: dict) -> ProfileError:
    with pytest.raises(ProfileError) as caught:
        load_profile(write_profile(profile, tmp_path))
    return caught.value


def test_not_applicable_without_reason_is_a_profile_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = _profile_error(tmp_path, {"name": "p", "attestations": [_att(status="not_applicable")]})
    assert error.key == "attestations[0].reason" and "needs a reason" in error.problem
    error = _profile_error(tmp_path, {"name": "p", "attestations": [_att(status="done")]})
    assert error.key == "attestations[0].status"
    error = _profile_error(tmp_path, {"name": "p", "attestations": [_att(release=" ")]})
    assert error.key == "attestations[0].release"


def test_waiver_on_a_manual_item_is_refused_with_the_alternative(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    profile = {"name": "p", "waivers": [{"check": ROLLBACK, "reason": "no time", "expires": "2099-01-01"}]}
    error = _profile_error(tmp_path, profile)
    assert error.key == "waivers[0].check"
    assert f"{ROLLBACK} is a manual item" in error.problem
    assert "status: not_applicable, reason: WHY" in error.problem and "attestations" in error.problem
    assert main(["profile", "validate", str(tmp_path / "p.yaml")]) == 4
    assert "waivers[0].check" in capsys.readouterr().err


def test_release_binding_in_a_real_run(tmp_path: Path) -> None:
    """--release reaches the sign-off; another release's attestation is ignored; N/A does not block."""
    others = [_att(i) for i in CRITICAL_MANUAL if i not in (ROLLBACK, "signoff.team_notified")]
    profile = evidence_profile(attestations=[
        *others,
        _att("signoff.team_notified", release="v1.4.1"),   # last release's: must not count
        _att(ROLLBACK, status="not_applicable", reason="stateless service: nothing to roll back"),
    ])
    run = evidence_run(tmp_path, profile, args=("--release", "v1.4.2"))
    doc = run.signoff
    assert doc["run"]["release"] == "v1.4.2" and doc["run"]["release_source"] == "--release"
    assert "--release" in doc["run"]["command_line"]
    assert run.item(ROLLBACK)["status"] == "not_applicable"
    assert run.item("signoff.team_notified")["status"] == "manual_pending"
    assert doc["reasons"] == ["signoff.team_notified (critical, manual) not attested"]
    (ignored,) = doc["ignored_attestations"]
    assert ignored["why"] == "for release v1.4.1; this run verifies release v1.4.2"
    markdown = (run.report_dir / "signoff.md").read_text()
    assert "for release v1.4.1; this run verifies release v1.4.2" in markdown
    assert "stateless service: nothing to roll back (decided by jane@example.com on 2026-11-20)" in markdown
