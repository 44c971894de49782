"""What an error answer must not show: stack traces, debug pages, software versions, server paths.

Shared by ``http.error_pages`` (provoked 404/405/413/414/400 pages) and ``smoke.input_validation``
(answers to malformed input): both judge a body someone outside should never learn from. Pure:
text in, a list of findings out; the patterns are data so that a new framework is one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from golive.rules.http import Probe, stack_trace

DEBUG_PAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Werkzeug Debugger|The debugger caught an exception"), "Werkzeug debugger"),
    (re.compile(r"You're seeing this error because you have <code>DEBUG = True</code>"), "Django DEBUG page"),
    (re.compile(r"Whoops, looks like something went wrong|Whoops! There was an error"), "Laravel/Whoops page"),
    (re.compile(r"Symfony\\Component\\|Symfony Exception"), "Symfony exception page"),
    (re.compile(r"Whitelabel Error Page"), "Spring Whitelabel page"),
    (re.compile(r"<title>Action Controller: Exception caught</title>|ActionController::RoutingError"),
     "Rails exception page"),
    (re.compile(r"<pre>Cannot (GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) /"), "Express default error page"),
    (re.compile(r"Server Error in '/' Application|ASP\.NET is configured to show verbose error"),
     "ASP.NET yellow screen"),
    (re.compile(r"<b>(Fatal error|Parse error|Warning|Notice)</b>:"), "PHP error"),
    (re.compile(r"(?i)\bSQLSTATE\[|syntax error at or near \"|ORA-\d{5}|You have an error in your SQL syntax"),
     "database error"),
)
"""Framework debug or error pages that only appear when debugging is left on."""

_VERSION = re.compile(
    r"\b(nginx|openresty|Apache|Microsoft-IIS|LiteSpeed|Caddy|Jetty|Apache Tomcat|Tomcat|Werkzeug|gunicorn|"
    r"uvicorn|hypercorn|Kestrel|Express|PHP|Python|Node\.js|node|Ruby|Rails|Django|Flask|Spring Boot|"
    r"Envoy|Traefik|HAProxy|Varnish)[/ ]v?(\d+\.\d+(?:\.\d+)*)",
    re.IGNORECASE,
)
_PATH = re.compile(
    r"(?<![\w/])(/(?:home|var|srv|usr|opt|app|root|tmp|www|data)/[\w.@-]+(?:/[\w.@-]+)*"
    r"\.(?:py|js|mjs|ts|php|rb|java|go|cs|jsp|class|erb|ex))\b"
    r"|\b([A-Z]:\\(?:[\w .-]+\\)+[\w .-]+\.(?:cs|aspx|php|py|js|java))"
)

VERSION_HEADERS = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Runtime-Version",
                   "X-Generator")


def body_leaks(text: str) -> list[str]:
    """What the body gives away, most telling first (one entry per kind)."""
    found: list[str] = []
    trace = stack_trace(Probe("", 0, "", text.encode("utf-8", errors="replace")))
    if trace:
        found.append(f"a {trace}")
    for pattern, label in DEBUG_PAGES:
        if pattern.search(text):
            found.append(f"a {label}")
            break
    version = _VERSION.search(text)
    if version:
        found.append(f"a software version ({version.group(0)})")
    path = _PATH.search(text)
    if path:
        found.append(f"a server file path ({path.group(0)})")
    return found


def header_leaks(headers: Sequence[tuple[str, str]]) -> list[str]:
    """Version-bearing headers (``Server: nginx/1.22.1``, any ``X-Powered-By``)."""
    found: list[str] = []
    for name, value in headers:
        if name.lower() == "server" and re.search(r"\d+\.\d+|/\s*\d", value):
            found.append(f"Server: {value.strip()[:60]}")
        elif name.lower() in {h.lower() for h in VERSION_HEADERS[1:]}:
            found.append(f"{name}: {value.strip()[:60]}")
    return found
