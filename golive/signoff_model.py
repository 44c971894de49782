"""The sign-off document as one typed model, with the one ``read`` and the one ``write``.

``signoff.json`` is golive's product: the CLI (``verdict``, ``approve``), ``diff``, ``report``,
``bundle`` and the load baselines all read it, so all of them read it through ``read`` into
``SignOff`` instead of re-parsing a dict each. Statuses are ``golive.status.Status``, never string
literals. The JSON keys are the contract of DESIGN.md ("Outputs"): fields are added, never renamed.

Models accept unknown fields (``extra="allow"``) and keep them on a re-write: a document written by
a newer golive (or one with a field another part adds, like the ``run`` block's interruption
record) survives being read and written by this one.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer, field_validator

from golive.status import Status, blocks

SIGNOFF_JSON = "signoff.json"
SIGNOFF_MD = "signoff.md"
SCHEMA_VERSION = 2
"""1: the untyped document of golive 0.1; 2: typed, with the ``run`` scope and remediations."""


class Decision(StrEnum):
    """The verdict of a whole run."""

    GO = "GO"
    NO_GO = "NO-GO"


class SignOffError(ValueError):
    """A file that is not a readable golive sign-off (names the path and what is wrong)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def iso(moment: datetime) -> str:
    """``2026-11-22T10:00:00Z``: UTC, whole seconds (the contract's timestamp form)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Remediation(_Model):
    """How to fix a finding, copied from the catalog item (shown next to the failing result)."""

    fix: str
    references: list[str] = []
    snippets: dict[str, str] = {}


class Result(_Model):
    """One check on one subject."""

    subject: str
    status: Status
    message: str = ""
    nodeid: str = ""
    category: str | None = None
    """For failures and errors: ``product defect``, ``target unreachable`` or ``golive error``."""
    metrics: dict[str, Any] | None = None
    notes: list[str] | None = None


class AttestationRecord(_Model):
    """A person's statement about a manual item, as the run judged it."""

    check: str | None = None
    by: str
    at: date
    status: Status = Status.ATTESTED
    """``attested`` (done) or ``not_applicable`` (does not apply here, ``reason`` says why)."""
    reason: str | None = None
    note: str | None = None
    expires: date | None = None
    release: str | None = None
    """The release the attestation is bound to (None: any release)."""


class IgnoredAttestation(_Model):
    """An attestation in the profile that did not count for this run, and why."""

    check: str
    by: str
    at: date
    release: str | None = None
    expires: date | None = None
    why: str


class Item(_Model):
    """One checklist item: its status is the worst of its results, or its manual/planned state."""

    id: str
    title: str
    category: str
    severity: str
    mode: str = "automated"
    status: Status
    results: list[Result] = []
    attestation: AttestationRecord | None = None
    note: str | None = None
    """Why the item is ``not_applicable`` without results (no subject of its kind in the profile)."""
    remediation: Remediation | None = None
    """The catalog's fix, present when the item has a finding (failed, error, advisory, waived)."""

    @property
    def blocking(self) -> bool:
        """Whether this item makes the verdict NO-GO (``golive.status.blocks``)."""
        return blocks(self.severity, self.status)

    def results_in(self, *statuses: Status) -> list[Result]:
        return [r for r in self.results if r.status in statuses]


class WaiverRecord(_Model):
    check: str
    reason: str
    expires: date
    status: Literal["active", "expired"]
    used: bool = False


class ExpiringRecord(_Model):
    kind: str
    what: str
    when: date
    expired: bool = False
    detail: str | None = None
    check: str | None = None
    subject: str | None = None


class SubjectScope(_Model):
    """A subject the run was pointed at, with where it lives (secrets masked)."""

    kind: str
    """``target``, ``host`` or ``database``."""
    name: str
    where: str
    """A target's URL, a host's connection, a database's DSN (password masked)."""
    roles: list[str] = []


class RunState(StrEnum):
    """How far a run got. Anything but ``complete`` is never GO."""

    RUNNING = "running"
    """Written when the run started: it is still going, or was killed before writing its verdict."""
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    """Stopped by a signal (Ctrl-C, SIGTERM); ``not_run`` lists what it did not get to."""
    INCOMPLETE = "incomplete"
    """Ended without running every collected check (``-x``/``--maxfail``, a crashed worker)."""


class RunScope(_Model):
    """What this run covered: how it was started, against what, with which tools, for which release.

    It also records how far the run got (``state``, ``interrupted_by``, ``not_run``): an
    interrupted or incomplete run is never GO.
    """

    command_line: list[str] = []
    markers: str | None = None
    """The ``-m`` expression (None: every marker)."""
    keyword: str | None = None
    """The ``-k`` expression."""
    subject_filters: dict[str, list[str]] = {}
    """``--target`` / ``--host`` filters given (kind → names)."""
    subjects: list[SubjectScope] = []
    release: str | None = None
    release_source: str | None = None
    """Where the release id came from: ``--release``, ``profile``, or the environment variable."""
    profile_source: str | None = None
    versions: dict[str, str] = {}
    git_sha: str | None = None
    state: RunState = RunState.COMPLETE
    """Whether the run finished with every collected check run (``golive.lifecycle``)."""
    interrupted_by: str | None = None
    """The signal that stopped the run (``SIGINT``, ``SIGTERM``)."""
    interrupted_at: str | None = None
    not_run: list[str] = []
    """Checks this run collected that never ran, as ``check.id[subject]``."""
    pid: int | None = None
    """The process of a ``running`` sign-off (which one to look for, or which one died)."""

    @property
    def complete(self) -> bool:
        return self.state is RunState.COMPLETE


class SignOff(_Model):
    """The whole ``signoff.json``."""

    schema_version: int = SCHEMA_VERSION
    profile: str
    environment: str
    started_at: datetime
    finished_at: datetime
    verdict: Decision
    reasons: list[str] = []
    counts: dict[str, int] = {}
    items: list[Item] = []
    waivers: list[WaiverRecord] = []
    attestations: list[AttestationRecord] = []
    ignored_attestations: list[IgnoredAttestation] = []
    expiring_soon: list[ExpiringRecord] = []
    run: RunScope = Field(default_factory=RunScope)

    @field_validator("started_at", "finished_at")
    @classmethod
    def _whole_seconds_utc(cls, moment: datetime) -> datetime:
        """As written (UTC, whole seconds): a document in memory equals the one read back."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0)

    @field_serializer("started_at", "finished_at")
    def _timestamp(self, moment: datetime) -> str:
        return iso(moment)

    # ----------------------------------------------------------------- views for readers

    @property
    def go(self) -> bool:
        return self.verdict is Decision.GO

    def item(self, check_id: str) -> Item | None:
        return next((i for i in self.items if i.id == check_id), None)

    def blocking_failures(self) -> list[Item]:
        """Blocking items that failed or errored (real defects: shown first)."""
        return [i for i in self.items if i.blocking and i.status in (Status.FAILED, Status.ERROR)]

    def blocking_manual(self) -> list[Item]:
        """Blocking manual items nobody attested (shown after the failures, titled apart)."""
        return [i for i in self.items if i.blocking and i.status is Status.MANUAL_PENDING]

    def in_status(self, *statuses: Status) -> list[Item]:
        return [i for i in self.items if i.status in statuses]

    def to_json(self) -> str:
        """signoff.json's text (pydantic's own serializer: a 5000-result run in a few ms)."""
        return self.model_dump_json(indent=2, exclude_none=True) + "\n"


def signoff_path(path: Path) -> Path:
    """``signoff.json`` itself, or the one inside a report directory."""
    return path / SIGNOFF_JSON if path.is_dir() else path


def read(path: Path) -> SignOff:
    """The sign-off at ``path`` (a signoff.json or a report dir), or ``SignOffError`` saying why not."""
    file = signoff_path(Path(path))
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SignOffError(f"{file} does not exist: the gate did not run there (or ran with --collect-only)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SignOffError(f"{file}: cannot read it: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SignOffError(f"{file}: not JSON ({exc})") from None
    if not isinstance(data, dict) or "items" not in data or "verdict" not in data:
        raise SignOffError(f"{file}: not a golive signoff.json (no items/verdict)")
    try:
        return SignOff.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise SignOffError(f"{file}: not a valid golive sign-off: {where}: {error['msg']}") from None


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: a reader never sees half a sign-off."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
