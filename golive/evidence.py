"""Evidence for the sign-off: allure attachments and labels, metrics, expiry dates.

Checks receive an ``Evidence`` object (the ``evidence`` fixture). Everything written through it is
redacted by the session's ``Redactor`` first, so a check cannot leak a secret into a report by
forgetting to redact. Metrics and expiry dates travel to the sign-off through the test report's
``user_properties`` (which pytest-xdist carries from the workers to the controller).
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import allure
import pytest

from golive.redact import Redactor
from golive.status import Status
from golive.verdict import Verdict

USER_PROPERTY = "golive_evidence"
ADVISORY_TAG = "golive:advisory"
"""Allure tag of an advisory result (a pass in Allure's terms): the "Advisory" category matches it."""


class NotApplicable(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """Raised by ``Evidence.judge`` for a not-applicable verdict: pytest skips, the sign-off says
    ``not_applicable`` with the reason (distinct from a pass and from an ordinary skip)."""


class GoliveAdvisory(UserWarning):
    """An advisory finding: the check passed in pytest's terms, the sign-off shows the finding."""


def _attachment(method: Callable[..., None]) -> Callable[..., None]:
    """An Evidence method that only builds an attachment: skipped (nothing built, nothing redacted)
    when the evidence has nowhere to attach to (allure-pytest off)."""

    @functools.wraps(method)
    def attach_if_reported(self: Evidence, *args: Any, **kwargs: Any) -> None:
        if self.attachments:
            method(self, *args, **kwargs)

    return attach_if_reported


@dataclass
class Evidence:
    """Evidence of one test: attachments go to Allure now, metrics/expiries to the sign-off later."""

    redactor: Redactor
    # False when allure-pytest is off (-p no:allure_pytest): attachments would go nowhere, so they
    # are not built (nor redacted) at all; metrics, expiries and notes still reach the sign-off.
    attachments: bool = True
    metrics: dict[str, Any] = field(default_factory=dict)
    expiries: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # set by judge(): the verdict's sentence (passes included) and an advisory status
    message: str = ""
    status: Status | None = None

    def judge(self, verdict: Verdict) -> None:
        """Turn a rule's verdict into this check's outcome; the one way checks conclude.

        Records the verdict's message for the sign-off (passes too: "HSTS max-age=63072000;
        includeSubDomains"), then: a failing verdict raises ``AssertionError`` with the message; a
        not-applicable one raises ``NotApplicable`` (a skip with the reason); an advisory one
        records the finding and warns (``GoliveAdvisory``) but lets the test pass.
        """
        message = self.redactor.text(verdict.message)
        self.message = message
        if verdict.kind == "not_applicable":
            raise NotApplicable(f"not applicable: {message}", _use_item_location=True)
        if verdict.kind == "advisory":
            self.status = Status.ADVISORY
            if self.attachments:  # Allure: the finding on the test's page, and its "Advisory" category
                allure.dynamic.tag(ADVISORY_TAG)
                self.inline("advisory finding", message)
            warnings.warn(GoliveAdvisory(message), stacklevel=2)
            return
        if not verdict.passed:
            raise AssertionError(message)

    @_attachment
    def text(self, name: str, text: str) -> None:
        """Attach plain text (redacted)."""
        allure.attach(self.redactor.text(text), name=self.redactor.text(name),
                      attachment_type=allure.attachment_type.TEXT)

    @_attachment
    def json(self, name: str, data: Any) -> None:
        """Attach structured data as JSON (redacted key by key). A read-only mapping
        (``types.MappingProxyType``, e.g. a TLS scan's summary, attached to each of the target's
        tls.* checks) is rendered once per redactor and its text reused."""
        if isinstance(data, MappingProxyType):
            body = _rendered_once(data, self.redactor)
        else:
            body = _render(data, self.redactor)
        allure.attach(body, name=self.redactor.text(name), attachment_type=allure.attachment_type.JSON)

    @_attachment
    def headers(self, name: str, pairs: Any, status_line: str = "") -> None:
        """Attach response/request headers, secret header values masked."""
        lines = [status_line] if status_line else []
        lines += [f"{k}: {v}" for k, v in self.redactor.headers(pairs)]
        allure.attach("\n".join(lines), name=self.redactor.text(name),
                      attachment_type=allure.attachment_type.TEXT)

    @_attachment
    def file(self, name: str, path: Path | str, kind: str = "text") -> None:
        """Attach a file: text kinds (text, json, csv, html) are redacted, others attached as-is."""
        path = Path(path)
        name = self.redactor.text(name)
        types = {"text": allure.attachment_type.TEXT, "json": allure.attachment_type.JSON,
                 "csv": allure.attachment_type.CSV, "html": allure.attachment_type.HTML,
                 "png": allure.attachment_type.PNG}
        attachment_type = types.get(kind, allure.attachment_type.TEXT)
        if kind in ("text", "json", "csv", "html"):
            allure.attach(self.redactor.text(path.read_text(encoding="utf-8", errors="replace")), name=name,
                          attachment_type=attachment_type)
        else:
            allure.attach.file(str(path), name=name, attachment_type=attachment_type)

    @_attachment
    def inline(self, name: str, value: str) -> None:
        """A short piece of evidence shown inline on the test (an Allure parameter, no file written).

        For facts that fit on one line (the header value a check judged): thousands of checks
        then cost no attachment files, while the full response is attached where it is needed.
        """
        allure.dynamic.parameter(self.redactor.text(name), self.redactor.text(value), excluded=True)

    def metric(self, key: str, value: Any) -> None:
        """A figure the sign-off shows next to the result (a grade, a percentile, a restore time)."""
        self.metrics[key] = _plain(value)

    def expiry(self, what: str, when: date | datetime, detail: str = "") -> None:
        """A date after which something lapses (certificate, backup RPO...); the sign-off lists the
        ones that fall within its "expiring soon" window."""
        self.expiries.append({"what": self.redactor.text(what), "when": when.isoformat(),
                              "detail": self.redactor.text(detail)})

    def note(self, text: str) -> None:
        """A short remark for the sign-off (e.g. "results unreliable: generator CPU at 97 %")."""
        self.notes.append(self.redactor.text(text))

    def payload(self) -> str | None:
        """What travels to the controller in user_properties (None when there is nothing)."""
        if not (self.metrics or self.expiries or self.notes or self.message or self.status):
            return None
        return json.dumps({"metrics": self.metrics, "expiries": self.expiries, "notes": self.notes,
                           "message": self.message, "status": self.status}, default=str)


def _render(data: Any, redactor: Redactor) -> str:
    return json.dumps(redactor.data(_plain(data)), indent=2, default=str, sort_keys=False)


_RENDERED: dict[tuple[int, int], tuple[Any, Redactor, str]] = {}
RENDERED_KEPT = 256
"""Read-only mappings whose rendered text is kept (the most recent; they and the redactor are held,
so that their ids stay theirs)."""


def _rendered_once(data: MappingProxyType[Any, Any], redactor: Redactor) -> str:
    key = (id(data), id(redactor))
    kept = _RENDERED.get(key)
    if kept is not None:
        return kept[2]
    body = _render(dict(data), redactor)
    if len(_RENDERED) >= RENDERED_KEPT:
        del _RENDERED[next(iter(_RENDERED))]
    _RENDERED[key] = (data, redactor, body)
    return body


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value
