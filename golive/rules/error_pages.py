"""``http.error_pages``: provoked error answers leak nothing (pure).

golive provokes the errors every site can be made to answer — an unknown path (404), an unknown
method (405/501), an oversized body (413), an overlong URI (414), a malformed Host and a bad
percent-encoding (400) — and judges each answer: no stack trace, debug page, software version or
server file path in the body, no version in the headers, and no 5xx where the client was at fault
(a server error on bad input means the input reached code that did not expect it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golive.rules.leaks import body_leaks, header_leaks
from golive.verdict import Verdict, fail, ok

SERVER_ERROR_OK = {"method": (501,)}
"""5xx answers that are right for a probe: 501 Not Implemented for a method the server lacks."""


@dataclass(frozen=True)
class ErrorAnswer:
    """One provoked error: the probe's name, what was sent, and the answer."""

    probe: str
    request: str
    status: int
    headers: tuple[tuple[str, str], ...]
    text: str
    error: str | None = None
    """Why no answer came (status 0): a timeout is a finding, a closed connection is not."""
    timed_out: bool = False


def error_pages(answers: Sequence[ErrorAnswer]) -> Verdict:
    """Every provoked error answer is generic. Findings are grouped by leak, each followed by the
    probes that showed it (``[not_found 404, long_uri 414]``), so six leaky pages stay one readable
    sentence; the requests themselves are in the evidence."""
    expected = "generic 4xx pages: no stack trace, debug page, version or server path; no 5xx"
    if not answers:
        return fail("error-pages-none", "no error probe could be sent", "(none)", expected)
    if all(a.error for a in answers):
        return fail("error-pages-no-answer", "no error probe got an answer: " + (answers[0].error or ""),
                    "(no answer)", expected)
    grouped: dict[str, list[str]] = {}
    for answer in answers:
        where = f"{answer.probe} {answer.status or 'no answer'}"
        if answer.error:
            if answer.timed_out:
                grouped.setdefault(f"no answer ({answer.error})", []).append(where)
            continue
        leaks = body_leaks(answer.text) + header_leaks(answer.headers)
        if answer.status >= 500 and answer.status not in SERVER_ERROR_OK.get(answer.probe, ()):
            leaks.insert(0, "a server error where a client error was due")
        for leak in leaks:
            grouped.setdefault(leak, []).append(where)
    observed = "; ".join(f"{a.probe} {a.status or 'no answer'}" for a in answers)
    if grouped:
        findings = [f"{leak} [{', '.join(where)}]" for leak, where in grouped.items()]
        missing = next((a.request for a in answers if a.probe == "not_found"), None)
        probe_path = f" (404 probe: {missing})" if missing else ""
        return fail("error-pages-leak", "error pages leak " + "; ".join(findings) + probe_path, observed, expected,
                    findings=findings)
    return ok("error-pages-generic", f"{len(answers)} provoked error pages are generic ({observed})", observed,
              expected)
