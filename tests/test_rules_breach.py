"""http.breach and the redirect policy as pure rules: table-driven over real response shapes."""

from __future__ import annotations

import pytest

from golive.rules.breach import Page, breach, secret_tokens
from golive.rules.http import Hop, https_redirect, no_plain_http

HOST = "www.golive.test"
URL = f"https://{HOST}/"
FORM = (
    b'<html><body><form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="%s"></form></body></html>'
)
TOKEN = b"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"


def page(body: bytes, encoding: str | None = "gzip", url: str = URL) -> Page:
    headers = [("Content-Type", "text/html")] + ([("Content-Encoding", encoding)] if encoding else [])
    return Page(url, 200, headers, body)


@pytest.mark.parametrize(
    ("first", "second", "kind", "fragments"),
    [
        (
            page(FORM % TOKEN),
            page(FORM % TOKEN),
            "advisory",
            ["compressed (gzip)", "input 'csrfmiddlewaretoken'", "stays the same"],
        ),
        (page(FORM % TOKEN, "br"), page(FORM % TOKEN, "br"), "advisory", ["compressed (br)"]),
        (
            page(FORM % TOKEN),
            page(FORM % b"cXV4YmF6Zm9vYmFyOTg3NjU0MzIx"),
            "pass",
            ["changes on every response (masked"],
        ),
        (page(FORM % TOKEN, None), None, "pass", ["is not compressed"]),
        (page(b"<html><body>hello</body></html>"), None, "pass", ["carries no secret-looking token"]),
        (page(FORM % TOKEN, url=f"http://{HOST}/"), None, "not_applicable", ["plain HTTP"]),
    ],
)
def test_breach(first: Page, second: Page | None, kind: str, fragments: list[str]) -> None:
    verdict = breach(first, second)
    assert verdict.kind == kind, verdict.message
    for fragment in fragments:
        assert fragment in verdict.message, verdict.message
    assert TOKEN.decode() not in verdict.message  # the secret itself never leaves the rule


def test_secret_tokens_in_meta_and_inline_json() -> None:
    rails = b'<head><meta name="csrf-token" content="AbCdEfGhIjKlMnOpQrStUv0123=="></head>'
    assert list(secret_tokens(rails)) == ["meta 'csrf-token'"]
    spa = b'<script>window.__STATE__ = {"apiToken": "sk_live_0123456789abcdefXYZ"};</script>'
    assert list(secret_tokens(spa)) == ["value 'apiToken'"]
    assert secret_tokens(b'<input type="hidden" name="page" value="2">') == {}
    assert secret_tokens(b'<input type="hidden" name="csrf" value="short">') == {}


def test_no_plain_http_listener_is_not_applicable_with_the_reason() -> None:
    verdict = no_plain_http(f"http://{HOST}", "connection refused")
    assert verdict.kind == "not_applicable" and verdict.passed
    assert "nothing listens on plain HTTP at http://www.golive.test (connection refused)" in verdict.message


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_is_a_documented_setting(status: int) -> None:
    hops = [Hop(f"http://{HOST}/", status, f"https://{HOST}/")]
    strict = https_redirect(hops, HOST)
    assert not strict.passed and f"temporary {status}" in strict.message
    assert "checks.headers.allow_temporary_redirect" in strict.message and "stripped" in strict.message
    relaxed = https_redirect(hops, HOST, allow_temporary=True)
    assert relaxed.passed and "accepted by checks.headers.allow_temporary_redirect" in relaxed.message
    assert not https_redirect([Hop(f"http://{HOST}/", status, f"http://{HOST}/x")], HOST, True).passed
