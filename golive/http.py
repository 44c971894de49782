"""HTTP observations of targets, fetched once per (target, base, method, path, variant) per session.

Twelve header checks of one URL cost one request: checks ask ``HttpFetcher.fetch`` and get the
cached ``Observed`` response. ``resolve`` is honoured by connecting to the given address while
SNI, ``Host`` and certificate verification keep the target's hostname (blue-green before cutover).
A target that cannot be reached costs one timeout: the connection error is remembered for the
target and every later fetch of it fails at once with the same reason.
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

from golive.profile import Target

BODY_LIMIT = 256 * 1024
"""Bytes of a body kept in an observation: enough for error pages and JSON, bounded for memory."""


class FetchError(Exception):
    """A request that produced no response: names the target, the URL and why."""

    def __init__(self, subject: str, url: str, reason: str, unreachable: bool = True) -> None:
        self.subject = subject
        self.url = url
        self.reason = reason
        self.unreachable = unreachable
        super().__init__(f"{subject}: {url} unreachable: {reason}" if unreachable else f"{subject}: {url}: {reason}")


@dataclass(frozen=True)
class Observed:
    """One HTTP response as observed: status, raw header pairs (order and duplicates kept), body."""

    url: str
    method: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed: float
    http_version: str = "HTTP/1.1"
    tls_verified: bool = True
    tls_error: str | None = None
    truncated: bool = False
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def header(self, name: str) -> str | None:
        """The header's value; several occurrences joined with ", " (RFC 9110 list semantics)."""
        values = self.header_all(name)
        return ", ".join(values) if values else None

    def header_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [v for k, v in self.headers if k.lower() == lower]

    @cached_property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, or raises ValueError."""
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


def ssl_context(ca_bundle: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """The system trust store plus the target's extra CA bundle (or no verification at all)."""
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context()
    if ca_bundle:
        ctx.load_verify_locations(cafile=str(ca_bundle))
    return ctx


def connect_url(url: str, resolve: str | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """URL to connect to, extra headers and request extensions for ``resolve``.

    With ``resolve`` the request goes to the address, with ``Host`` and the TLS SNI name set to the
    URL's hostname, so the server and the certificate check see the real name.
    """
    if not resolve:
        return url, {}, {}
    parts = urlsplit(url)
    host = parts.hostname or ""
    address = f"[{resolve}]" if ":" in resolve else resolve
    netloc = f"{address}:{parts.port}" if parts.port else address
    host_header = f"{host}:{parts.port}" if parts.port else host
    extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url, {"Host": host_header}, extensions


def join_url(base: str, path: str) -> str:
    """``base`` + ``path`` where path may carry a query; absolute URLs are returned as they are."""
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


class HttpFetcher:
    """Session-wide HTTP access to the profile's targets, with a response cache."""

    def __init__(self, default_timeout: float = 10.0, user_agent: str = "golive") -> None:
        self.default_timeout = default_timeout
        self.user_agent = user_agent
        self._clients: dict[tuple[str, bool], httpx.Client] = {}
        self._contexts: dict[tuple[str | None, bool], ssl.SSLContext] = {}
        """One TLS context per trust setting: loading the system store costs ~2 ms per context."""
        self._cache: dict[tuple[Any, ...], Observed | FetchError] = {}
        self._down: dict[tuple[str, str], FetchError] = {}
        self.requests_sent = 0

    def timeout_for(self, target: Target) -> float:
        return target.timeout or self.default_timeout

    def _client(self, target: Target, verify: bool) -> httpx.Client:
        import httpx  # lazily: plugin start-up stays light
        key = (target.name, verify)
        if key not in self._clients:
            ca = str(target.ca_bundle) if target.ca_bundle else None
            if (ca, verify) not in self._contexts:
                self._contexts[(ca, verify)] = ssl_context(ca, verify)
            self._clients[key] = httpx.Client(
                verify=self._contexts[(ca, verify)], follow_redirects=False, timeout=self.timeout_for(target),
                headers={"User-Agent": self.user_agent}, trust_env=False, cookies=_no_cookies(),
            )
        return self._clients[key]

    def fetch(self, target: Target, path: str = "/", *, method: str = "GET", base: str = "url",
              headers: dict[str, str] | None = None, body: bytes | None = None, json_body: Any = None,
              variant: str = "", cached: bool = True, verify: bool = True) -> Observed:
        """The response of ``target`` to one request; cached unless ``cached=False``.

        ``base`` is ``url`` or ``http_url``; ``variant`` names a request variant (e.g. ``cors``) so
        that different header sets are cached apart. Raises ``FetchError`` when no response came.
        """
        base_url = getattr(target, base)
        if not base_url:
            raise FetchError(target.name, "(none)", f"the target has no {base} in the profile", unreachable=False)
        url = join_url(base_url, path)
        key = (target.name, base, method, path, variant, verify,
               tuple(sorted((headers or {}).items())), body, json.dumps(json_body, sort_keys=True, default=str))
        if cached and key in self._cache:
            hit = self._cache[key]
            if isinstance(hit, FetchError):
                raise hit
            return hit
        down = self._down.get((target.name, base))
        if down is not None:
            raise FetchError(target.name, url, f"{down.reason} (target already found unreachable this run)")
        try:
            result: Observed | FetchError = self._send(target, url, method, headers, body, json_body, verify)
        except FetchError as exc:
            result = exc
        if cached:
            self._cache[key] = result
        if isinstance(result, FetchError):
            raise result
        return result

    def _send(self, target: Target, url: str, method: str, headers: dict[str, str] | None,
              body: bytes | None, json_body: Any, verify: bool) -> Observed:
        import httpx  # lazily: plugin start-up stays light
        real_url, extra_headers, extensions = connect_url(url, target.resolve)
        all_headers = {**extra_headers, **(headers or {})}
        base_key = "http_url" if url.startswith("http:") and target.http_url and url.startswith(target.http_url) \
            else "url"
        tls_error: str | None = None
        start = time.perf_counter()
        try:
            response = self._request(target, verify, method, real_url, all_headers, body, json_body, extensions)
        except httpx.ConnectError as exc:
            cause = _ssl_cause(exc)
            if verify and cause is not None and real_url.startswith("https"):
                # The certificate is judged by the tls.* checks; the header checks still get a response.
                tls_error = cause
                start = time.perf_counter()
                try:
                    response = self._request(target, False, method, real_url, all_headers, body, json_body,
                                             extensions)
                except httpx.HTTPError as again:
                    raise self._unreachable(target, url, base_key, again) from None
            else:
                raise self._unreachable(target, url, base_key, exc) from None
        except httpx.TimeoutException as exc:
            raise self._unreachable(target, url, base_key, exc) from None
        except httpx.HTTPError as exc:
            raise FetchError(target.name, url, f"{type(exc).__name__}: {exc}", unreachable=False) from None
        elapsed = time.perf_counter() - start
        return Observed(
            url=url, method=method, status=response.status_code,
            headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw),
            body=response.content[:BODY_LIMIT], elapsed=elapsed, http_version=response.http_version,
            tls_verified=tls_error is None, tls_error=tls_error, truncated=len(response.content) > BODY_LIMIT,
        )

    def _request(self, target: Target, verify: bool, method: str, url: str, headers: dict[str, str],
                 body: bytes | None, json_body: Any, extensions: dict[str, Any]) -> httpx.Response:
        self.requests_sent += 1
        client = self._client(target, verify)
        request = client.build_request(method, url, headers=headers, content=body, json=json_body,
                                       extensions=extensions)
        return client.send(request)

    def _unreachable(self, target: Target, url: str, base: str, exc: Exception) -> FetchError:
        reason = _describe(exc, self.timeout_for(target))
        error = FetchError(target.name, url, reason)
        self._down[(target.name, base)] = error
        return error

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def _no_cookies() -> Any:
    """A cookie jar that keeps nothing: every request is observed as a first visit, whatever ran
    before (a session cookie stored by one check would hide the Set-Cookie another check judges)."""
    import http.cookiejar

    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def _ssl_cause(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or str(seen)
        if isinstance(seen, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _describe(exc: Exception, timeout: float) -> str:
    import httpx  # lazily: plugin start-up stays light
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within the {timeout:g}s timeout ({type(exc).__name__})"
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text
