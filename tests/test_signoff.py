"""Sign-off rules without running pytest: item status, verdict, waivers, expiring soon."""

from __future__ import annotations

from datetime import date, timedelta

from golive.outcomes import Recorder
from golive.profile import Profile
from golive.signoff import build, item_status
from golive.signoff_md import render


def recorder(**profile: object) -> Recorder:
    return Recorder(Profile.model_validate({"name": "p", **profile}))


def payload(check_id: str, subject: str, status: str, message: str = "", when: str = "call", **extra: object) -> dict:
    return {"id": check_id, "subject": subject, "status": status, "when": when, "message": message,
            "unreachable": False, "evidence": extra.get("evidence")}


def test_item_status_is_the_worst_result() -> None:
    from golive.outcomes import Result

    results = [Result("a.b", "x", "n1", "passed"), Result("a.b", "y", "n2", "error"),
               Result("a.b", "z", "n3", "waived")]
    assert item_status(results) == "error"
    results.append(Result("a.b", "w", "n4", "failed"))
    assert item_status(results) == "failed"
    assert item_status([Result("a.b", "x", "n", "passed"), Result("a.b", "y", "m", "skipped")]) == "passed"


def test_high_failure_is_no_go_and_low_is_not() -> None:
    rec = recorder()
    rec.record("n1", payload("headers.hsts", "web", "failed", "web: HSTS missing"))
    doc = build(rec)
    assert doc.verdict == "NO-GO"
    assert doc.reasons[0].startswith("headers.hsts (critical) failed on web")
    rec2 = recorder()
    rec2.record("n1", payload("headers.referrer_policy", "web", "failed", "web: unsafe-url"))
    assert build(rec2).verdict in ("GO", "NO-GO")
    assert not any("referrer_policy" in r for r in build(rec2).reasons)


def test_setup_error_and_teardown_error_merge_into_error() -> None:
    rec = recorder()
    rec.record("n1", payload("headers.hsts", "web", "passed"))
    rec.record("n1", payload("headers.hsts", "web", "error", "boom", when="teardown"))
    doc = build(rec)
    item = doc.item("headers.hsts")
    assert item is not None and item.status == "error" and item.results[0].message == "boom"


def test_every_catalog_item_is_listed_and_unrun_items_say_so() -> None:
    from golive.catalog import load_catalog

    doc = build(recorder())
    assert [i.id for i in doc.items] == list(load_catalog())
    statuses = {i.status for i in doc.items}
    assert statuses <= {"not_run", "planned", "manual_pending"}


def test_expiring_soon_lists_waivers_and_evidence_dates() -> None:
    soon = (date.today() + timedelta(days=5)).isoformat()
    later = (date.today() + timedelta(days=300)).isoformat()
    rec = recorder(waivers=[{"check": "headers.csp", "reason": "ticket 1", "expires": soon},
                            {"check": "headers.cors", "reason": "ticket 2", "expires": later}])
    evidence = '{"metrics": {}, "expiries": [{"what": "certificate of web", "when": "%s", "detail": ""}], "notes": []}'
    rec.record("n1", payload("headers.hsts", "web", "passed", evidence=evidence % soon))
    doc = build(rec)
    whats = [e.what for e in doc.expiring_soon]
    assert "waiver for headers.csp" in whats and "certificate of web" in whats
    assert "waiver for headers.cors" not in whats
    text = render(doc)
    assert "## Expiring soon" in text and "certificate of web" in text


def test_attested_manual_item_and_markdown_sections() -> None:
    from golive.catalog import load_catalog

    manual = next(i for i in load_catalog().values() if i.mode == "manual")
    rec = recorder(attestations=[{"check": manual.id, "by": "jane@example.com", "at": "2026-11-20"}])
    doc = build(rec)
    item = doc.item(manual.id)
    assert item is not None and item.status == "attested" and item.attestation.by == "jane@example.com"
    assert f"| [x] | {manual.id}: {manual.title} | {manual.severity} | attested | attested by jane@example.com" \
        in render(doc)


def test_result_notes_reach_signoff_md() -> None:
    rec = recorder()
    evidence = '{"metrics": {}, "expiries": [], "notes": ["results unreliable: generator CPU at 97 %"]}'
    rec.record("n1", payload("load.thresholds", "web", "passed", evidence=evidence))
    text = render(build(rec))
    assert "## Notes" in text
    assert "- load.thresholds on web: results unreliable: generator CPU at 97 %" in text


def test_document_round_trips_through_read_and_write(tmp_path) -> None:
    """One write, one read: the typed document survives the file, statuses stay ``Status``."""
    from golive.signoff import write_document as write
    from golive.signoff_model import Decision, SignOff, read
    from golive.status import Status

    rec = recorder()
    rec.record("n1", payload("headers.hsts", "web", "failed", "web: HSTS missing"))
    rec.record("n2", payload("headers.csp", "web", "advisory", "web: CSP allows data:"))
    doc = build(rec)
    write(doc, tmp_path)
    back = read(tmp_path)
    assert isinstance(back, SignOff) and back.verdict is Decision.NO_GO
    assert back.model_dump(mode="json") == doc.model_dump(mode="json")
    assert back.item("headers.csp").status is Status.ADVISORY
    assert back.item("headers.hsts").remediation is None or back.item("headers.hsts").remediation.fix
    raw = (tmp_path / "signoff.json").read_text()
    for key in ('"profile"', '"environment"', '"started_at"', '"finished_at"', '"verdict"', '"counts"',
                '"items"', '"results"', '"subject"', '"message"', '"nodeid"'):  # DESIGN.md's contract
        assert key in raw
    assert (tmp_path / "signoff.md").read_text() == render(back)


def test_unknown_fields_survive_a_rewrite(tmp_path) -> None:
    """A field a newer golive (or another part of this one) adds is kept by read → write."""
    import json

    from golive.signoff import write_document as write
    from golive.signoff_model import read

    doc = build(recorder())
    data = doc.model_dump(mode="json")
    data["run"]["interrupted"] = {"signal": "SIGINT"}
    data["items"][0]["future_field"] = 1
    (tmp_path / "signoff.json").write_text(json.dumps(data))
    back = read(tmp_path)
    write(back, tmp_path / "again")
    again = json.loads((tmp_path / "again" / "signoff.json").read_text())
    assert again["run"]["interrupted"] == {"signal": "SIGINT"} and again["items"][0]["future_field"] == 1


def test_read_refuses_what_is_not_a_signoff(tmp_path) -> None:
    import pytest

    from golive.signoff_model import SignOffError, read

    with pytest.raises(SignOffError, match="does not exist"):
        read(tmp_path)
    (tmp_path / "signoff.json").write_text("{not json")
    with pytest.raises(SignOffError, match="not JSON"):
        read(tmp_path)
    (tmp_path / "signoff.json").write_text(
        '{"items": [], "verdict": "MAYBE", "profile": "p", "environment": "e",'
        ' "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:00Z"}')
    with pytest.raises(SignOffError, match="verdict"):
        read(tmp_path / "signoff.json")


def test_a_fix_is_shown_for_target_findings_only() -> None:
    """A failure about the target shows the catalog's fix; a check that errored (golive could not
    observe) or could not reach its target does not: a product fix would mislead."""
    rec = recorder()
    rec.record("n1", payload("headers.hsts", "web", "failed", "web: Strict-Transport-Security missing"))
    rec.record("n2", payload("headers.hsts", "api", "error", "ModuleNotFoundError: No module named 'x'"))
    rec.record("n3", payload("headers.csp", "web", "advisory", "web: CSP allows data: images"))
    text = render(build(rec))
    lines = text.splitlines()
    web = lines.index("- **headers.hsts** (critical) on **web**: web: Strict-Transport-Security missing")
    assert lines[web + 1].startswith("  - Fix: Send Strict-Transport-Security on every HTTPS response")
    api = lines.index("- **headers.hsts** (critical) on **api** [golive error]: ModuleNotFoundError: No module "
                      "named 'x'")
    assert not lines[api + 1].startswith("  - Fix:")
    assert "  - Fix: Send a Content-Security-Policy" in text  # advisories carry their fix too


def test_error_only_item_has_no_fix_section() -> None:
    rec = recorder()
    rec.record("n2", payload("headers.hsts", "api", "error", "ModuleNotFoundError: No module named 'x'"))
    text = render(build(rec))
    assert "## Blocking failures (1)" in text and "## How to fix" not in text and "  - Fix:" not in text


def test_golive_run_exit_code_reads_the_typed_signoff(tmp_path) -> None:
    """``golive run``'s exit code comes from the sign-off this run wrote (read through the model)."""
    import time

    from golive.gate import EXIT_GO, EXIT_NO_GO, verdict_exit_code
    from golive.signoff import write_document as write
    from golive.signoff_model import Decision

    started = time.time() - 1
    doc = build(recorder())
    write(doc, tmp_path)
    assert verdict_exit_code(0, tmp_path, started) == EXIT_NO_GO  # nothing ran: NO-GO
    doc.verdict, doc.reasons = Decision.GO, []
    write(doc, tmp_path)
    assert verdict_exit_code(0, tmp_path, started) == EXIT_GO
    assert verdict_exit_code(0, tmp_path, time.time() + 60) == EXIT_NO_GO  # an older sign-off never counts
    (tmp_path / "signoff.json").write_text("{broken")
    assert verdict_exit_code(0, tmp_path, started) == EXIT_NO_GO
