"""The HTML index of ``golive report`` (``html/index.html``): the sign-off for people, in a browser.

Same story and order as ``signoff.md`` (both come from ``golive.signoff_view``): verdict and why
on the first screen, blocking failures with their fix, pending critical manual items, findings
that do not block, manual items, what passed per category, details folded, full fixes last, then
the link to the Allure report. Every text is escaped: messages carry what targets sent.
"""

from __future__ import annotations

import html
from typing import Any

from golive.signoff_model import SignOff
from golive.signoff_view import LABEL, Finding, View, build_view, folded_not_applicable, manual_detail, scope_lines

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:76rem;color:#222;line-height:1.4}
.verdict{font-size:2.2rem;font-weight:700;padding:.6rem 1rem;border-radius:.4rem;display:inline-block}
.GO{background:#d9f7d9;color:#145214}.NO-GO{background:#fbd5d5;color:#7a1010}.unknown{background:#eee}
.headline{font-size:1.2rem;margin:.6rem 0}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f4}pre{background:#f8f8f8;padding:.8rem;overflow:auto}
.fix{color:#0b4f71}.scope td:first-child{font-weight:600;white-space:nowrap}
h2.blocking{color:#7a1010}h2.finding{color:#7a4a00}
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[str]], table_id: str, css: str = "") -> str:
    """A table of already-escaped cells."""
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr>" if any(headers) else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    klass = f' class="{css}"' if css else ""
    return f'<table id="{table_id}"{klass}>{head}{body}</table>'


def _fix(finding: Finding) -> str:
    fix = finding.remediation
    if fix is None:
        return ""
    refs = " ".join(f'<a href="{esc(u)}">[{n}]</a>' for n, u in enumerate(fix.references[:3], 1))
    return f'<span class="fix">{esc(fix.fix)}</span> {refs}'


def _findings(title: str, findings: list[Finding], section_id: str, css: str, fix: bool = True) -> list[str]:
    if not findings:
        return []
    rows = [[esc(f.item.id), esc(f.item.severity), esc(f.result.subject), esc(LABEL[f.result.status]),
             esc(f.result.message or "-"), _fix(f) if fix else ""] for f in findings]
    headers = ["item", "severity", "subject", "status", "finding", "fix" if fix else ""]
    return [f'<h2 class="{css}">{esc(title)} ({len(findings)})</h2>', _table(headers, rows, section_id)]


def render_landing(doc: SignOff | None, engine: str, title: str) -> str:
    """The page that opens first; ``title`` carries the verdict (Allure's report name)."""
    verdict = esc(doc.verdict if doc else "unknown")
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{esc(title)}</title>"
             f"<style>{STYLE}</style></head><body>", f"<h1>{esc(title)}</h1>",
             f'<p><span id="verdict" class="verdict {verdict}">Verdict: {verdict}</span></p>']
    if doc is not None:
        parts += _sections(build_view(doc))
    parts.append(f'<h2>Reports</h2><ul><li><a id="allure-link" href="allure/index.html">Allure report</a> '
                 f"({esc(engine)}: every check with its evidence, categories, environment, history)</li>"
                 '<li><a href="../signoff.md">signoff.md</a> · <a href="../signoff.json">signoff.json</a> · '
                 '<a href="../approval.md">approval.md</a> (when approved)</li></ul>')
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _sections(view: View) -> list[str]:
    doc = view.doc
    parts = [f'<p id="headline" class="headline">{esc(view.headline)}</p>',
             _table(["", ""], [[esc(k), esc(v)] for k, v in scope_lines(doc)] + [["Items", esc(view.counts)]],
                    "scope", "scope")]
    parts += _findings("Blocking failures", view.blocking_failures, "blocking", "blocking")
    if view.blocking_manual:
        rows = [[esc(i.id), esc(i.severity), esc(i.title)] for i in view.blocking_manual]
        parts += [f'<h2 class="blocking">Blocking: critical manual items not attested ({len(rows)})</h2>',
                  _table(["item", "severity", "title"], rows, "manual-blocking"),
                  "<p>Attest each in the profile's <code>attestations</code>, or, when it does not apply here, "
                  "with <code>status: not_applicable</code> and a <code>reason</code>.</p>"]
    if doc.reasons:
        parts.append('<details><summary>Verdict reasons</summary><ul id="reasons">'
                     + "".join(f"<li>{esc(r)}</li>" for r in doc.reasons) + "</ul></details>")
    if view.notes:
        rows = [[esc(i.id), esc(r.subject), esc(n)] for i, r, n in view.notes]
        parts += ["<h2>Notes</h2>", _table(["item", "subject", "note"], rows, "notes")]
    parts += _findings("Failures below the blocking severity", view.other_failures, "other-failures", "finding")
    parts += _findings("Advisories (findings that do not block)", view.advisories, "advisories", "finding")
    parts += _findings("Waived", view.waived, "waived", "", fix=False)
    if view.manual:
        rows = [[esc(i.id), esc(i.severity), esc(LABEL[i.status]), esc(manual_detail(i))] for i in view.manual]
        parts += ["<h2>Manual items</h2>", _table(["item", "severity", "status", "detail"], rows, "manual")]
    if doc.ignored_attestations:
        rows = [[esc(a.check), esc(a.by), esc(a.at), esc(a.why)] for a in doc.ignored_attestations]
        parts += ["<h3>Attestations that do not count for this run</h3>",
                  _table(["item", "by", "at", "why"], rows, "ignored-attestations")]
    if doc.expiring_soon:
        rows = [[esc(e.when), esc(e.what), "EXPIRED" if e.expired else ""] for e in doc.expiring_soon]
        parts += ["<h2>Expiring soon</h2>", _table(["when", "what", ""], rows, "expiring")]
    if view.passed:
        rows = [[esc(c), f"{ok} of {run}", esc(results)] for c, ok, run, results in view.passed]
        parts += ["<h2>Passed</h2>", _table(["category", "items passed", "results passed"], rows, "passed")]
    if view.not_applicable:
        folded = "; ".join(f"{esc(why)}: {esc(', '.join(ids))}" for why, ids in folded_not_applicable(view))
        parts.append(f'<p id="not-applicable">Not applicable ({len(view.not_applicable)}): {folded}</p>')
    if view.metrics:
        rows = [[esc(i.id), esc(s), esc(", ".join(f"{k} {v}" for k, v in m.items()))] for i, s, m in view.metrics]
        parts += ["<h2>Metrics</h2>", _table(["item", "subject", "metrics"], rows, "metrics")]
    rows = [[esc(i.id), esc(r.subject), esc(LABEL[r.status]), esc(r.message)] for i in doc.items for r in i.results]
    if rows:
        parts.append(f"<h2>Details</h2><details><summary>Every result ({len(rows)})</summary>"
                     + _table(["item", "subject", "status", "message"], rows, "tests") + "</details>")
    if view.fixes:
        parts.append('<h2>How to fix</h2><div id="fixes">')
        for item in view.fixes:
            assert item.remediation is not None
            snippets = "".join(f"<p>{esc(kind)}:</p><pre>{esc(text)}</pre>"
                               for kind, text in item.remediation.snippets.items())
            refs = " · ".join(f'<a href="{esc(u)}">{esc(u)}</a>' for u in item.remediation.references)
            parts.append(f'<h3 id="fix-{esc(item.id)}">{esc(item.id)}</h3><p class="fix">{esc(item.remediation.fix)}'
                         f"</p>{snippets}<p>{refs}</p>")
        parts.append("</div>")
    return parts
