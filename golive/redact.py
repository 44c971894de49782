"""Redaction in one place: every attachment, assertion message and log line goes through here.

What is masked: values the profile took from the environment (``${VAR}``) or lists under
``secrets``; passwords inside DSNs and URLs (``postgresql://user:pw@host``, ``password=pw``);
Authorization / Cookie / Set-Cookie / API-key header values; bearer tokens; ``key=value`` pairs
whose key looks secret (password, token, secret, api_key...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
    "x-auth-token", "x-access-token", "x-csrf-token", "x-hook-key",
})
# "auth" alone is not a secret key (auth-service, oauth-callback); auth_token / auth-key are.
_SECRET_KEY = (r"(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
               r"auth[_-]?(?:token|key)|credentials?)")
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")
_KV_SECRET = re.compile(
    rf"(?i)(?P<key>\b[\w-]*{_SECRET_KEY}[\w-]*)(?P<sep>\s*[=:]\s*)(?P<q>['\"]?)(?P<val>[^\s'\",;&]+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}")
_SECRET_HEADER_LINE = re.compile(
    r"(?im)^(?P<name>(?:" + "|".join(re.escape(h) for h in SECRET_HEADERS) + r"))(?P<sep>\s*:\s*)(?P<val>.+)$"
)


class Redactor:
    """Masks the secrets of one run. Cheap to call; build once per session."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so that a secret containing another is masked whole. Very short values
        # (1-3 chars) would mask ordinary text everywhere; they are not treated as secrets.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def with_secrets(self, more: Iterable[str]) -> Redactor:
        return Redactor([*self._secrets, *more])

    def text(self, value: str) -> str:
        """A string with every known secret and secret-looking value masked."""
        if not value:
            return value
        out = value
        for secret in self._secrets:
            out = out.replace(secret, MASK)
        out = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", out)
        out = _SECRET_HEADER_LINE.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", out)
        out = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", out)
        out = _KV_SECRET.sub(lambda m: f"{m['key']}{m['sep']}{m['q']}{MASK}", out)
        return out

    def headers(self, headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
        """Header pairs with secret header values masked (cookie names kept, values hidden)."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        out: list[tuple[str, str]] = []
        for name, value in pairs:
            lower = name.lower()
            if lower == "set-cookie":
                out.append((name, mask_set_cookie(value)))
            elif lower in SECRET_HEADERS:
                out.append((name, MASK))
            else:
                out.append((name, self.text(value)))
        return out

    def data(self, value: Any, key: str = "") -> Any:
        """Structured data (dicts/lists from JSON) with secrets masked, keys kept."""
        if isinstance(value, Mapping):
            return {k: self.data(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v, key) for v in value]
        if isinstance(value, str):
            if key and re.fullmatch(rf"(?i)[\w-]*{_SECRET_KEY}[\w-]*", key) and value:
                return MASK
            if key.lower() in SECRET_HEADERS:
                return MASK
            if key.lower() == "dsn":
                return self.text(value)
            return self.text(value)
        return value


def mask_set_cookie(value: str) -> str:
    """``sid=abc; Secure; HttpOnly`` → ``sid=***; Secure; HttpOnly``: attributes stay visible."""
    first, _, rest = value.partition(";")
    name, _, _ = first.partition("=")
    return f"{name.strip()}={MASK}" + (f";{rest}" if rest else "")


DEFAULT = Redactor()
"""A redactor without profile secrets, for code that runs before a profile is loaded."""
