"""``golive approve DIR --by NAME``: a person's approval, a record of its own next to the sign-off.

The sign-off says what was verified; the approval says who accepted it, when, and for which exact
sign-off (its SHA-256). It never edits ``signoff.json``/``signoff.md``: the evidence stays what the
run wrote. A NO-GO is refused unless ``--override REASON`` is given; the override and its reason
are then part of the record and of ``approval.md``, in words nobody can miss.

Several people may approve one sign-off (a change board): each ``approve`` appends its entry.
An approval recorded for another sign-off (the directory was re-run since) is stale and says so.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer

from golive.signoff_model import SIGNOFF_JSON, Decision, SignOff, atomic_write, iso, read

APPROVAL_JSON = "approval.json"
APPROVAL_MD = "approval.md"


class ApprovalError(ValueError):
    """The approval cannot be recorded (refused NO-GO, unreadable record); the message says why."""


class Approval(BaseModel):
    """One person's approval of one sign-off."""

    model_config = ConfigDict(extra="allow")

    approved_by: str = Field(min_length=1)
    at: datetime
    note: str | None = None
    override: str | None = None
    """Set when the verdict was NO-GO: why the release goes ahead anyway."""
    verdict: Decision
    profile: str
    environment: str
    release: str | None = None
    signoff_sha256: str
    """The SHA-256 of the signoff.json approved: a re-run makes this approval stale."""
    signoff_finished_at: datetime

    @field_serializer("at", "signoff_finished_at")
    def _timestamp(self, moment: datetime) -> str:
        return iso(moment)


class ApprovalRecord(BaseModel):
    """``approval.json``: every approval of the sign-off next to it, in order."""

    model_config = ConfigDict(extra="allow")

    approvals: list[Approval] = []


def signoff_digest(report_dir: Path) -> str:
    return hashlib.sha256((report_dir / SIGNOFF_JSON).read_bytes()).hexdigest()


def read_record(report_dir: Path) -> ApprovalRecord:
    """The approvals recorded in ``report_dir`` (empty when none)."""
    path = report_dir / APPROVAL_JSON
    if not path.exists():
        return ApprovalRecord()
    try:
        return ApprovalRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ApprovalError(f"{path}: not a readable golive approval record ({str(exc).splitlines()[0]})") from None


def current(report_dir: Path, record: ApprovalRecord | None = None) -> tuple[list[Approval], list[Approval]]:
    """(approvals of the sign-off now in ``report_dir``, stale approvals of an earlier one)."""
    record = record if record is not None else read_record(report_dir)
    digest = signoff_digest(report_dir)
    valid = [a for a in record.approvals if a.signoff_sha256 == digest]
    return valid, [a for a in record.approvals if a.signoff_sha256 != digest]


def approve(report_dir: Path, by: str, note: str | None = None, override: str | None = None,
            now: datetime | None = None) -> Approval:
    """Record ``by``'s approval of the sign-off in ``report_dir``; refuse a NO-GO without override."""
    by, note = by.strip(), (note or "").strip() or None
    override = (override or "").strip() or None
    if not by:
        raise ApprovalError("--by needs the approver's name")
    document = read(report_dir)
    if not document.go and override is None:
        reasons = "; ".join(document.reasons) or "see signoff.md"
        raise ApprovalError(
            f"refused: the verdict of {report_dir / SIGNOFF_JSON} is NO-GO ({reasons}). Fix the blocking items "
            "and run the gate again, or record a deliberate decision with --override REASON")
    entry = Approval(approved_by=by, at=now or datetime.now(UTC), note=note,
                     override=override if not document.go else None, verdict=document.verdict,
                     profile=document.profile, environment=document.environment, release=document.run.release,
                     signoff_sha256=signoff_digest(report_dir), signoff_finished_at=document.finished_at)
    record = read_record(report_dir)
    record.approvals.append(entry)
    atomic_write(report_dir / APPROVAL_JSON,
                  json.dumps(record.model_dump(mode="json", exclude_none=True), indent=2) + "\n")
    atomic_write(report_dir / APPROVAL_MD, render(record, document, report_dir))
    return entry


def render(record: ApprovalRecord, document: SignOff, report_dir: Path) -> str:
    """``approval.md``: who approved which verdict; an override is shown as what it is."""
    valid, stale = current(report_dir, record)
    release = document.run.release or "(no release id)"
    lines = [f"# golive approval: {document.profile} ({document.environment}), release {release}", "",
             f"Sign-off verdict: **{document.verdict}** (finished {iso(document.finished_at)}, "
             f"signoff.json sha256 `{signoff_digest(report_dir)}`)", ""]
    if not valid:
        lines += ["No approval of this sign-off yet.", ""]
    for entry in valid:
        if entry.override:
            lines += [f"## APPROVED AGAINST A NO-GO VERDICT by {entry.approved_by} on {iso(entry.at)}", "",
                      f"- Override reason: {entry.override}"]
        else:
            lines += [f"## Approved by {entry.approved_by} on {iso(entry.at)}", ""]
        if entry.note:
            lines.append(f"- Note: {entry.note}")
        lines.append("")
    if stale:
        lines += ["## Stale approvals (of an earlier sign-off in this directory; they do not apply)", ""]
        lines += [f"- {a.approved_by} on {iso(a.at)} approved the {a.verdict} sign-off finished "
                  f"{iso(a.signoff_finished_at)}" for a in stale]
        lines.append("")
    return "\n".join(lines)
