"""Redaction in one place: every attachment, assertion message, test id, log line and file golive
writes goes through here.

Two ways a value is recognised as secret, and nothing else:

- **By value**: the literal values the profile knows are secret (every ``${VAR}`` value, the
  ``secrets:`` list), in every form they travel in: plain, URL-encoded, JSON-escaped, HTML-escaped,
  made id-safe, and base64 (standard and URL-safe, at any byte alignment inside a larger blob, as in
  ``Basic dXNlcjpzM2NyZXQ=``). A secret cut short by a truncation (``abcd1234…``) is masked too.
- **By key, on word boundaries**: ``password``, ``db_password``, ``PGPASSWORD``, ``auth_token``,
  ``api_key``, ``client_secret``... — the key's last word decides, so ``password_encryption``,
  ``token_count``, ``passed``, ``passive``, ``authors``, ``keyboard`` and ``secretary`` are ordinary
  words and stay readable (the evidence is not eaten by its own redaction). Plus the shapes that are
  secret whatever their key: a URL's or DSN's password (``postgresql://app:pw@db``), Authorization /
  Cookie / API-key header values, ``Bearer``/``Basic`` credentials.

The rule for shortening: redact first, then cut (``Redactor.shorten``); cutting first would leave a
secret's prefix that the literal match no longer sees.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
ELLIPSIS = "…"

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
    "x-auth-token", "x-access-token", "x-csrf-token", "x-hook-key",
})

# --------------------------------------------------------------------------- keys

_HEAD_WORDS = frozenset({
    "password", "passwd", "passphrase", "pass", "pwd", "secret", "secrets", "token", "credential",
    "credentials", "apikey", "privatekey", "secretkey", "accesskey", "sessionid", "sid", "jsessionid",
    "phpsessid", "requirepass", "masterauth", "cookie", "signature", "bearer",
})
"""A key whose last word is one of these is secret (``db_password``, ``auth_token``)."""
_FUSED_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey")
"""...or whose last word ends with one of these (``PGPASSWORD``, ``csrftoken``; not ``secretary``)."""
_KEY_QUALIFIERS = frozenset({
    "api", "secret", "access", "private", "signing", "encryption", "master", "auth", "hook", "license",
    "client", "ssh", "session", "app", "service", "webhook",
})
"""``<qualifier>_key`` is secret (``api_key``, ``private_key``); ``key`` alone or ``sort_key`` is not."""
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def key_words(key: str) -> list[str]:
    """``dbPassword`` / ``DB_PASSWORD`` / ``x-auth-token`` → its lower-case words."""
    return [w for w in _WORD_SPLIT.split(_CAMEL.sub(r"\1_\2", key).lower()) if w]


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a value under this key is a secret, decided by the key's last word."""
    words = key_words(key)
    if not words:
        return False
    head = words[-1]
    if head in _HEAD_WORDS or head.endswith(_FUSED_ENDINGS):
        return True
    if len(words) >= 2 and ((head == "key" and words[-2] in _KEY_QUALIFIERS)
                            or (head == "id" and words[-2] == "session")):
        return True
    return key.lower() in SECRET_HEADERS


# --------------------------------------------------------------------------- text patterns

_URL_USERINFO = re.compile(r"://(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")
_STEMS = re.compile(rb"pass|pwd|secret|token|key|credential|sid|sess|cookie|signature|bearer|auth")
"""Lower-case stems a secret key contains; the key around a hit is then judged by ``is_secret_key``."""
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_AFTER_KEY = re.compile(
    r"(?P<kq>[\"']?)(?P<sep>[ \t]*[=:][ \t]*)"
    r"(?:(?P<q>[\"'])(?P<qval>[^\"'\n]*)(?P=q)|(?P<val>[^\s'\",;&)}\]]+))"
)
_CREDENTIAL = re.compile(
    r"(?P<scheme>\b(?i:bearer|basic|digest))(?P<sp>\s+)"
    r"(?P<val>(?=[A-Za-z0-9._~+/=-]*[0-9A-Z._~+/=])[A-Za-z0-9._~+/=-]{8,})")
"""``Bearer <token>`` / ``Basic <base64>``: the credential has a digit, a capital or a symbol (so that
"basic authentication" or "bearer token required" stay words)."""
_SECRET_HEADER_LINE = re.compile(
    r"(?im)^(?P<pre>[ \t\"'-]*)(?P<name>(?:" + "|".join(re.escape(h) for h in SECRET_HEADERS)
    + r"))(?P<sep>[\"']?[ \t]*:[ \t]*)(?P<val>.+)$"
)

FRAGMENT_MIN = 6
"""A secret's prefix at least this long, cut off by a truncation, is masked too."""
_CUT_MARKERS = re.compile(r"…|\.\.\.")


class Redactor:
    """Masks the secrets of one run. Cheap to call; build once per session."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Very short values (1-3 chars) would mask ordinary text everywhere; they are not secrets.
        self._secrets = sorted({s for s in secrets if isinstance(s, str) and len(s) >= 4}, key=len, reverse=True)
        # Longest first, so that a secret containing another is masked whole.
        self._forms = sorted({f for s in self._secrets for f in _forms(s)}, key=len, reverse=True)
        self._long = [s for s in self._secrets if len(s) >= FRAGMENT_MIN + 2]
        # every fragment of a long secret holds its first or its last FRAGMENT_MIN characters
        self._anchors = {a for s in self._long for a in (s[:FRAGMENT_MIN], s[-FRAGMENT_MIN:])}

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self._secrets)

    def with_secrets(self, more: Iterable[str]) -> Redactor:
        return Redactor([*self._secrets, *more])

    def text(self, value: str) -> str:
        """A string with every known secret and secret-looking value masked."""
        if not value:
            return value
        out = value
        for form in self._forms:  # str.replace per form: far faster than one big alternation
            if form in out:
                out = out.replace(form, MASK)
        if self._anchors and any(anchor in out for anchor in self._anchors):
            out = self._fragments(out)
        if "://" in out:
            out = _URL_USERINFO.sub(lambda m: f"://{m['user']}:{MASK}@", out)
        if ":" in out:
            out = _SECRET_HEADER_LINE.sub(lambda m: f"{m['pre']}{m['name']}{m['sep']}{MASK}", out)
        low = _ascii_lower(out)
        if b"bearer" in low or b"basic" in low or b"digest" in low:
            masked = _mask_credentials(out, low)
            if masked != out:
                out, low = masked, _ascii_lower(masked)
        if "=" in out or ":" in out:
            out = _mask_keys(out, low)
        return out

    def shorten(self, value: str, limit: int) -> str:
        """Redact, then cut to ``limit`` characters (never the other way round)."""
        text = self.text(value)
        return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS

    def _fragments(self, text: str) -> str:
        """Mask a secret's prefix that ends where the text was cut (``…``, ``...``, end of text),
        and its suffix right after a leading cut."""
        spans: list[tuple[int, int]] = []
        markers = [(m.start(), m.end()) for m in _CUT_MARKERS.finditer(text)] + [(len(text), len(text))]
        for end, after in markers:
            tail = text[max(0, end - FRAGMENT_MIN):end]
            for secret in self._long:
                if len(tail) < FRAGMENT_MIN or tail not in secret:
                    continue
                for size in range(min(len(secret) - 1, end), FRAGMENT_MIN - 1, -1):
                    if text.startswith(secret[:size], end - size):
                        spans.append((end - size, end))
                        break
            if after > end and after < len(text):
                start = after
                head = text[start:start + FRAGMENT_MIN]
                for secret in self._long:
                    if len(head) < FRAGMENT_MIN or head not in secret:
                        continue
                    for size in range(min(len(secret) - 1, len(text) - start), FRAGMENT_MIN - 1, -1):
                        if text.startswith(secret[-size:], start):
                            spans.append((start, start + size))
                            break
        if not spans:
            return text
        out, last = [], 0
        for start, end in sorted(spans):
            if start < last:
                start = last
            if start >= end:
                continue
            out.append(text[last:start])
            out.append(MASK)
            last = end
        out.append(text[last:])
        return "".join(out)

    def headers(self, headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
        """Header pairs with secret header values masked (cookie names kept, values hidden)."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        out: list[tuple[str, str]] = []
        for name, value in pairs:
            lower = name.lower()
            if lower == "set-cookie":
                out.append((name, mask_set_cookie(value)))
            elif lower in SECRET_HEADERS or is_secret_key(name):
                out.append((name, MASK))
            else:
                out.append((name, self.text(value)))
        return out

    def data(self, value: Any, key: str = "") -> Any:
        """Structured data (dicts/lists from JSON) with secrets masked, keys kept (and redacted when
        a key itself carries a secret)."""
        if isinstance(value, Mapping):
            return {(self.text(k) if isinstance(k, str) else k): self.data(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v, key) for v in value]
        if isinstance(value, str):
            if value and key and is_secret_key(key):
                return MASK
            return self.text(value)
        return value

    def file(self, path: Path) -> bool:
        """Redact a text file golive wrote, in place; True when it changed. Binary files are left."""
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        redacted = self.text(text)
        if redacted == text:
            return False
        path.write_text(redacted, encoding="utf-8")
        return True

    def tree(self, directory: Path) -> list[Path]:
        """Redact every text file under ``directory`` in place (load outputs, logs); the files changed."""
        changed: list[Path] = []
        if not directory.is_dir():
            return changed
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.is_symlink() and self.file(path):
                changed.append(path)
        return changed

    def install_logging(self) -> Callable[[], None]:
        """Redact every log record of this process as it is created (captured logs, ``--log-level``
        output, allure's log attachments); returns the function that undoes it."""
        previous = logging.getLogRecordFactory()
        redactor = self

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record, redactor)
            return record

        logging.setLogRecordFactory(factory)

        def restore() -> None:
            if logging.getLogRecordFactory() is factory:
                logging.setLogRecordFactory(previous)

        return restore


def _redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: leave it to logging's own error handling
        return
    record.msg, record.args = redactor.text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redactor.text(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redactor.text(record.stack_info)


def _ascii_lower(text: str) -> bytes:
    """Lower-cased ASCII bytes with one byte per character (indices match ``text``)."""
    return text.encode("ascii", "replace").lower()


_SCHEMES = re.compile(rb"bearer|basic|digest")


def _mask_credentials(text: str, low: bytes) -> str:
    """``Bearer``/``Basic``/``Digest`` credentials masked; the pattern is tried only where a scheme
    word starts (a case-insensitive scan of the whole text costs ten times more)."""
    out, last = [], 0
    for hit in _SCHEMES.finditer(low):
        start = hit.start()
        if start < last or (start and text[start - 1].isalnum()):
            continue
        match = _CREDENTIAL.match(text, start)
        if match is None:
            continue
        out += [text[last:match.start("val")], MASK]
        last = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _mask_keys(text: str, low: bytes) -> str:
    """Mask the value after every ``key=value`` / ``key: value`` / ``"key": "value"`` whose key is
    secret (``is_secret_key``). Driven by the stems found in the text, so ordinary text costs one scan."""
    spans: list[tuple[int, int, str]] = []
    size, covered = len(text), 0
    for hit in _STEMS.finditer(low):
        if hit.start() < covered:
            continue
        start, end = hit.start(), hit.end()
        while start > 0 and text[start - 1] in _KEY_CHARS:
            start -= 1
        while end < size and text[end] in _KEY_CHARS:
            end += 1
        covered = end
        after = _AFTER_KEY.match(text, end)
        if after is None or not is_secret_key(text[start:end]):
            continue
        if after["q"]:
            value_start, value_end = after.start("qval"), after.end("qval")
        else:
            value_start, value_end = after.start("val"), after.end("val")
        if value_end > value_start and text[value_start:value_end] != MASK:
            spans.append((value_start, value_end, MASK))
            covered = value_end
    if not spans:
        return text
    out, last = [], 0
    for start, end, mask in spans:
        out += [text[last:start], mask]
        last = end
    out.append(text[last:])
    return "".join(out)


def _forms(secret: str) -> set[str]:
    """The spellings a secret travels in: plain, URL-encoded, JSON/HTML-escaped, id-safe, base64."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), html.escape(secret),
             json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    idsafe = re.sub(r"[^A-Za-z0-9_.-]+", "-", secret).strip("-")
    if len(idsafe) >= FRAGMENT_MIN + 2:
        forms.add(idsafe)
    if len(secret) >= FRAGMENT_MIN:
        forms |= base64_cores(secret.encode("utf-8"))
    return {f for f in forms if len(f) >= 4}


def base64_cores(secret: bytes) -> set[str]:
    """The base64 characters that encode only the secret's bits, at each of the three byte
    alignments it can have inside a larger blob (standard and URL-safe alphabets)."""
    cores: set[str] = set()
    n = len(secret)
    for offset in range(3):
        blob = b"\0" * offset + secret
        start, end = math.ceil(8 * offset / 6), (8 * (offset + n)) // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(blob).decode("ascii")[start:end]
            if len(core) >= FRAGMENT_MIN:
                cores.add(core)
    return cores


def mask_set_cookie(value: str) -> str:
    """``sid=abc; Secure; HttpOnly`` → ``sid=***; Secure; HttpOnly``: attributes stay visible."""
    first, _, rest = value.partition(";")
    name, _, _ = first.partition("=")
    return f"{name.strip()}={MASK}" + (f";{rest}" if rest else "")


DEFAULT = Redactor()
"""A redactor without profile secrets, for code that runs before a profile is loaded."""
