"""Plain-HTTP redirect, exposure and behaviour checks (``-m http``; the security ones are part of
``-m security``): redirect, exposed files, provoked error pages, compression, caching, source maps."""

from __future__ import annotations

from golive.registry import check
from golive.rules import breach as breach_rules
from golive.rules import caching, compression, error_pages, source_maps
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


@check("http.error_pages", over="targets")
def test_error_pages(target, http_probes, evidence):
    answers = http_probes.error_pages(target)
    evidence.json("provoked error pages", [
        {"probe": a.probe, "request": a.request, "status": a.status, "error": a.error,
         "headers": [f"{k}: {v}" for k, v in a.headers], "body": a.text[:2000]} for a in answers])
    evidence.judge(error_pages.error_pages(answers).about(target.name))


@check("http.compression", over="targets")
def test_compression(target, http_probes, settings, evidence):
    fetched = http_probes.compressible(target)
    answers = [compression.Encoded(f.path, f.response.status, f.response.content_type,
                                   f.response.header("content-encoding"), len(f.response.body)) for f in fetched]
    evidence.json(f"answers to Accept-Encoding: {http_probes.encoding}", [a.__dict__ for a in answers])
    evidence.judge(compression.compression(answers, settings.http.compression_min_size).about(target.name))


@check("http.static_caching", over="targets")
def test_static_caching(target, http_probes, settings, evidence):
    def cached(items):
        return [caching.Cached(f.path, f.response.status, f.response.header("cache-control")) for f in items]

    assets = cached(http_probes.hashed_assets(target))
    pages = cached(http_probes.pages(target))
    private = cached(http_probes.private_answers(target))
    evidence.json("Cache-Control", {"hashed assets": [a.__dict__ for a in assets],
                                    "pages": [p.__dict__ for p in pages],
                                    "authenticated": [p.__dict__ for p in private]})
    h = settings.http
    evidence.judge(caching.static_caching(assets, pages, private, h.static_min_age, h.require_immutable)
                   .about(target.name))


@check("http.source_maps", over="targets")
def test_source_maps(target, http_probes, evidence):
    found = http_probes.source_maps(target)
    evidence.json("source map probes", [
        {"asset": a.asset, "SourceMap header": a.header, "sourceMappingURL": a.comment,
         "maps": [{"path": p, "status": s, "is_source_map": m} for p, s, m in a.maps]} for a in found])
    evidence.judge(source_maps.source_maps(found).about(target.name))
