"""HTTP observations of targets, fetched once per (target, base, method, path, variant) per session.

Twelve header checks of one URL cost one request: checks ask ``HttpFetcher.fetch`` and get the
cached ``Observed`` response. ``resolve`` is honoured by connecting to the given address while
SNI, ``Host`` and certificate verification keep the target's hostname (blue-green before cutover).
A target that cannot be reached costs one timeout: the connection error is remembered for the
endpoint (``golive.reach``) and every later fetch of it fails at once with the same reason. Every
request ends within the target's timeout in total (``golive.http_transport``), however slowly the
server answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

from golive import deadline as deadlines
from golive.deadline import Deadline
from golive.memo import SingleFlight
from golive.profile import Target
from golive.reach import Endpoint, Reachability

ALREADY_DOWN = "target already found unreachable this run"
"""Said by every request to an endpoint found down earlier in the run (it was not tried again)."""

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

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.subject, self.url, self.reason, self.unreachable))


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


_SHARED_CONTEXTS: SingleFlight[ssl.SSLContext] = SingleFlight()


def shared_ssl_context(ca_bundle: str | None, verify: bool = True) -> ssl.SSLContext:
    """``ssl_context``, built once per process for each trust setting and CA bundle.

    Loading the system store costs about 20 ms (OpenSSL parses every certificate of it), and every
    fetcher of a run (the session's, the error probes' fresh one, the waits of a cutover) paid it
    on its first request, on the checks' critical path. A bundle is known by its path, size and
    modification time, so one rewritten in place is read again; a bundle that cannot be read is
    not cached (``ssl_context`` raises as before). httpx sets the same ALPN list (HTTP/1.1) on a
    context for each connection, so golive's clients can share one.
    """
    if not ca_bundle:
        return _SHARED_CONTEXTS.get((None, verify), lambda: ssl_context(None, verify))
    try:
        stat = os.stat(ca_bundle)
    except OSError:
        return ssl_context(ca_bundle, verify)
    key = (ca_bundle, verify, stat.st_size, stat.st_mtime_ns)
    return _SHARED_CONTEXTS.get(key, lambda: ssl_context(ca_bundle, verify))


def warm_ssl_contexts(ca_bundles: Iterable[str | None]) -> threading.Thread:
    """Build the shared contexts of ``ca_bundles`` in a daemon thread, so that a run's first
    request finds them ready. OpenSSL reads and parses the files without the interpreter lock, so
    the run's collection goes on beside it (measured: no slower). Errors are left for the request
    that needs the context: it builds it again and reports them."""

    def build() -> None:
        for bundle in dict.fromkeys(ca_bundles):
            with contextlib.suppress(Exception):
                shared_ssl_context(bundle)

    thread = threading.Thread(target=build, name="golive-trust-stores", daemon=True)
    thread.start()
    return thread


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
    """Session-wide HTTP access to the profile's targets, with a response cache.

    Thread-safe: the observation phase (``golive.observe``) fetches for many targets at once while
    checks read the same cache; a request in flight is never sent twice (the second caller waits
    for the first one's answer). Every request ends within the target's timeout, body included
    (``golive.http_transport``).
    """

    def __init__(self, default_timeout: float = 10.0, user_agent: str = "golive",
                 reachability: Reachability | None = None) -> None:
        self.default_timeout = default_timeout
        self.user_agent = user_agent
        self.reachability = reachability or Reachability()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, bool], httpx.Client] = {}
        self._cache: SingleFlight[Observed] = SingleFlight()
        self._samples: SingleFlight[tuple[Observed, ...]] = SingleFlight()
        self._unverified: dict[tuple[str, Endpoint], str] = {}
        """(target, endpoint) → why its certificate did not verify. Recorded at the first failure:
        the endpoint serves that certificate to every request, so the later ones go straight to the
        unverified client and report the same reason, instead of paying a failed handshake each."""
        self.requests_sent = 0

    def timeout_for(self, target: Target) -> float:
        return target.timeout or self.default_timeout

    def _client(self, target: Target, verify: bool) -> httpx.Client:
        from golive import http_transport  # lazily: plugin start-up stays light

        key = (target.name, verify)
        with self._lock:
            if key not in self._clients:
                context = shared_ssl_context(str(target.ca_bundle) if target.ca_bundle else None, verify)
                self._clients[key] = http_transport.client(
                    self.timeout_for(target), verify=context, follow_redirects=False,
                    headers={"User-Agent": self.user_agent}, cookies=_no_cookies(),
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
        if not cached:
            return self._fetch_now(target, url, method, headers, body, json_body, verify)
        key = (target.name, base, method, path, variant, verify,
               tuple(sorted((headers or {}).items())), body, json.dumps(json_body, sort_keys=True, default=str))
        return self._cache.get(key, lambda: self._fetch_now(target, url, method, headers, body, json_body, verify))

    def sample(self, target: Target, paths: tuple[str, ...], count: int) -> tuple[Observed, ...]:
        """``count`` uncached GETs cycling through ``paths``, one after another (one client, as a
        user sees it): the latency samples of ``target``, taken once per session."""
        key = ("sample", target.name, paths, count)
        return self._samples.get(key, lambda: tuple(
            self.fetch(target, paths[i % len(paths)], cached=False) for i in range(count)))

    def _fetch_now(self, target: Target, url: str, method: str, headers: dict[str, str] | None,
                   body: bytes | None, json_body: Any, verify: bool) -> Observed:
        endpoint = endpoint_of(url, target.resolve)
        down = self.reachability.down(endpoint)
        if down is not None:
            raise FetchError(target.name, url, f"{down} ({ALREADY_DOWN})")
        token = deadlines.CURRENT.set(None)  # the deadline starts with the first request sent (_request)
        try:
            return self._send(target, url, endpoint, method, headers, body, json_body, verify)
        finally:
            deadlines.CURRENT.reset(token)

    def _send(self, target: Target, url: str, endpoint: Endpoint, method: str, headers: dict[str, str] | None,
              body: bytes | None, json_body: Any, verify: bool) -> Observed:
        import httpx  # lazily: plugin start-up stays light
        real_url, extra_headers, extensions = connect_url(url, target.resolve)
        all_headers = {**extra_headers, **(headers or {})}
        verifies = verify and real_url.startswith("https")
        with self._lock:  # this endpoint's certificate already failed to verify: no new attempt
            tls_error = self._unverified.get((target.name, endpoint)) if verifies else None
        start = time.perf_counter()
        try:
            status, raw, content, version, truncated = self._request(
                target, verify and tls_error is None, method, real_url, all_headers, body, json_body, extensions)
        except httpx.ConnectError as exc:
            cause = _ssl_cause(exc)
            if not (verifies and tls_error is None and cause is not None):
                raise self._down(target, url, endpoint, exc) from None
            # The certificate is judged by the tls.* checks; the header checks still get a response.
            tls_error = cause
            with self._lock:
                self._unverified.setdefault((target.name, endpoint), cause)
            start = time.perf_counter()
            try:
                status, raw, content, version, truncated = self._request(
                    target, False, method, real_url, all_headers, body, json_body, extensions)
            except httpx.HTTPError as again:
                raise self._failure(target, url, endpoint, again) from None
        except httpx.HTTPError as exc:
            raise self._failure(target, url, endpoint, exc) from None
        self.reachability.answered(endpoint)
        return Observed(
            url=url, method=method, status=status,
            headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw),
            body=content, elapsed=time.perf_counter() - start, http_version=version,
            tls_verified=tls_error is None, tls_error=tls_error, truncated=truncated,
        )

    def _request(self, target: Target, verify: bool, method: str, url: str, headers: dict[str, str],
                 body: bytes | None, json_body: Any, extensions: dict[str, Any],
                 ) -> tuple[int, list[tuple[bytes, bytes]], bytes, str, bool]:
        """One request: status, raw header pairs, the body's first ``BODY_LIMIT`` bytes, version,
        truncated. Reading stops at the limit: a huge or endless body costs no more than that."""
        import httpx  # lazily: plugin start-up stays light

        with self._lock:
            self.requests_sent += 1
        client = self._client(target, verify)
        request = client.build_request(method, url, headers=headers, content=body, json=json_body,
                                       extensions=extensions)
        if deadlines.CURRENT.get() is None:  # one deadline for the fetch (a retry without verification shares it),
            deadlines.CURRENT.set(Deadline.after(self.timeout_for(target)))  # from the moment it is sent
        response = client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > BODY_LIMIT:
                    break
            content = b"".join(chunks)
        except httpx.TimeoutException as exc:
            exc.golive_answering = True  # type: ignore[attr-defined]  # the answer had begun: it crawled
            raise
        finally:
            response.close()
        return (response.status_code, list(response.headers.raw), content[:BODY_LIMIT], response.http_version,
                len(content) > BODY_LIMIT)

    def _down(self, target: Target, url: str, endpoint: Endpoint, exc: Exception) -> FetchError:
        """The endpoint cannot be reached at all: recorded, so its other requests fail at once."""
        reason = self.reachability.mark_down(endpoint, _describe(exc, self.timeout_for(target)))
        return FetchError(target.name, url, reason)

    def _failure(self, target: Target, url: str, endpoint: Endpoint, exc: Exception) -> FetchError:
        """A request that got no (complete) answer, classified.

        A timeout on an endpoint that never answered anything this run means the endpoint is
        silent (down); on one that did answer, only this request failed. A connection that broke
        mid-request (the server died or reset it) makes the target unreachable for this request,
        not a product defect; a protocol violation by the server is a finding of its own.
        """
        import httpx  # lazily: plugin start-up stays light

        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return self._down(target, url, endpoint, exc)
        if isinstance(exc, httpx.TimeoutException):
            if not self.reachability.has_answered(endpoint):  # never a complete answer this run: down
                timeout = self.timeout_for(target)
                reason = (f"no complete answer within the {timeout:g}s timeout (the answer was still arriving)"
                          if getattr(exc, "golive_answering", False)
                          else f"no answer within the {timeout:g}s timeout ({type(exc).__name__})")
                return FetchError(target.name, url, self.reachability.mark_down(endpoint, reason))
            return FetchError(target.name, url, _describe(exc, self.timeout_for(target)))
        if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
            return FetchError(target.name, url, f"the connection broke before a complete answer ({_text(exc)})")
        return FetchError(target.name, url, f"{type(exc).__name__}: {exc}", unreachable=False)

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()


def endpoint_of(url: str, resolve: str | None) -> Endpoint:
    """The endpoint ``url`` is fetched from (``resolve`` is the address dialled, when given)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return Endpoint(parts.hostname or "", port, resolve)


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
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no answer within the {timeout:g}s timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.TimeoutException):  # the deadline covers the whole request, body included
        return f"no complete answer within the {timeout:g}s timeout ({type(exc).__name__})"
    text = _text(exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text


def _text(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
