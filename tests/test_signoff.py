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
    assert doc["verdict"] == "NO-GO"
    assert doc["reasons"][0].startswith("headers.hsts (critical) failed on web")
    rec2 = recorder()
    rec2.record("n1", payload("headers.referrer_policy", "web", "failed", "web: unsafe-url"))
    assert build(rec2)["verdict"] in ("GO", "NO-GO")
    assert not any("referrer_policy" in r for r in build(rec2)["reasons"])


def test_setup_error_and_teardown_error_merge_into_error() -> None:
    rec = recorder()
    rec.record("n1", payload("headers.hsts", "web", "passed"))
    rec.record("n1", payload("headers.hsts", "web", "error", "boom", when="teardown"))
    doc = build(rec)
    item = next(i for i in doc["items"] if i["id"] == "headers.hsts")
    assert item["status"] == "error" and item["results"][0]["message"] == "boom"


def test_every_catalog_item_is_listed_and_unrun_items_say_so() -> None:
    from golive.catalog import load_catalog

    doc = build(recorder())
    assert [i["id"] for i in doc["items"]] == list(load_catalog())
    statuses = {i["status"] for i in doc["items"]}
    assert statuses <= {"not_run", "planned", "manual_pending"}


def test_expiring_soon_lists_waivers_and_evidence_dates() -> None:
    soon = (date.today() + timedelta(days=5)).isoformat()
    later = (date.today() + timedelta(days=300)).isoformat()
    rec = recorder(waivers=[{"check": "headers.csp", "reason": "ticket 1", "expires": soon},
                            {"check": "headers.cors", "reason": "ticket 2", "expires": later}])
    evidence = '{"metrics": {}, "expiries": [{"what": "certificate of web", "when": "%s", "detail": ""}], "notes": []}'
    rec.record("n1", payload("headers.hsts", "web", "passed", evidence=evidence % soon))
    doc = build(rec)
    whats = [e["what"] for e in doc["expiring_soon"]]
    assert "waiver for headers.csp" in whats and "certificate of web" in whats
    assert "waiver for headers.cors" not in whats
    text = render(doc)
    assert "## Expiring soon" in text and "certificate of web" in text


def test_attested_manual_item_and_markdown_sections() -> None:
    from golive.catalog import load_catalog

    manual = next(i for i in load_catalog().values() if i.mode == "manual")
    rec = recorder(attestations=[{"check": manual.id, "by": "jane@example.com", "at": "2026-11-20"}])
    doc = build(rec)
    item = next(i for i in doc["items"] if i["id"] == manual.id)
    assert item["status"] == "attested" and item["attestation"]["by"] == "jane@example.com"
    assert "## Attestations" in render(doc)


def test_result_notes_reach_signoff_md() -> None:
    rec = recorder()
    evidence = '{"metrics": {}, "expiries": [], "notes": ["results unreliable: generator CPU at 97 %"]}'
    rec.record("n1", payload("load.thresholds", "web", "passed", evidence=evidence))
    text = render(build(rec))
    assert "## Notes" in text
    assert "| load.thresholds | web | results unreliable: generator CPU at 97 % |" in text
