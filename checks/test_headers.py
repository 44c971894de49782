"""HTTP security header checks (``-m headers``; part of ``-m security``).

Each check judges the cached observations of ``header_audit`` (one request per target, path and
variant per session) with a pure rule, shows its verdict inline, and asserts with a message naming
the target, the header, what was observed and what is expected. The redacted response headers are
attached to ``headers.grade`` (which judges them all) and to every failing check.
"""

from __future__ import annotations

from golive.fixtures.headers import attach_page
from golive.registry import check
from golive.rules import grade as grade_rules
from golive.rules import headers as rules


def _judge(check_id, target, header_audit, evidence):
    verdict = header_audit.verdicts(target)[check_id].about(target.name)
    evidence.inline("verdict", verdict.message)
    if not verdict.passed:  # the full response where it is needed; headers.grade attaches it always
        attach_page(header_audit, target, evidence)
    evidence.judge(verdict)


@check("headers.hsts", over="https_targets")
def test_hsts(target, header_audit, evidence):
    _judge("headers.hsts", target, header_audit, evidence)


@check("headers.csp", over="targets")
def test_csp(target, header_audit, evidence):
    _judge("headers.csp", target, header_audit, evidence)


@check("headers.content_type_options", over="targets")
def test_content_type_options(target, header_audit, evidence):
    _judge("headers.content_type_options", target, header_audit, evidence)


@check("headers.frame_options", over="targets")
def test_frame_options(target, header_audit, evidence):
    _judge("headers.frame_options", target, header_audit, evidence)


@check("headers.referrer_policy", over="targets")
def test_referrer_policy(target, header_audit, evidence):
    _judge("headers.referrer_policy", target, header_audit, evidence)


@check("headers.permissions_policy", over="targets")
def test_permissions_policy(target, header_audit, evidence):
    _judge("headers.permissions_policy", target, header_audit, evidence)


@check("headers.server_disclosure", over="targets")
def test_server_disclosure(target, header_audit, evidence):
    _judge("headers.server_disclosure", target, header_audit, evidence)


@check("headers.cors", over="targets")
def test_cors(target, header_audit, evidence):
    for probe, response in header_audit.cors(target):
        evidence.headers(
            f"CORS {probe.label}", response.headers, f"{response.http_version} {response.status}"
        )
    verdict = header_audit.verdicts(target)["headers.cors"].about(target.name)
    evidence.judge(verdict)


@check("headers.cookies", over="targets")
def test_cookies(target, header_audit, evidence):
    for path, response in header_audit.cookie_responses(target):
        evidence.headers(
            f"response headers {path}", response.headers, f"{response.http_version} {response.status}"
        )
    verdict = header_audit.verdicts(target)["headers.cookies"].about(target.name)
    evidence.judge(verdict)


@check("headers.xss_protection", over="targets")
def test_xss_protection(target, header_audit, evidence):
    page = header_audit.page(target)
    verdict = rules.xss_protection(page.headers).about(target.name)
    evidence.inline("verdict", verdict.message)
    if not verdict.passed:
        attach_page(header_audit, target, evidence)
    evidence.judge(verdict)


@check("headers.grade", over="targets")
def test_grade(target, header_audit, settings, evidence):
    verdicts = header_audit.verdicts(target)
    attach_page(header_audit, target, evidence)
    verdict = grade_rules.grade(verdicts, settings.headers.min_grade).about(target.name)
    evidence.metric("grade", verdict.details["grade"])
    evidence.metric("score", verdict.details["score"])
    evidence.json(
        "score modifiers",
        {rid: {"passed": v.passed, "name": v.name, "score": v.score} for rid, v in verdicts.items()},
    )
    evidence.judge(verdict)
