"""Outcomes → checklist items → verdict → ``signoff.json`` / ``signoff.md`` / terminal summary.

Every catalog item appears in the sign-off: automated items with their results per subject,
manual items as attested or pending, planned items as planned. The verdict is NO-GO when a
critical or high item failed or errored, or a critical manual item is unattested.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive.catalog import CatalogItem, load_catalog
from golive.outcomes import Recorder, Result
from golive.profile import Profile
from golive.status import Status, blocks, worst

SIGNOFF = pytest.StashKey[dict[str, Any]]()
EXPIRING_WINDOW = timedelta(days=30)
STATUS_ORDER = (Status.FAILED, Status.ERROR, Status.MANUAL_PENDING, Status.ADVISORY, Status.WAIVED,
                Status.PASSED, Status.ATTESTED, Status.SKIPPED, Status.NOT_APPLICABLE, Status.NOT_RUN,
                Status.PLANNED)


def item_status(results: list[Result]) -> Status:
    """Worst of the results (``golive.status.worst``)."""
    return worst([r.status for r in results])


def _attestation_for(profile: Profile, check_id: str, today: date) -> dict[str, Any] | None:
    for att in profile.attestations:
        if att.check.split("[", 1)[0] == check_id and (att.expires is None or att.expires >= today):
            return {"by": att.by, "at": att.at.isoformat(), "note": att.note,
                    "expires": att.expires.isoformat() if att.expires else None}
    return None


def build(recorder: Recorder, finished_at: datetime | None = None, today: date | None = None) -> dict[str, Any]:
    """The sign-off document (DESIGN.md "Outputs"), from the recorded outcomes."""
    profile = recorder.profile
    today = today or date.today()
    catalog = load_catalog()
    grouped = recorder.by_check()
    items: list[dict[str, Any]] = []
    for check_id, entry in catalog.items():
        items.append(_item(entry, grouped.get(check_id, []), recorder, profile, today))
    for check_id, results in grouped.items():  # results of ids missing from the catalog: still shown
        if check_id not in catalog:
            items.append({"id": check_id, "title": check_id, "category": check_id.split(".")[0],
                          "severity": "high", "mode": "automated", "status": item_status(results),
                          "results": [_result(r) for r in results]})
    counts = {str(k): 0 for k in (Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED, Status.WAIVED,
                                  Status.MANUAL_PENDING, Status.ATTESTED, Status.ADVISORY, Status.NOT_APPLICABLE,
                                  Status.NOT_RUN, Status.PLANNED)}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    reasons = _no_go_reasons(items)
    if not grouped:
        reasons.append("no check ran (nothing selected, or every subject was filtered out)")
    return {
        "profile": profile.name,
        "environment": profile.environment,
        "started_at": _iso(recorder.started_at),
        "finished_at": _iso(finished_at or datetime.now(UTC)),
        "verdict": "NO-GO" if reasons else "GO",
        "reasons": reasons,
        "counts": counts,
        "items": items,
        "waivers": _waivers(profile, grouped, today),
        "attestations": [{"check": a.check, "by": a.by, "at": a.at.isoformat(), "note": a.note,
                          "expires": a.expires.isoformat() if a.expires else None}
                         for a in profile.attestations],
        "expiring_soon": _expiring(profile, grouped, today),
        "approval": approval(),
    }


APPROVAL_ENV = {"approved_by": "GOLIVE_APPROVED_BY", "date": "GOLIVE_APPROVED_AT",
                "version": "GOLIVE_RELEASE_VERSION"}


def approval(env: dict[str, str] | None = None, approved_by: str | None = None,
             version: str | None = None) -> dict[str, str | None]:
    """Who approves which release, and when: from the command line, GOLIVE_* variables or the CI.

    Blank (None) fields are left for a person to fill in by hand in signoff.md.
    """
    env = dict(os.environ) if env is None else env
    by = approved_by or env.get(APPROVAL_ENV["approved_by"]) or None
    release = (version or env.get(APPROVAL_ENV["version"]) or env.get("GITHUB_SHA")
               or env.get("CI_COMMIT_SHA") or None)
    when = env.get(APPROVAL_ENV["date"]) or (date.today().isoformat() if by else None)
    return {"approved_by": by, "date": when, "version": release}


def _item(entry: CatalogItem, results: list[Result], recorder: Recorder, profile: Profile,
          today: date) -> dict[str, Any]:
    data: dict[str, Any] = {"id": entry.id, "title": entry.title, "category": entry.category,
                            "severity": entry.severity, "mode": entry.mode}
    if entry.mode == "manual":
        attestation = _attestation_for(profile, entry.id, today)
        data["status"] = Status.ATTESTED if attestation else Status.MANUAL_PENDING
        if attestation:
            data["attestation"] = attestation
        data["results"] = []
        return data
    if results:
        data["status"] = item_status(results)
        data["results"] = [_result(r) for r in sorted(results, key=lambda r: (r.subject, r.nodeid))]
        return data
    if entry.mode == "planned":
        data["status"] = Status.PLANNED
    elif entry.id in recorder.not_applicable:
        data["status"] = Status.NOT_APPLICABLE
        data["note"] = "no subject of this kind in the profile"
    else:
        data["status"] = Status.NOT_RUN
    data["results"] = []
    return data


def _result(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = {"subject": result.subject, "status": result.status, "message": result.message,
                            "nodeid": result.nodeid}
    if result.unreachable and result.status in (Status.FAILED, Status.ERROR):
        data["category"] = "target unreachable"
    elif result.status is Status.FAILED:
        data["category"] = "product defect"
    if result.metrics:
        data["metrics"] = result.metrics
    if result.notes:
        data["notes"] = result.notes
    return data


def _no_go_reasons(items: list[dict[str, Any]]) -> list[str]:
    """One sentence per blocking item (``golive.status.blocks`` decides which block)."""
    reasons: list[str] = []
    for item in items:
        if not blocks(item["severity"], item["status"]):
            continue
        if item["status"] == Status.MANUAL_PENDING:
            reasons.append(f"{item['id']} ({item['severity']}, manual) not attested")
            continue
        bad = [r for r in item["results"] if r["status"] in (Status.FAILED, Status.ERROR)]
        subjects = ", ".join(sorted({r["subject"] for r in bad})) or "-"
        reasons.append(f"{item['id']} ({item['severity']}) {item['status']} on {subjects}")
    return reasons


def _waivers(profile: Profile, grouped: dict[str, list[Result]], today: date) -> list[dict[str, Any]]:
    out = []
    for waiver in profile.waivers:
        used = any(r.status is Status.WAIVED and waiver.covers(r.check_id, r.subject)
                   for r in grouped.get(waiver.check_id, []))
        out.append({"check": waiver.check, "reason": waiver.reason, "expires": waiver.expires.isoformat(),
                    "status": "expired" if waiver.expired(today) else "active", "used": used})
    return out


def _expiring(profile: Profile, grouped: dict[str, list[Result]], today: date) -> list[dict[str, Any]]:
    horizon = today + EXPIRING_WINDOW
    soon: list[dict[str, Any]] = []
    for waiver in profile.waivers:
        if waiver.expires <= horizon:
            soon.append({"kind": "waiver", "what": f"waiver for {waiver.check}", "when": waiver.expires.isoformat(),
                         "expired": waiver.expires < today})
    for att in profile.attestations:
        if att.expires is not None and att.expires <= horizon:
            soon.append({"kind": "attestation", "what": f"attestation of {att.check} by {att.by}",
                         "when": att.expires.isoformat(), "expired": att.expires < today})
    for results in grouped.values():
        for result in results:
            for exp in result.expiries:
                when = _as_date(exp["when"])
                if when is not None and when <= horizon:
                    soon.append({"kind": result.check_id.split(".")[0], "what": exp["what"],
                                 "when": when.isoformat(), "expired": when < today, "detail": exp.get("detail", ""),
                                 "check": result.check_id, "subject": result.subject})
    return sorted(soon, key=lambda e: e["when"])


def _as_date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- writing


def write(recorder: Recorder, report_dir: Path, allure: bool = True) -> dict[str, Any]:
    """Write signoff.json, signoff.md and (when allure-pytest ran) the allure environment files;
    return the document."""
    from golive import allure_env, signoff_md

    document = build(recorder)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "signoff.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (report_dir / "signoff.md").write_text(signoff_md.render(document), encoding="utf-8")
    (report_dir / "effective-profile.yaml").write_text(_effective_profile(recorder.profile), encoding="utf-8")
    if allure:
        allure_env.write(report_dir / "allure-results", recorder.profile, document)
    return document


def _effective_profile(profile: Profile) -> str:
    """The profile as it was checked (after extends and ${VAR}), secrets masked: audit evidence."""
    import yaml

    from golive.profile import dump_profile

    header = f"# effective profile {profile.name} from {profile.source}, secrets masked\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ten times faster on big profiles
    return header + yaml.dump(dump_profile(profile, mask=True), Dumper=dumper, sort_keys=False)


def summary_lines(document: dict[str, Any], report_dir: Path, limit: int = 12) -> list[str]:
    """The one-screen summary printed at the end of a run."""
    counts = document["counts"]
    shown = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in
                      ("passed", "failed", "error", "advisory", "waived", "skipped", "not_applicable",
                       "manual_pending", "attested")
                      if counts.get(k))
    lines = ["", f"golive sign-off — profile {document['profile']} ({document['environment']}): {shown}"]
    bad = [i for i in document["items"] if i["status"] in ("failed", "error")]
    bad.sort(key=lambda i: (("critical", "high", "medium", "low", "advisory").index(i["severity"]), i["id"]))
    for item in bad[:limit]:
        first = next((r for r in item["results"] if r["status"] in ("failed", "error")), None)
        message = (first or {}).get("message", "")
        lines.append(f"  {item['status'].upper():6} {item['severity']:8} {item['id']}: {message[:160]}")
    if len(bad) > limit:
        lines.append(f"  ... and {len(bad) - limit} more failed items (see signoff.md)")
    pending = [i["id"] for i in document["items"] if i["status"] == "manual_pending" and i["severity"] == "critical"]
    if pending:
        lines.append(f"  critical manual items not attested: {', '.join(pending)}")
    outputs = [report_dir / "signoff.md", report_dir / "signoff.json", report_dir / "allure-results"]
    lines.append("  reports: " + ", ".join(str(p) for p in outputs if p.exists()))
    lines.append(f"VERDICT: {document['verdict']}")
    return lines
