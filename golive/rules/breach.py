"""BREACH exposure of an HTTPS page (pure): HTTP compression of a response that carries a secret.

BREACH (2013) recovers a secret from a compressed HTTPS response byte by byte when an attacker can
make the victim's browser repeat requests that reflect attacker-chosen text next to the secret, and
can watch the response sizes. Three things must hold; golive observes two of them on the judged
page: the response is compressed (``Content-Encoding``) and it carries a secret-looking token (a
hidden CSRF input, a ``csrf-token`` meta element, a token in inline JSON). It then fetches the page
a second time: a token that changes on every response (masked per request, as Django and Rails do)
cannot be recovered, so it is not a finding. The third condition (reflected input) is not probed,
hence an advisory finding, never a failure. Token values never leave this module.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from golive.verdict import Verdict, advisory, not_applicable, ok

COMPRESSIONS = ("gzip", "br", "deflate", "zstd", "compress")
SECRET_NAME = re.compile(r"csrf|xsrf|token|authenticity|nonce|secret|api[_-]?key|session|state", re.IGNORECASE)
SECRET_VALUE = re.compile(r"[A-Za-z0-9+/=_.:-]{16,}")
_JSON_SECRET = re.compile(
    r"""["']?(?P<name>[A-Za-z0-9_-]*(?:csrf|xsrf|token|secret|api[_-]?key)[A-Za-z0-9_-]*)["']?\s*[:=]\s*"""
    r"""["'](?P<value>[A-Za-z0-9+/=_.:-]{16,})["']""",
    re.IGNORECASE,
)
SCAN_BYTES = 262144


@dataclass(frozen=True)
class Page:
    """The judged response: its URL, raw header pairs and (decoded) body."""

    url: str
    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return ", ".join(v for k, v in self.headers if k.lower() == name.lower())


class _TokenParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "input" and values.get("type", "").lower() == "hidden":
            name, value = values.get("name", ""), values.get("value", "")
        elif tag == "meta":
            name, value = values.get("name", ""), values.get("content", "")
        else:
            return
        if SECRET_NAME.search(name) and SECRET_VALUE.fullmatch(value):
            self.found.setdefault(f"{tag} '{name}'", value)


def secret_tokens(body: bytes) -> dict[str, str]:
    """Secret-looking tokens of a body: ``{where: value}`` (hidden inputs, meta, inline JSON/JS)."""
    text = body[:SCAN_BYTES].decode("utf-8", errors="replace")
    parser = _TokenParser()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):
        pass
    found = dict(parser.found)
    for match in _JSON_SECRET.finditer(text):
        found.setdefault(f"value '{match.group('name')}'", match.group("value"))
    return found


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def compression_of(page: Page) -> str | None:
    """The compression the response was sent with (``gzip``, ``br``...), or None."""
    encodings = [e.strip().lower() for e in page.header("Content-Encoding").split(",") if e.strip()]
    used = [e for e in encodings if e in COMPRESSIONS]
    return ", ".join(used) if used else None


def breach(first: Page, second: Page | None = None) -> Verdict:
    """http.breach: a compressed HTTPS response carrying a secret that stays the same across responses."""
    name = "http-breach"
    expected = "no compression on responses that carry secrets, or secrets masked per response"
    if not first.url.startswith("https://"):
        return not_applicable(name, f"{first.url} is plain HTTP: BREACH attacks TLS-protected responses")
    compression = compression_of(first)
    if compression is None:
        return ok(
            name,
            f"{first.url} is not compressed (no Content-Encoding although the request offered gzip, deflate, "
            "br): BREACH needs compression",
            observed="no Content-Encoding",
            expected=expected,
        )
    tokens = secret_tokens(first.body)
    if not tokens:
        return ok(
            name,
            f"{first.url} is compressed ({compression}) but carries no secret-looking token (hidden CSRF input, "
            "csrf meta element, token in inline JSON)",
            observed=f"Content-Encoding: {compression}",
            expected=expected,
        )
    again = secret_tokens(second.body) if second is not None else {}
    stable = sorted(
        where for where, value in tokens.items() if where in again and _digest(again[where]) == _digest(value)
    )
    masked = sorted(where for where in tokens if where in again and where not in stable)
    if again and not stable:
        return ok(
            name,
            f"{first.url} is compressed ({compression}) and carries {', '.join(masked)}, which changes on every "
            "response (masked per request): BREACH cannot recover it",
            observed=f"Content-Encoding: {compression}; {len(masked)} masked token(s)",
            expected=expected,
        )
    shown = stable or sorted(tokens)
    return advisory(
        name,
        f"{first.url} is compressed ({compression}) and carries a secret-looking token that "
        f"{'stays the same across responses' if stable else 'was seen once'} ({', '.join(shown)}): if the page "
        "also reflects request input, an attacker who sees the traffic sizes can recover it byte by byte "
        "(BREACH); mask the token per response, or turn compression off for pages that carry secrets",
        observed=f"Content-Encoding: {compression}; {', '.join(shown)}",
        expected=expected,
        tokens=shown,
    )
