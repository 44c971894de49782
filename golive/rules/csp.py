"""Content-Security-Policy as CSP Level 3 parses it, and what a policy lets scripts do (pure).

Browsers ignore what they cannot parse, so a rule that trusts a token the browser drops (a glued
``'nonce-x''unsafe-inline'``, a ``'sha1-…'`` hash) reports more than the policy enforces. This
module follows the spec's own algorithms:

- parsing (CSP3 §2.2.1): split on ``;``, skip non-ASCII tokens, directive names are ASCII
  case-insensitive, the *first* occurrence of a repeated directive wins, values are split on ASCII
  whitespace and keep their case (nonces and hashes are case-sensitive; keywords, schemes and hosts
  are not);
- source expressions (CSP3 §2.3.1 grammar): a token is a keyword, a nonce, a hash, a scheme or a
  host source, or it is invalid and ignored; ``'wasm-unsafe-eval'`` is its own keyword;
- a nonce or hash source (or ``'strict-dynamic'``) makes ``'unsafe-inline'`` inert (CSP3 §6.7.3.3
  "allow all inline"), and ``'strict-dynamic'`` also makes host and scheme sources inert (§8.2);
- a policy delivered in ``<meta http-equiv>`` cannot set ``frame-ancestors``, ``report-uri`` or
  ``sandbox`` (CSP3 §3.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

Delivery = Literal["header", "meta"]

KEYWORDS = frozenset(
    {
        "'self'",
        "'none'",
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'strict-dynamic'",
        "'unsafe-hashes'",
        "'report-sample'",
        "'unsafe-allow-redirects'",
        "'wasm-unsafe-eval'",
        "'inline-speculation-rules'",
        "'trusted-types-eval'",
        "'report-sha256'",
        "'report-sha384'",
        "'report-sha512'",
    }
)
"""CSP3 keyword-sources (plus the keywords browsers ship from the CSP3 editor's draft)."""

META_IGNORED = frozenset({"frame-ancestors", "report-uri", "sandbox"})
"""Directives a ``<meta>``-delivered policy cannot set (CSP3 §3.3)."""

_BASE64 = r"[A-Za-z0-9+/_-]+={0,2}"
_NONCE = re.compile(rf"'nonce-({_BASE64})'", re.IGNORECASE)
_HASH = re.compile(rf"'(sha256|sha384|sha512)-({_BASE64})'", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HOST = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
    r"(?P<host>\*|(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?)"
    r"(?::(?P<port>[0-9]+|\*))?"
    r"(?P<path>/[^;,\s]*)?"
)
_DIRECTIVE_NAME = re.compile(r"[a-z0-9-]+")

INSECURE_SCHEMES = frozenset({"http", "ftp", "ws"})
"""Schemes that carry script in clear text: a network attacker can rewrite it."""


@dataclass(frozen=True)
class Source:
    """One source expression as written, with its grammar kind (``invalid`` = ignored by browsers)."""

    text: str
    kind: Literal["keyword", "nonce", "hash", "scheme", "host", "invalid"]
    why: str = ""

    @property
    def norm(self) -> str:
        """Comparable form: keywords, schemes and hosts lower-cased; nonce/hash values kept."""
        if self.kind in ("keyword", "scheme"):
            return self.text.lower()
        if self.kind == "host":
            match = _HOST.fullmatch(self.text)
            if match is not None:
                start, end = match.span("path") if match.group("path") else (len(self.text), len(self.text))
                return self.text[:start].lower() + self.text[start:end]
        if self.kind in ("nonce", "hash"):
            head, _, value = self.text.partition("-")
            return head.lower() + "-" + value
        return self.text


def classify(token: str) -> Source:
    """A token of a directive value → its CSP3 source-expression kind."""
    lower = token.lower()
    if lower in KEYWORDS:
        return Source(token, "keyword")
    if _NONCE.fullmatch(token):
        return Source(token, "nonce")
    if _HASH.fullmatch(token):
        return Source(token, "hash")
    if token.startswith("'"):
        if token.count("'") > 2:
            why = "two sources glued without whitespace: one invalid token"
        elif lower.startswith(("'nonce-", "'sha")):
            why = "not a valid nonce/hash source (one quoted token, base64 value, sha256/384/512)"
        else:
            why = "not a CSP keyword"
        return Source(token, "invalid", why)
    if _SCHEME.fullmatch(token):
        return Source(token, "scheme")
    if _HOST.fullmatch(token):
        return Source(token, "host")
    return Source(token, "invalid", "not a source expression")


@dataclass(frozen=True)
class Policy:
    """One serialized policy: its directives (first occurrence wins) and what was ignored."""

    directives: dict[str, tuple[Source, ...]]
    delivery: Delivery = "header"
    ignored: tuple[str, ...] = ()

    def get(self, name: str) -> tuple[Source, ...] | None:
        return self.directives.get(name)

    def effective(self, name: str) -> tuple[str, tuple[Source, ...]] | None:
        """The directive that governs ``name`` here (itself, else ``default-src``), or None."""
        if name in self.directives:
            return name, self.directives[name]
        if "default-src" in self.directives and name.endswith("-src"):
            return "default-src", self.directives["default-src"]
        return None


def parse_policy(text: str, delivery: Delivery = "header") -> Policy:
    """CSP3 §2.2.1 "parse a serialized CSP", keeping a note of every token a browser ignores."""
    directives: dict[str, tuple[Source, ...]] = {}
    ignored: list[str] = []
    for raw in text.split(";"):
        token = raw.strip(" \t\n\f\r")
        if not token:
            continue
        if not token.isascii():
            ignored.append(f"directive {_cut(token)!r} ignored (not ASCII)")
            continue
        name, *values = token.split()
        name = name.lower()
        if not _DIRECTIVE_NAME.fullmatch(name):
            ignored.append(f"directive name {_cut(name)!r} ignored (not a directive name)")
            continue
        if name in directives:
            ignored.append(f"{name} repeated (the first one wins; this one is ignored)")
            continue
        if delivery == "meta" and name in META_IGNORED:
            ignored.append(f"{name} ignored in a <meta> policy (only a header can set it)")
            continue
        sources = tuple(classify(v) for v in values)
        for source in sources:
            if source.kind == "invalid":
                ignored.append(f"{name} source {_cut(source.text)!r} ignored ({source.why})")
        directives[name] = sources
    return Policy(directives, delivery, tuple(ignored))


def parse_policies(values: Iterable[str], delivery: Delivery = "header") -> list[Policy]:
    """Every policy of a header's values (a comma separates policies), empty ones dropped."""
    found = []
    for value in values:
        for one in value.split(","):
            policy = parse_policy(one, delivery)
            if policy.directives:
                found.append(policy)
    return found


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --------------------------------------------------------------------------- judging sources


@dataclass(frozen=True)
class Finding:
    """A source that lets a directive do more than it should, and why (for the message)."""

    source: str
    why: str
    score: int = -20

    @property
    def label(self) -> str:
        return f"{self.source} ({self.why})"


def _valid(sources: Sequence[Source]) -> list[Source]:
    return [s for s in sources if s.kind != "invalid"]


def is_none(sources: Sequence[Source]) -> bool:
    """An empty list or exactly ``'none'`` matches nothing (``'none'`` with others is ignored)."""
    valid = _valid(sources)
    return not valid or (len(valid) == 1 and valid[0].norm == "'none'")


def _broad_host(source: Source) -> str | None:
    match = _HOST.fullmatch(source.text)
    if match is None:
        return None
    scheme = (match.group("scheme") or "").lower()
    host = match.group("host").lower().rstrip(".")
    if scheme in INSECURE_SCHEMES:
        return f"insecure scheme {scheme}://: a network attacker can rewrite what it serves"
    if host == "*":
        return "wildcard host: any host may serve it"
    if host.startswith("*.") and "." not in host[2:]:
        return f"wildcard over the whole .{host[2:]} domain"
    return None


def _permissive(source: Source) -> str | None:
    """Why a scheme/host source allows too much for scripts and plugins, or None."""
    if source.kind == "scheme":
        scheme = source.norm.rstrip(":")
        if scheme in INSECURE_SCHEMES:
            return f"insecure scheme {scheme}: any host, in clear text"
        return f"bare scheme: any {scheme}: URL may be used"
    if source.kind == "host":
        return _broad_host(source)
    return None


def script_findings(sources: Sequence[Source]) -> list[Finding]:
    """What a script source list allows that it should not, with CSP3's neutralisations applied."""
    valid = _valid(sources)
    if is_none(valid):
        return []
    norms = {s.norm for s in valid}
    strict_dynamic = "'strict-dynamic'" in norms
    nonce_or_hash = any(s.kind in ("nonce", "hash") for s in valid)
    found: list[Finding] = []
    if "'unsafe-inline'" in norms and not nonce_or_hash and not strict_dynamic:
        found.append(Finding("'unsafe-inline'", "inline scripts and event handlers run", -20))
    if "'unsafe-eval'" in norms:
        found.append(Finding("'unsafe-eval'", "eval() and new Function() run", -10))
    if not strict_dynamic:  # 'strict-dynamic' makes host and scheme sources inert for scripts
        for source in valid:
            why = _permissive(source)
            if why:
                found.append(Finding(source.text, why, -20))
    return found


def object_findings(sources: Sequence[Source]) -> list[Finding]:
    """What an object-src list allows that it should not (plugins run script-like content)."""
    valid = _valid(sources)
    if is_none(valid):
        return []
    return [Finding(s.text, why, -10) for s in valid if (why := _permissive(s))]


# --------------------------------------------------------------------------- meta tags


@dataclass
class MetaPolicies:
    """``<meta>`` elements that deliver policies: CSP (``http-equiv``) and referrer policies."""

    csp: list[str] = field(default_factory=list)
    referrer: list[str] = field(default_factory=list)


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = MetaPolicies()
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        if tag != "meta" or self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        equiv = values.get("http-equiv", "").strip().lower()
        content = values.get("content")
        if content is None:
            return
        if equiv == "content-security-policy":
            self.found.csp.append(content)
        elif equiv == "referrer-policy" or values.get("name", "").strip().lower() == "referrer":
            self.found.referrer.append(content)


META_SCAN_BYTES = 65536
"""Bytes of a document searched for ``<meta>`` policies (they belong in ``<head>``)."""


def meta_policies(body: bytes, content_type: str = "text/html") -> MetaPolicies:
    """The ``<meta>`` policies of an HTML document (nothing for other content types)."""
    if "html" not in content_type.lower() or not body:
        return MetaPolicies()
    parser = _MetaParser()
    try:
        parser.feed(body[:META_SCAN_BYTES].decode("utf-8", errors="replace"))
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was found before it
        pass
    return parser.found
