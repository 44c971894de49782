"""Pure rules for the plain-HTTP redirect and for exposed files (no network).

``https_redirect`` judges a short redirect chain already fetched (one ``Hop`` per response);
``exposure`` judges probe responses against a random-path baseline, recognising real content
(a git config has ``[core]``, an .env has KEY=VALUE lines...) rather than trusting a 200: many
sites answer 200 with their home page to every path ("soft 404"), which must not fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from golive.rules.headers import shown
from golive.verdict import Verdict, fail, not_applicable, ok

PERMANENT = (301, 308)
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Hop:
    """One response of a redirect chain: the URL asked, its status and Location (absolute or not)."""

    url: str
    status: int
    location: str | None = None

    @property
    def target(self) -> str | None:
        """The Location resolved against the request URL."""
        return urljoin(self.url, self.location.strip()) if self.location else None


def next_hop(hop: Hop, max_hops: int, hops_so_far: int) -> str | None:
    """The URL to follow next: only permanent, plain-http, same-host redirects are followed."""
    if hop.status not in PERMANENT or hops_so_far >= max_hops or not hop.target:
        return None
    here, there = urlsplit(hop.url), urlsplit(hop.target)
    if there.scheme == "http" and there.hostname == here.hostname:
        return hop.target
    return None


def no_plain_http(url: str, reason: str) -> Verdict:
    """http.https_redirect when nothing listens on the plain-HTTP URL (the connection is refused).

    Nothing can be served in clear text there, so there is nothing to redirect: the property the
    check protects holds, and the sign-off says why instead of reading "passed". A listener that
    accepts and then never answers is another matter (a timeout: the check fails as unreachable).
    """
    return not_applicable(
        "redirection-not-needed-no-http",
        f"nothing listens on plain HTTP at {url} ({reason}): no page is served in clear text, so there is "
        "nothing to redirect (HSTS keeps browsers on https)",
        observed=reason,
    )


TEMPORARY_SETTING = "checks.headers.allow_temporary_redirect"


def https_redirect(hops: Sequence[Hop], hostname: str, allow_temporary: bool = False) -> Verdict:
    """Plain HTTP answers 301/308 (possibly after same-host http hops) to https on ``hostname``.

    ``allow_temporary`` (``checks.headers.allow_temporary_redirect``) accepts 302/307 as the HTTP
    Observatory does; by default golive asks for a permanent redirect, which browsers and caches
    remember, so that later visits do not go out over plain HTTP first.
    """
    expected = f"{'301, 302, 307 or 308' if allow_temporary else '301 or 308'} to https://{hostname}/…"
    if not hops:
        return fail(
            "redirection-missing", "no response from the plain-HTTP URL", "(none)", expected, score=-20
        )
    chain = " → ".join(f"{h.status} {h.url}" for h in hops)
    last = hops[-1]
    observed = (
        f"{last.status}"
        + (f" Location: {shown(last.location)}" if last.location else "")
        + (f" (chain: {chain})" if len(hops) > 1 else "")
    )
    first_url = hops[0].url
    if last.status not in REDIRECTS:
        return fail(
            "redirection-missing",
            f"{first_url} answers {last.status} without redirecting to https",
            observed,
            expected,
            score=-20,
            chain=chain,
        )
    if not last.location or not last.location.strip():
        return fail(
            "redirection-invalid",
            f"{first_url} answers {last.status} without a Location header",
            observed,
            expected,
            score=-20,
            chain=chain,
        )
    target = urlsplit(last.target or "")
    temporary = [h for h in hops if h.status not in PERMANENT]
    if target.scheme != "https":
        if target.scheme == "http":
            reason = f"{first_url} redirects to plain http ({shown(last.target)}), not https"
            if len(hops) > 1:
                reason += f" after {len(hops)} hops"
        else:
            reason = f"{first_url} redirects to a non-https Location {shown(last.location)}"
        return fail("redirection-not-to-https", reason, observed, expected, score=-20, chain=chain)
    if (target.hostname or "").lower() != hostname.lower():
        return fail(
            "redirection-off-host-from-http",
            f"{first_url} redirects to another host {target.hostname} instead of {hostname}",
            observed,
            expected,
            score=-10,
            chain=chain,
        )
    if temporary and not allow_temporary:
        return fail(
            "redirection-temporary",
            f"{first_url} redirects with a temporary {temporary[0].status}: browsers and caches do not "
            "remember it and keep asking over plain HTTP first, where the redirect can be stripped; answer "
            f"301 or 308 (or accept temporary redirects, as the HTTP Observatory does, with {TEMPORARY_SETTING}: "
            "true)",
            observed,
            expected,
            score=-5,
            chain=chain,
        )
    if temporary:
        return ok(
            "redirection-to-https",
            f"{first_url} redirects with a temporary {temporary[0].status} to {last.target} (accepted by "
            f"{TEMPORARY_SETTING})",
            observed,
            expected,
            chain=chain,
        )
    return ok(
        "redirection-to-https",
        f"{first_url} redirects permanently ({last.status}) to {last.target}",
        observed,
        expected,
        chain=chain,
    )


# --------------------------------------------------------------------------- exposure


@dataclass(frozen=True)
class Probe:
    """One exposure probe response: the path asked and what came back."""

    path: str
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body[:65536].decode("utf-8", errors="replace")


def _git_config(probe: Probe) -> str | None:
    text = probe.text
    if re.search(r"(?m)^\s*\[core\]", text) and re.search(
        r"(?m)^\s*(repositoryformatversion|bare|filemode)\s*=", text
    ):
        return "git config ([core] section)"
    return None


def _git_head(probe: Probe) -> str | None:
    return "git HEAD (ref: refs/...)" if re.match(r"\s*ref:\s*refs/", probe.text) else None


_ENV_LINE = re.compile(r"(?m)^\s*(?:export\s+)?([A-Z][A-Z0-9_]{1,63})\s*=")


def _dotenv(probe: Probe) -> str | None:
    text = probe.text
    if text.lstrip().startswith("<") or "html" in probe.content_type:
        return None
    keys = _ENV_LINE.findall(text)
    if not keys:
        return None
    names = ", ".join(dict.fromkeys(keys[:3]))
    return f"environment file ({len(keys)} KEY=VALUE line(s), e.g. {names})"


_SQL = re.compile(
    r"(?i)(-- MySQL dump|PostgreSQL database dump|^CREATE TABLE|^INSERT INTO|^COPY \S+ \()", re.M
)


def _backup(probe: Probe) -> str | None:
    head = probe.body[:8]
    if head.startswith(b"PK\x03\x04"):
        return "zip archive"
    if head.startswith(b"\x1f\x8b"):
        return "gzip archive"
    if head.startswith(b"PGDMP"):
        return "PostgreSQL custom-format dump"
    if len(probe.body) > 262 and probe.body[257:262] == b"ustar":
        return "tar archive"
    if _SQL.search(probe.text):
        return "SQL dump"
    if "<?php" in probe.text:
        return "PHP source"
    return None


def _htpasswd(probe: Probe) -> str | None:
    return (
        "password file (user:hash lines)"
        if re.search(r"(?m)^[\w.-]+:(\$apr1\$|\$2[aby]\$|\{SHA\}|\$\d\$)", probe.text)
        else None
    )


def _server_status(probe: Probe) -> str | None:
    text = probe.text
    if "Apache Server Status" in text or re.search(r"Active connections:\s*\d+\s*\nserver accepts", text):
        return "server status page"
    return None


def _phpinfo(probe: Probe) -> str | None:
    return "phpinfo() page" if "phpinfo()" in probe.text and "PHP Version" in probe.text else None


_LISTING = re.compile(
    r"<title>\s*Index of /|<h1>\s*Index of /|Directory listing for /|\[To Parent Directory\]", re.IGNORECASE
)


def listing(probe: Probe) -> str | None:
    """A directory listing (nginx/Apache autoindex, python http.server, IIS)."""
    return "directory listing" if _LISTING.search(probe.text) else None


_TRACES = (
    (re.compile(r"Traceback \(most recent call last\)"), "Python traceback"),
    (re.compile(r"(?m)^\s*at (java|javax|org|com|sun|jdk)\.[\w$.]+\([\w$]+\.java:\d+\)"), "Java stack trace"),
    (re.compile(r"Exception in thread \""), "Java stack trace"),
    (re.compile(r"(?m)^\s*at [\w$.<>]+ \(.+\.(?:js|ts|mjs|cjs):\d+:\d+\)"), "Node.js stack trace"),
    (re.compile(r"(?m)^\s*at [\w.`<>]+\(.*\) in .+:line \d+"), ".NET stack trace"),
    (
        re.compile(r"Server Error in '/' Application|ASP\.NET is configured to show verbose error"),
        ".NET error page",
    ),
    (re.compile(r"(?:Fatal error|Parse error|Warning)</b>:.+ on line <b>\d+"), "PHP error"),
    (re.compile(r"(?m)^Stack trace:\s*\n#0 "), "PHP stack trace"),
    (re.compile(r"Whitelabel Error Page.*?(Exception|\tat )", re.S), "Spring error page with exception"),
    (re.compile(r"Django Version:.*Exception Type:", re.S), "Django debug page"),
    (re.compile(r"(?m)^goroutine \d+ \[running\]:"), "Go panic"),
    (re.compile(r"\.rb:\d+:in `"), "Ruby backtrace"),
)


def stack_trace(probe: Probe) -> str | None:
    """A stack trace or framework debug page (on any status: 500 pages leak them too)."""
    text = probe.text
    for pattern, label in _TRACES:
        if pattern.search(text):
            return label
    return None


SIGNATURES: dict[str, Callable[[Probe], str | None]] = {
    "git_config": _git_config,
    "git_head": _git_head,
    "dotenv": _dotenv,
    "backup": _backup,
    "htpasswd": _htpasswd,
    "server_status": _server_status,
    "phpinfo": _phpinfo,
    "listing": listing,
}

DEFAULT_PATHS: dict[str, str] = {
    "/.git/config": "git_config",
    "/.git/HEAD": "git_head",
    "/.env": "dotenv",
    "/.env.production": "dotenv",
    "/backup.sql": "backup",
    "/dump.sql": "backup",
    "/backup.zip": "backup",
    "/backup.tar.gz": "backup",
    "/.htpasswd": "htpasswd",
    "/server-status": "server_status",
    "/phpinfo.php": "phpinfo",
    "/.git/": "listing",
    "/backup/": "listing",
    "/uploads/": "listing",
}
"""Path → the kind of content that proves it exposed."""


def kind_for(path: str) -> str:
    """The signature kind for an extra profile path, guessed from its name."""
    lower = path.lower()
    if lower in {p.lower() for p in DEFAULT_PATHS}:
        return next(k for p, k in DEFAULT_PATHS.items() if p.lower() == lower)
    if lower.endswith("/"):
        return "listing"
    if ".git/" in lower:
        return "git_config"
    if lower.rsplit("/", 1)[-1].startswith(".env"):
        return "dotenv"
    if lower.endswith(".htpasswd"):
        return "htpasswd"
    return "backup"


def _same_page(probe: Probe, baseline: Probe | None) -> bool:
    return baseline is not None and probe.status == baseline.status and probe.body == baseline.body


def exposure(probes: Sequence[tuple[Probe, str]], baseline: Probe | None) -> Verdict:
    """No probe (``(Probe, kind)``) shows real content of its kind; no page carries a stack trace.

    Path-specific content counts only on a 2xx that is not the soft-404 baseline, and only when the
    baseline itself does not show the same content (a home page that mentions ".env" proves nothing).
    """
    expected = "404/403 (or the site's normal not-found page) for every sensitive path; no stack traces"
    findings: list[str] = []
    for probe, kind in probes:
        judge = SIGNATURES.get(kind, _backup)
        if 200 <= probe.status < 300 and not _same_page(probe, baseline):
            what = judge(probe) or listing(probe)
            if what and not (baseline is not None and (judge(baseline) or listing(baseline))):
                findings.append(f"{probe.path} ({probe.status}) serves {what}")
                continue
        trace = stack_trace(probe)
        if trace and not (baseline is not None and _same_page(probe, baseline)):
            findings.append(f"{probe.path} ({probe.status}) shows a {trace}")
    if baseline is not None:
        trace = stack_trace(baseline)
        if trace:
            findings.append(f"{baseline.path} ({baseline.status}, a random path) shows a {trace}")
    checked = len(probes) + (1 if baseline is not None else 0)
    if findings:
        return fail(
            "exposure",
            "exposed: " + "; ".join(findings),
            "; ".join(findings),
            expected,
            score=-20,
            findings=findings,
        )
    soft = (
        " (the site answers 2xx to unknown paths; judged by content)"
        if baseline is not None and 200 <= baseline.status < 300
        else ""
    )
    return ok(
        "exposure-none",
        f"none of {checked} sensitive paths exposes content{soft}",
        f"{checked} paths checked",
        expected,
    )
