"""Outcomes → checklist items → verdict → the ``SignOff`` document → files and terminal summary.

Every catalog item appears in the sign-off: automated items with their results per subject,
manual items as attested, not applicable or pending, planned items as planned. Which statuses
block is decided in one place, ``golive.status.blocks``; the document itself is the typed model of
``golive.signoff_model`` (one ``read``, one ``write``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from golive.catalog import SEVERITIES, CatalogItem, load_catalog
from golive.outcomes import Recorder
from golive.outcomes import Result as Outcome
from golive.profile import Attestation, Profile
from golive.signoff_model import (
    SIGNOFF_JSON,
    SIGNOFF_MD,
    AttestationRecord,
    Decision,
    ExpiringRecord,
    IgnoredAttestation,
    Item,
    Remediation,
    Result,
    RunScope,
    RunState,
    SignOff,
    WaiverRecord,
    atomic_write,
    iso,
)
from golive.status import FINDINGS, Status, worst

SIGNOFF = pytest.StashKey[SignOff]()
EXPIRING_WINDOW = timedelta(days=30)
STATUS_ORDER = (Status.FAILED, Status.ERROR, Status.MANUAL_PENDING, Status.ADVISORY, Status.WAIVED,
                Status.PASSED, Status.ATTESTED, Status.SKIPPED, Status.NOT_APPLICABLE, Status.NOT_RUN,
                Status.PLANNED)
"""Statuses in reading order (findings first): counts and tables follow it."""


def item_status(results: list[Outcome]) -> Status:
    """Worst of the results (``golive.status.worst``)."""
    return worst([r.status for r in results])


def _record(att: Attestation) -> AttestationRecord:
    return AttestationRecord(check=att.check, by=att.by, at=att.at, status=Status(att.status), reason=att.reason,
                             note=att.note, expires=att.expires, release=att.release)


def judge_attestations(profile: Profile, release: str | None,
                       today: date) -> tuple[dict[str, AttestationRecord], list[IgnoredAttestation]]:
    """The attestation that counts for each item in this run, and the ones that do not, with why.

    An attestation counts when it has not expired and, if it names a release, that release is the
    one this run verifies. Among several that count for one item, the latest decides.
    """
    counted: dict[str, AttestationRecord] = {}
    ignored: list[IgnoredAttestation] = []
    for att in profile.attestations:
        why = None
        if att.expires is not None and att.expires < today:
            why = f"expired on {att.expires}"
        elif att.release is not None and release is None:
            why = (f"bound to release {att.release}, but this run names no release "
                   "(give --release, the profile's release or GOLIVE_RELEASE)")
        elif att.release is not None and att.release != release:
            why = f"for release {att.release}; this run verifies release {release}"
        if why is not None:
            ignored.append(IgnoredAttestation(check=att.check, by=att.by, at=att.at, release=att.release,
                                              expires=att.expires, why=why))
            continue
        check_id = att.check.split("[", 1)[0]
        if check_id not in counted or att.at >= counted[check_id].at:
            counted[check_id] = _record(att)
    return counted, ignored


def build(recorder: Recorder, finished_at: datetime | None = None, today: date | None = None) -> SignOff:
    """The sign-off document (DESIGN.md "Outputs"), from the recorded outcomes."""
    profile = recorder.profile
    today = today or date.today()
    catalog = load_catalog()
    grouped = recorder.by_check()
    scope = recorder.scope or RunScope()
    attested, ignored = judge_attestations(profile, scope.release, today)
    items = [_item(entry, grouped.get(check_id, []), recorder, attested) for check_id, entry in catalog.items()]
    for check_id, results in grouped.items():  # results of ids missing from the catalog: still shown
        if check_id not in catalog:
            items.append(Item(id=check_id, title=check_id, category=check_id.split(".")[0], severity="high",
                              status=item_status(results), results=[_result(r) for r in results]))
    counts = {str(status): 0 for status in STATUS_ORDER}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    reasons = _no_go_reasons(items)
    if not grouped:
        reasons.append("no check ran (nothing selected, or every subject was filtered out)")
    scope = _completion(scope, recorder)
    if not scope.complete:
        reasons.insert(0, incomplete_reason(scope))
    return SignOff(
        profile=profile.name,
        environment=profile.environment,
        started_at=recorder.started_at,
        finished_at=finished_at or datetime.now(UTC),
        verdict=Decision.NO_GO if reasons else Decision.GO,
        reasons=reasons,
        counts=counts,
        items=items,
        waivers=_waivers(profile, grouped, today),
        attestations=[_record(a) for a in profile.attestations],
        ignored_attestations=ignored,
        expiring_soon=_expiring(profile, grouped, today),
        run=scope,
    )


def _completion(scope: RunScope, recorder: Recorder) -> RunScope:
    """The scope with how far the run got: interrupted by a signal, incomplete, or complete."""
    missing = recorder.not_run()
    interruption = recorder.interruption
    if interruption.interrupted:
        state = RunState.INTERRUPTED
    elif missing:
        state = RunState.INCOMPLETE
    else:
        state = RunState.COMPLETE
    return scope.model_copy(update={
        "state": state, "not_run": missing, "interrupted_by": interruption.signal,
        "interrupted_at": iso(interruption.at) if interruption.at else None, "pid": None})


def incomplete_reason(scope: RunScope) -> str:
    """The first reason of a run that is not complete: never GO, and why."""
    missing = scope.not_run
    shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
    not_run = f"; {len(missing)} check(s) did not run: {shown}" if missing else ""
    if scope.state is RunState.RUNNING:
        return (f"the run started by pid {scope.pid} has not finished: it is still running, or it was killed "
                "before it could write its verdict (this sign-off replaced the previous one when it started)")
    if scope.state is RunState.INTERRUPTED:
        return f"run interrupted by {scope.interrupted_by} at {scope.interrupted_at}{not_run}"
    return f"run incomplete (stopped early: -x/--maxfail, or a worker crashed){not_run}"


def running(profile: Profile, scope: RunScope, started_at: datetime) -> SignOff:
    """The sign-off a run writes when it starts, replacing the previous one: NO-GO until the run
    writes its own verdict, so a run killed on the way never leaves an older GO behind."""
    import os

    scope = scope.model_copy(update={"state": RunState.RUNNING, "pid": os.getpid()})
    return SignOff(profile=profile.name, environment=profile.environment, started_at=started_at,
                   finished_at=started_at, verdict=Decision.NO_GO, reasons=[incomplete_reason(scope)], run=scope)


def _remediation(entry: CatalogItem) -> Remediation | None:
    fix = entry.remediation
    if fix is None:
        return None
    return Remediation(fix=fix.fix, references=list(fix.references), snippets=dict(fix.snippets))


def _item(entry: CatalogItem, results: list[Outcome], recorder: Recorder,
          attested: dict[str, AttestationRecord]) -> Item:
    item = Item(id=entry.id, title=entry.title, category=entry.category, severity=entry.severity,
                mode=entry.mode, status=Status.NOT_RUN)
    if entry.mode == "manual":
        attestation = attested.get(entry.id)
        item.attestation = attestation
        if attestation is None:
            item.status = Status.MANUAL_PENDING
        elif attestation.status is Status.NOT_APPLICABLE:
            item.status = Status.NOT_APPLICABLE
            item.note = f"{attestation.reason} (decided by {attestation.by} on {attestation.at})"
        else:
            item.status = Status.ATTESTED
        return item
    if results:
        item.status = item_status(results)
        item.results = [_result(r) for r in sorted(results, key=lambda r: (r.subject, r.nodeid))]
        if item.status in FINDINGS or item.status is Status.WAIVED:
            item.remediation = _remediation(entry)
        return item
    if entry.mode == "planned":
        item.status = Status.PLANNED
    elif entry.id in recorder.not_applicable:
        item.status = Status.NOT_APPLICABLE
        item.note = "nothing to check in this profile (no subject of its kind, or its settings are empty)"
    return item


def _result(result: Outcome) -> Result:
    category = None
    if result.status is Status.FAILED:
        category = "target unreachable" if result.unreachable else "product defect"
    elif result.status is Status.ERROR:
        category = "target unreachable" if result.unreachable else "golive error"
    return Result(subject=result.subject, status=result.status, message=result.message, nodeid=result.nodeid,
                  category=category, metrics=result.metrics or None, notes=result.notes or None)


def _no_go_reasons(items: list[Item]) -> list[str]:
    """One sentence per blocking item (``golive.status.blocks`` decides which block): real failures
    first, then pending manual items."""
    failures, manual = [], []
    for item in items:
        if not item.blocking:
            continue
        if item.status is Status.MANUAL_PENDING:
            manual.append(f"{item.id} ({item.severity}, manual) not attested")
            continue
        bad = item.results_in(Status.FAILED, Status.ERROR)
        subjects = ", ".join(sorted({r.subject for r in bad})) or "-"
        failures.append(f"{item.id} ({item.severity}) {item.status} on {subjects}")
    return failures + manual


def _waivers(profile: Profile, grouped: dict[str, list[Outcome]], today: date) -> list[WaiverRecord]:
    out = []
    for waiver in profile.waivers:
        used = any(r.status is Status.WAIVED and waiver.covers(r.check_id, r.subject)
                   for r in grouped.get(waiver.check_id, []))
        out.append(WaiverRecord(check=waiver.check, reason=waiver.reason, expires=waiver.expires,
                                status="expired" if waiver.expired(today) else "active", used=used))
    return out


def _expiring(profile: Profile, grouped: dict[str, list[Outcome]], today: date) -> list[ExpiringRecord]:
    horizon = today + EXPIRING_WINDOW
    soon: list[ExpiringRecord] = []
    for waiver in profile.waivers:
        if waiver.expires <= horizon:
            soon.append(ExpiringRecord(kind="waiver", what=f"waiver for {waiver.check}", when=waiver.expires,
                                       expired=waiver.expires < today))
    for att in profile.attestations:
        if att.expires is not None and att.expires <= horizon:
            soon.append(ExpiringRecord(kind="attestation", what=f"attestation of {att.check} by {att.by}",
                                       when=att.expires, expired=att.expires < today))
    for results in grouped.values():
        for result in results:
            for exp in result.expiries:
                when = _as_date(exp["when"])
                if when is not None and when <= horizon:
                    soon.append(ExpiringRecord(kind=result.check_id.split(".")[0], what=exp["what"], when=when,
                                               expired=when < today, detail=exp.get("detail", ""),
                                               check=result.check_id, subject=result.subject))
    return sorted(soon, key=lambda e: e.when)


def _as_date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


# --------------------------------------------------------------------------- writing


def write_document(document: SignOff, report_dir: Path) -> None:
    """Write ``signoff.json`` and ``signoff.md`` (the same document, for machines and for people)."""
    from golive import signoff_md

    report_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(report_dir / SIGNOFF_JSON, document.to_json())
    atomic_write(report_dir / SIGNOFF_MD, signoff_md.render(document))


def write(recorder: Recorder, report_dir: Path, allure: bool = True) -> SignOff:
    """Write signoff.json, signoff.md, the effective profile and (when allure-pytest ran) the allure
    environment files; return the document."""
    from golive import allure_env
    from golive.run_scope import complete

    document = build(recorder)
    document.run = complete(document.run)
    write_document(document, report_dir)
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


def summary_lines(document: SignOff, report_dir: Path, limit: int = 12) -> list[str]:
    """The one-screen summary printed at the end of a run."""
    counts = document.counts
    shown = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in STATUS_ORDER if counts.get(k))
    lines = ["", f"golive sign-off — profile {document.profile} ({document.environment}): {shown}"]
    bad = document.in_status(Status.FAILED, Status.ERROR)
    bad.sort(key=lambda i: (SEVERITIES.index(i.severity) if i.severity in SEVERITIES else 9, i.id))
    for item in bad[:limit]:
        first = next(iter(item.results_in(Status.FAILED, Status.ERROR)), None)
        message = first.message if first else ""
        lines.append(f"  {item.status.upper():6} {item.severity:8} {item.id}: {message[:160]}")
    if len(bad) > limit:
        lines.append(f"  ... and {len(bad) - limit} more failed items (see signoff.md)")
    pending = [i.id for i in document.blocking_manual()]
    if pending:
        lines.append(f"  critical manual items not attested: {', '.join(pending)}")
    lines += _findings_line("advisory findings (not blocking)", document.in_status(Status.ADVISORY))
    ignored = sorted({a.check for a in document.ignored_attestations})
    if ignored:
        lines.append(f"  attestations that do not count for this run: {', '.join(ignored)} (see signoff.md)")
    outputs = [report_dir / "signoff.md", report_dir / "signoff.json", report_dir / "allure-results"]
    lines.append("  reports: " + ", ".join(str(p) for p in outputs if p.exists()))
    lines.append(f"VERDICT: {document.verdict}")
    return lines


def _findings_line(title: str, items: list[Item], limit: int = 8) -> list[str]:
    if not items:
        return []
    shown = ", ".join(i.id for i in items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")
    return [f"  {title}: {shown}"]
