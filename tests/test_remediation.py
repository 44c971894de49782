"""Every automated checklist item says how to fix it: a walk over the whole catalog.

A failing result is only useful to a release manager with its fix next to it: the catalog's
``remediation`` (a short fix, references, server snippets) is what signoff.md and the HTML index
show. Items added later must carry one too; this test is what makes that so.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from golive.catalog import load_catalog

AUTOMATED = [item for item in load_catalog().values() if item.mode == "automated"]
SERVER_CONFIG = ("headers", "tls", "http")
"""Categories whose fix is a web server or proxy setting: they carry an nginx snippet at least."""


def test_the_walk_covers_the_catalog() -> None:
    assert len(AUTOMATED) >= 60


@pytest.mark.parametrize("item", AUTOMATED, ids=[i.id for i in AUTOMATED])
def test_every_automated_item_has_a_remediation(item) -> None:
    fix = item.remediation
    assert fix is not None, f"{item.id}: add a remediation block (fix, references, snippets) to its catalog entry"
    assert len(fix.fix) >= 40 and fix.fix[0].isupper(), f"{item.id}: the fix is a sentence saying what to change"
    assert fix.references, f"{item.id}: at least one reference (MDN, Mozilla SSL Configuration Generator, OWASP...)"
    for url in fix.references:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc, f"{item.id}: reference {url!r} is not an https URL"
    for kind, snippet in fix.snippets.items():
        assert kind.isidentifier() and snippet.strip(), f"{item.id}: snippet {kind!r} is empty"
    if item.category in SERVER_CONFIG:
        assert "nginx" in fix.snippets, f"{item.id}: header/TLS/HTTP fixes carry an nginx snippet at least"
