"""``golive init URL``: a first profile from a handful of requests to the service.

A new team's first run should give meaningful results, not a page of failures caused by defaults
that do not fit their service (a health path that 404s, a plain-HTTP listener that is not there).
So ``init`` looks before it writes: the HTTPS and plain-HTTP listeners, and a health endpoint among
the usual paths, judged by the same rule ``smoke.health`` uses. The request budget is fixed
(``MAX_REQUESTS``) and every request has a timeout, so pointing it at production is harmless.

``discover`` fetches, ``render`` writes the commented YAML (a pure function of the discovery).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

HEALTH_CANDIDATES = ("/health", "/healthz", "/api/health", "/status", "/readyz", "/livez", "/ping",
                     "/_health", "/health/ready", "/api/status")
"""Usual health paths, most common first; the first one that passes smoke.health is taken."""

MAX_REQUESTS = 2 + len(HEALTH_CANDIDATES)
"""The whole probe's budget: the URL itself, one plain-HTTP listener, the health candidates."""


@dataclass
class Discovery:
    """What ``discover`` found about a service (the observation ``render`` turns into a profile)."""

    url: str
    http_url: str | None = None
    health_path: str | None = None
    health_status_field: str = "status"
    resolve: str | None = None
    ca_bundle: str | None = None
    tls_error: str | None = None
    notes: list[str] = field(default_factory=list)
    requests: int = 0


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _target(url: str, http_url: str | None, resolve: str | None, ca_bundle: str | None, timeout: float):
    from golive.profile import Target

    return Target(name="probe", url=url, http_url=http_url, resolve=resolve,
                  ca_bundle=ca_bundle, timeout=f"{timeout:g}s")


def discover(url: str, *, resolve: str | None = None, ca_bundle: str | None = None,
             http_url: str | None = None, timeout: float = 5.0) -> Discovery:
    """Probe ``url`` (at most ``MAX_REQUESTS`` requests, each within ``timeout``)."""
    from golive.http import FetchError, HttpFetcher
    from golive.rules.smoke import health

    found = Discovery(url=_origin(url), resolve=resolve, ca_bundle=ca_bundle)
    fetcher = HttpFetcher(default_timeout=timeout, user_agent="golive-init")
    try:
        target = _target(found.url, None, resolve, ca_bundle, timeout)
        try:
            first = fetcher.fetch(target, "/")
        except FetchError as exc:
            raise OnboardError(f"{found.url} cannot be reached: {exc.reason}") from None
        if not first.tls_verified:
            found.tls_error = first.tls_error
        location = first.header("location") or ""
        if urlsplit(found.url).scheme == "http" and first.status in (301, 302, 307, 308) \
                and location.startswith("https://"):
            found.http_url, found.url = found.url, _origin(location)
            found.notes.append(f"{found.http_url} redirects to {found.url}: checking the HTTPS URL")
            target = _target(found.url, None, resolve, ca_bundle, timeout)
        found.http_url = found.http_url or _plain_listener(fetcher, found.url, http_url, resolve, timeout, found)
        for path in HEALTH_CANDIDATES:
            try:
                response = fetcher.fetch(target, path)
            except FetchError:
                continue
            if response.status != 200:
                continue
            if health(response, ["ok", "healthy", "up", "pass"], "status").passed:
                found.health_path = path
                break
            if response.content_type == "application/json":
                found.health_path, found.health_status_field = path, ""
                found.notes.append(f"{path} answers 200 JSON without a 'status' field: any 200 JSON counts "
                                   "(set checks.smoke.health_status_field to judge a field)")
                break
        if found.health_path is None:
            found.notes.append("no health endpoint among " + ", ".join(HEALTH_CANDIDATES)
                               + ": set checks.smoke.health_path to the service's health endpoint")
    finally:
        found.requests = fetcher.requests_sent
        fetcher.close()
    return found


def _plain_listener(fetcher, https_url: str, given: str | None, resolve: str | None, timeout: float,
                    found: Discovery) -> str | None:
    """The plain-HTTP listener for the redirect check: the given one, or port 80 beside port 443."""
    from golive.http import FetchError

    parts = urlsplit(https_url)
    if given:
        candidate = _origin(given)
    elif parts.scheme == "https" and (parts.port in (None, 443)):
        candidate = f"http://{parts.hostname}"
    else:
        found.notes.append("plain-HTTP listener not probed (HTTPS on a non-default port): give --http-url "
                           "to check the HTTP→HTTPS redirect")
        return None
    try:
        fetcher.fetch(_target(https_url, candidate, resolve, None, timeout), "/", base="http_url")
    except FetchError as exc:
        found.notes.append(f"no plain-HTTP listener at {candidate} ({exc.reason}): http.https_redirect "
                           "will not apply")
        return None
    return candidate


class OnboardError(Exception):
    """The service could not be probed (unreachable URL, bad arguments)."""


def profile_name(url: str) -> str:
    """A profile name from the URL's host (``app.example.com`` → ``app-example-com``)."""
    host = urlsplit(url).hostname or "service"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", host).strip("-.") or "service"


def render(found: Discovery, name: str, environment: str = "staging") -> str:
    """The starter profile: every line commented with what it does and how to change it."""
    from golive.catalog import load_catalog

    manual = [i for i in load_catalog().values() if i.mode == "manual" and i.severity == "critical"]
    lines = [
        f"# Starter profile written by `golive init {found.url}`; check it with `golive profile validate`,",
        "# run it with `golive run --profile THIS_FILE`. Every key is in the README's profile reference.",
        f"name: {name}",
        "# production turns on the safety guards (load and intrusive probes need allow_load + --allow-load)",
        f"environment: {environment}",
        "timeout: 10s                     # total time any one request may take",
        "targets:",
        "  - name: web",
        f"    url: {found.url}",
    ]
    if found.http_url:
        lines.append(f"    http_url: {found.http_url}      # plain-HTTP listener: http.https_redirect checks it")
    else:
        lines.append("    # http_url: http://...        # plain-HTTP listener, if any (for http.https_redirect)")
    if found.resolve:
        lines.append(f"    resolve: {found.resolve}      # connect here; SNI, Host and certificate keep the name")
    if found.ca_bundle:
        lines.append(f"    ca_bundle: {found.ca_bundle}")
    elif found.tls_error:
        lines.append(f"    # ca_bundle: internal-ca.pem  # the certificate did not verify ({found.tls_error});")
        lines.append("    #                              # name your internal CA here, if it is one")
    lines += ["checks:", "  smoke:"]
    if found.health_path:
        lines.append(f"    health_path: {found.health_path}         # found by golive init")
        if found.health_status_field == "":
            lines.append('    health_status_field: ""       # 200 JSON is enough; name a field to judge it')
    else:
        lines.append("    health_path: /health          # NOT FOUND by golive init: set the real health endpoint")
    lines += [
        "    deep_health_path: null        # a per-component health endpoint, if the service has one",
        "  load:                           # -m load: a short, gentle run; raise it for a real load test",
        "    users: 5",
        "    spawn_rate: 5",
        "    duration: 10s",
        '    thresholds: ["p95 < 800ms", "error_rate < 1%"]',
        "# Manual, critical items a person attests (the verdict is NO-GO until they are):",
        "attestations: []",
    ]
    lines += [f"#  - {{check: {i.id}, by: you@example.com, at: YYYY-MM-DD}}   # {i.title}" for i in manual]
    return "\n".join(lines) + "\n"
