"""Malformed requests derived from a valid example body (``smoke.input_validation``).

Four kinds, each a single request: JSON cut off mid-string, the valid body sent as ``text/plain``,
the valid body padded past ``oversized_bytes``, and the valid body without each required field (at
most five). They are writes by nature, so they exist only for endpoints whose method and body the
profile names; a service that validates refuses every one of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from golive.http import FetchError, HttpFetcher
from golive.profile import Target
from golive.settings.smoke import InputValidation

MALFORMED = b'{"golive": "malformed'
"""A JSON document cut off inside a string: no parser accepts it."""


@dataclass(frozen=True)
class BadRequest:
    """One malformed request: its case name, what it is (for messages) and what is sent."""

    case: str
    what: str
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Answer:
    """The answer to a ``BadRequest`` (status 0 and ``error`` when none came)."""

    case: str
    what: str
    status: int
    text: str
    elapsed: float
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None


def bad_requests(spec: InputValidation) -> list[BadRequest]:
    """The requests for ``spec.cases``, cheapest first (the oversized one last)."""
    valid = spec.json_body
    found: list[BadRequest] = []
    if "malformed_json" in spec.cases:
        found.append(BadRequest("malformed_json", "malformed JSON", MALFORMED, "application/json"))
    if "wrong_content_type" in spec.cases:
        found.append(BadRequest("wrong_content_type", "the valid body as text/plain", _dump(valid), "text/plain"))
    if "missing_fields" in spec.cases:
        for name in spec.required_fields:
            rest = {k: v for k, v in valid.items() if k != name}
            found.append(BadRequest("missing_fields", f"the body without {name!r}", _dump(rest),
                                    "application/json"))
    if "oversized" in spec.cases:
        padded = {**valid, "golive_padding": "g" * spec.oversized_bytes}
        found.append(BadRequest("oversized", f"a {spec.oversized_bytes} byte body", _dump(padded),
                                "application/json"))
    return found


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def send(fetcher: HttpFetcher, target: Target, spec: InputValidation) -> list[Answer]:
    """Every bad request once (uncached); answers in order. Raises ``FetchError`` only when no request
    got an answer at all (the target is unreachable, not badly validating)."""
    answers: list[Answer] = []
    failures: list[FetchError] = []
    for bad in bad_requests(spec):
        headers = {**spec.headers, "Content-Type": bad.content_type}
        try:
            response = fetcher.fetch(target, spec.path, method=spec.method, headers=headers, body=bad.body,
                                     cached=False)
        except FetchError as exc:
            failures.append(exc)
            answers.append(Answer(bad.case, bad.what, 0, "", 0.0, (), exc.reason))
            continue
        answers.append(Answer(bad.case, bad.what, response.status, response.text[:8000], response.elapsed,
                              response.headers))
    if failures and len(failures) == len(answers):
        raise failures[0]
    return answers
