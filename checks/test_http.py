"""Plain-HTTP redirect and exposure checks (``-m http``; part of ``-m security``)."""

from __future__ import annotations

from golive.registry import check
from golive.rules import breach as breach_rules
from golive.rules import http as rules


@check("http.https_redirect", over="http_targets")
def test_https_redirect(target, header_audit, evidence):
    if header_audit.plain_http_refused(target) is None:
        hops = header_audit.redirect_chain(target)
        evidence.json(
            "redirect chain", [{"url": h.url, "status": h.status, "location": h.location} for h in hops]
        )
    evidence.judge(header_audit.redirect_verdict(target).about(target.name))


@check("http.breach", over="https_targets")
def test_breach(target, header_audit, evidence):
    first, _ = header_audit.breach_pages(target)
    evidence.headers("response headers (BREACH)", first.headers, str(first.status))
    evidence.judge(breach_rules.breach(*header_audit.breach_pages(target)).about(target.name))


@check("http.exposure", over="targets")
def test_exposure(target, header_audit, evidence):
    probes, baseline = header_audit.exposure(target)
    evidence.json(
        "exposure probes",
        [
            {"path": p.path, "status": p.status, "content_type": p.content_type, "bytes": len(p.body)}
            for p, _ in [(baseline, ""), *probes]
        ],
    )
    verdict = rules.exposure(probes, baseline).about(target.name)
    evidence.judge(verdict)
