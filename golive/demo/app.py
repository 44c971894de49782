"""The demo target: a small service as plain ASGI (no framework), sound unless given flaws.

It looks like the services the seed guides deploy (a chat API with health, metrics and an embed
script) so that every golive check has something real to judge. What it serves comes from a
``Behaviour`` (``golive.demo.flaws``) built once per server: the handlers read its fields.

The same app answers both listeners: over HTTPS (``scope["scheme"] == "https"``) it serves the
site; over plain HTTP it redirects to HTTPS (unless a redirect flaw says otherwise).
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from golive.demo import static
from golive.demo.flaws import VERSION, Behaviour, behaviour
from golive.demo.live import JWT_KEY, FixedWindow, verify_jwt, websocket_echo

__all__ = ["ACCOUNT_PATH", "PROTECTED_PATH", "VERSION", "DemoApp", "create_app"]

HOSTNAME = "demo.golive.test"
"""The demo target's name (its certificate covers it, ``localhost`` and 127.0.0.1)."""
PROTECTED_PATH = "/api/private"
ACCOUNT_PATH = "/api/account"
"""Protected by a HS256 JWT (``Authorization: Bearer <jwt>``), for ``smoke.auth_probes``."""
WS_PATH = "/ws"
LOGIN_PATH = "/login"
CHAT_MAX_BODY = 64 * 1024
"""Bytes /api/chat accepts; larger bodies get 413."""
HOOK_PATH = "/api/hooks/deploy"
DEFAULT_TOKEN = "golive-demo-token-0000"
"""The bearer token when ``GOLIVE_DEMO_TOKEN`` is not set (a demo value, not a secret)."""
DEFAULT_SLOW_MS = 400
LOAD_LIMIT = 4
"""More requests in flight than this make ``errors_under_load`` answer 503."""
LOAD_DELAY = 0.040
"""Seconds ``slow_under_load`` sleeps per request in flight."""
LOAD_HOLD = 0.020
"""Seconds ``errors_under_load`` holds each request, so that concurrent requests overlap."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MODELS = [
    {"id": "demo-small", "name": "Demo Small", "context_window": 8192, "provider": "local"},
    {"id": "demo-medium", "name": "Demo Medium", "context_window": 32768, "provider": "local"},
    {"id": "demo-large", "name": "Demo Large", "context_window": 131072, "provider": "local"},
]

HOME = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>golive demo chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/app.5d2a7c4e.css"></head>
<body>
<h1>golive demo chat</h1>
<p>A small chat service used by golive's own tests. Version {version}.</p>
<div id="chat"></div>
<script src="/embed.js"></script>
<script src="/static/app.3f9c2b1e.js" defer></script>
</body>
</html>
"""

NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>Not Found</h1><p>The page you asked for does not exist.</p>{debug}</body></html>
"""

SERVER_ERROR = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1><p>Something went wrong. It has been logged.</p>{debug}</body></html>
"""

DEBUG_FOOTER = ("<hr><address>golive-demo 1.4.2 on hypercorn/0.18.0 Python/3.11.2, raised in "
                "/srv/demo/app/routes.py line 88 (DEBUG on)</address>")
"""What ``verbose_errors`` adds to error pages: versions and a server path."""

EMBED_JS = """(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var box = document.createElement("p");
  box.textContent = "golive demo chat widget";
  root.appendChild(box);
}());
"""

TRACEBACK = """Traceback (most recent call last):
  File "/srv/demo/venv/lib/python3.11/site-packages/demo/server.py", line 212, in handle
    response = await self.router.dispatch(request)
  File "/srv/demo/venv/lib/python3.11/site-packages/demo/router.py", line 88, in dispatch
    return await handler(request, **params)
  File "/srv/demo/app/views/chat.py", line 41, in crash
    session = db.sessions[request.cookies["session"]]
KeyError: 'session'
"""

GIT_CONFIG = """[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
[remote "origin"]
\turl = git@github.com:example-corp/demo-chat.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
\tmerge = refs/heads/main
"""

DOTENV = """APP_ENV=production
SECRET_KEY=demo-not-a-real-secret-5f1c
DATABASE_URL=postgresql://chat:demo-fake-password@db.internal:5432/chat
REDIS_URL=redis://redis.internal:6379/0
"""

LISTING = """<html>
<head><title>Index of /backup/</title></head>
<body>
<h1>Index of /backup/</h1><hr><pre><a href="../">../</a>
<a href="chat-2024-05-01.sql.gz">chat-2024-05-01.sql.gz</a>                           01-May-2024 02:00    48M
<a href="chat-2024-05-02.sql.gz">chat-2024-05-02.sql.gz</a>                           02-May-2024 02:00    48M
</pre><hr></body>
</html>
"""

EXPOSED_FILES = {
    "git": ("/.git/config", "text/plain; charset=utf-8", GIT_CONFIG),
    "env": ("/.env", "text/plain; charset=utf-8", DOTENV),
    "listing": ("/backup/", "text/html; charset=utf-8", LISTING),
}

METRIC_PATHS = frozenset({
    "/", "/api/health", "/api/health/comprehensive", "/metrics", "/api/models/available", "/api/chat",
    "/embed.js", HOOK_PATH, PROTECTED_PATH, "/login", "/api/crash", ACCOUNT_PATH, WS_PATH, static.JS_PATH,
    static.CSS_PATH, static.MAP_PATH,
})
"""Paths counted under their own label; anything else is "other" (bounded label cardinality)."""


@dataclass
class Request:
    """What a handler needs of one HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    scheme: str
    body: bytes = b""
    query_string: str = ""
    size: int = 0
    """Bytes of body received (``body`` keeps at most the first MiB)."""
    client: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    """A response before the common headers (security, CORS, version) are added."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json", headers or [])


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode(), "text/html; charset=utf-8")


class DemoApp:
    """The ASGI application; one instance per server (its counters live here, not in globals)."""

    def __init__(self, behave: Behaviour, token: str = DEFAULT_TOKEN, https_port: int = 443,
                 slow_ms: int = DEFAULT_SLOW_MS, jwt_key: str = JWT_KEY) -> None:
        self.behaviour = behave
        self.token = token
        self.jwt_key = jwt_key
        self.limiter = FixedWindow(behave.rate_limit) if behave.rate_limit else None
        self.https_port = https_port
        self.slow = slow_ms / 1000
        self.started = time.time()
        self.in_flight = 0
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.routes: dict[str, Callable[[Request], Awaitable[Response]]] = {
            "/": self.home,
            "/api/health": self.health,
            "/api/health/comprehensive": self.comprehensive,
            "/metrics": self.metrics,
            "/api/models/available": self.models,
            "/api/chat": self.chat,
            "/embed.js": self.embed,
            HOOK_PATH: self.hook,
            PROTECTED_PATH: self.private,
            "/login": self.login,
            "/api/crash": self.crash,
            ACCOUNT_PATH: self.account,
            WS_PATH: self.ws_plain,
            static.JS_PATH: self.asset,
            static.CSS_PATH: self.asset,
            static.MAP_PATH: self.source_map,
        }

    # ------------------------------------------------------------------ ASGI plumbing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            await websocket_echo(receive, send, self.behaviour.websocket and scope.get("path") == WS_PATH)
            return
        if scope["type"] != "http":
            return
        request = await self._read(scope, receive)
        self.in_flight += 1
        try:
            if self.behaviour.slow_under_load:
                await asyncio.sleep(LOAD_DELAY * self.in_flight)
            elif self.behaviour.errors_under_load:
                # Hold the request a moment so that concurrent ones overlap (an overloaded backend).
                await asyncio.sleep(LOAD_HOLD)
            response = await self.respond(request)
            await self._send(request, response, send)
        finally:
            self.in_flight -= 1

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _read(scope: Scope, receive: Receive) -> Request:
        body = b""
        size = 0
        more = True
        while more:  # read it all (a client still sending would block), keep the first MiB
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if len(body) <= 1024 * 1024:
                body += chunk
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        raw_query = scope.get("query_string", b"").decode("latin-1")
        client = (scope.get("client") or ("", 0))[0]
        return Request(scope["method"].upper(), scope.get("path") or "/", parse_qs(raw_query), headers,
                       scope.get("scheme", "http"), body, raw_query, size, client)

    async def _send(self, request: Request, response: Response, send: Send) -> None:
        headers = self.common_headers(request)
        if response.content_type:
            headers.append(("Content-Type", response.content_type))
        headers.extend(response.headers)
        payload = response.body
        if self.behaviour.compression:
            packed = static.compressed(payload, response.content_type, request.header("accept-encoding"))
            if packed is not None:
                payload = packed
                headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        body = b"" if request.method == "HEAD" else payload
        headers.append(("Content-Length", str(len(payload))))
        label = request.path if request.path in METRIC_PATHS else "other"
        self.requests[(request.method, label, response.status)] += 1
        await send({"type": "http.response.start", "status": response.status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
        await send({"type": "http.response.body", "body": body})

    def common_headers(self, request: Request) -> list[tuple[str, str]]:
        """Security headers, the version header and CORS: on every response."""
        headers = self.behaviour.security_headers(https=request.scheme == "https")
        origin = self.behaviour.allowed_origin(request.header("origin"))
        if origin is not None:
            headers += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
        if origin != "*":
            headers.append(("Vary", "Origin"))
        return headers

    # ------------------------------------------------------------------ dispatch

    async def respond(self, request: Request) -> Response:
        """The response before common headers; errors become a (generic or flawed) 500 page."""
        if request.scheme == "http" and self.behaviour.redirect != "none":
            return self.redirect(request)
        if request.method == "OPTIONS":
            return self.preflight(request)
        try:
            return await self.route(request)
        except Exception:  # the demo's error page: a 500, never a dropped connection
            return self.error_page()

    async def route(self, request: Request) -> Response:
        handler = self.routes.get(request.path)
        if handler is not None:
            return await handler(request)
        for kind, (path, content_type, text) in EXPOSED_FILES.items():
            if request.path == path and kind in self.behaviour.exposed:
                return Response(200, text.encode(), content_type)
        return self.not_found()

    def not_found(self) -> Response:
        if "stacktrace" in self.behaviour.exposed:
            return self.error_page()
        if self.behaviour.soft_404:
            return html_response(HOME.format(version=html.escape(self.behaviour.version)))
        return html_response(NOT_FOUND.format(debug=self._debug()), 404)

    def _debug(self) -> str:
        return DEBUG_FOOTER if self.behaviour.verbose_errors else ""

    def error_page(self) -> Response:
        if "stacktrace" in self.behaviour.exposed:
            return Response(500, TRACEBACK.encode(), "text/plain; charset=utf-8")
        return html_response(SERVER_ERROR.format(debug=self._debug()), 500)

    def redirect(self, request: Request) -> Response:
        """Plain HTTP → HTTPS on the same host and path (301), or the redirect flaw's answer."""
        host_header = request.header("host") or HOSTNAME
        host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        port = "" if self.https_port == 443 else f":{self.https_port}"
        location = {
            "https": f"https://{host}{port}{path}",
            "http_location": f"http://{host_header}{path}",
            "other_host": "https://evil.example.invalid/",
        }[self.behaviour.redirect]
        return Response(self.behaviour.redirect_status, b"", None, [("Location", location)])

    def preflight(self, request: Request) -> Response:
        """CORS preflight: allowed only for the trusted origin (common headers add ACAO when it is)."""
        headers = [("Allow", "GET, HEAD, POST, OPTIONS")]
        if self.behaviour.allowed_origin(request.header("origin")) is not None:
            broad = self.behaviour.cors_preflight == "broad"
            headers += [("Access-Control-Allow-Methods", "*" if broad else "GET, HEAD, POST, OPTIONS"),
                        ("Access-Control-Allow-Headers", "*" if broad else "Authorization, Content-Type"),
                        ("Access-Control-Max-Age", "31536000" if broad else "600")]
        return Response(204, b"", None, headers)

    # ------------------------------------------------------------------ pages

    async def home(self, request: Request) -> Response:
        """The home page; a first visit gets a session cookie (judged by headers.cookies on ``/``)."""
        response = html_response(HOME.format(version=html.escape(self.behaviour.version)))
        response.headers.append(("Cache-Control", self.behaviour.html_cache))
        if "session=" not in (request.header("cookie") or ""):
            response.headers.append(("Set-Cookie", self.behaviour.cookie(secrets.token_urlsafe(24))))
        return response

    async def login(self, request: Request) -> Response:
        if self.limiter is not None:
            allowed, limit_headers = self.limiter.hit(request.client)
            if not allowed:
                return json_response({"error": "too many requests"}, 429, limit_headers)
        response = json_response({"logged_in": True, "user": "demo"})
        response.headers.append(("Set-Cookie", self.behaviour.cookie(secrets.token_urlsafe(24))))
        return response

    async def embed(self, request: Request) -> Response:
        del request
        return Response(200, EMBED_JS.encode(), "application/javascript; charset=utf-8",
                        [("Cache-Control", "public, max-age=300")])

    async def asset(self, request: Request) -> Response:
        if request.path == static.JS_PATH:
            body, kind = static.APP_JS, "application/javascript; charset=utf-8"
        else:
            body, kind = static.APP_CSS, "text/css; charset=utf-8"
        return Response(200, body.encode(), kind, [("Cache-Control", self.behaviour.asset_cache)])

    async def source_map(self, request: Request) -> Response:
        if not self.behaviour.source_maps:
            return self.not_found()
        del request
        return Response(200, static.SOURCE_MAP.encode(), "application/json", [("Cache-Control", "no-store")])

    async def ws_plain(self, request: Request) -> Response:
        del request
        return Response(426, b'{"error": "WebSocket endpoint: upgrade required"}', "application/json",
                        [("Upgrade", "websocket"), ("Connection", "Upgrade")])

    async def crash(self, request: Request) -> Response:
        del request
        raise RuntimeError("demo crash endpoint")

    # ------------------------------------------------------------------ health

    def _uptime(self) -> float:
        return round(time.time() - self.started, 3)

    async def health(self, request: Request) -> Response:
        if request.query.get("detailed", [""])[0].lower() in ("true", "1", "yes"):
            return await self.comprehensive(request)
        b = self.behaviour
        if b.errors_under_load and self.in_flight > LOAD_LIMIT:
            return json_response({"status": "overloaded", "version": b.version}, 503, [("Retry-After", "1")])
        if b.health == "503":
            return json_response({"status": "unavailable", "version": b.version}, 503)
        if b.health == "html_error":
            return html_response(SERVER_ERROR.format(debug=""), 500)
        if b.health == "slow":
            await asyncio.sleep(self.slow)
        status = "unhealthy" if b.health == "unhealthy" else "ok"
        return json_response({"status": status, "version": b.version, "uptime_s": self._uptime()},
                             headers=[("Cache-Control", "no-store")])

    async def comprehensive(self, request: Request) -> Response:
        del request
        components: dict[str, dict[str, Any]] = {
            "database": {"status": "healthy", "latency_ms": 1.2},
            "redis": {"status": "healthy", "latency_ms": 0.4},
            "workers": {"status": "healthy", "active": 4, "idle": 2},
            "queue": {"status": "healthy", "depth": 0},
        }
        if self.behaviour.component_down:
            components["redis"] = {"status": "down", "error": "connection refused"}
        overall = "healthy" if all(c["status"] == "healthy" for c in components.values()) else "degraded"
        data = {"status": overall, "version": self.behaviour.version, "uptime_s": self._uptime(),
                "components": components}
        return json_response(data, headers=[("Cache-Control", "no-store")])

    # ------------------------------------------------------------------ metrics

    async def metrics(self, request: Request) -> Response:
        lines: list[str] = []
        if self.behaviour.request_metrics:
            lines += ["# HELP http_requests_total HTTP requests answered, by method, path and status.",
                      "# TYPE http_requests_total counter"]
            # This scrape counts too (as a middleware that counts on entry would): a first scrape of a
            # fresh server still shows the counter, which a parser drops when it has no sample.
            counts = self.requests.copy()
            counts[(request.method, "/metrics", 200)] += 1
            for (method, path, status), count in sorted(counts.items()):
                labels = f'method="{method}",path="{path}",status="{status}"'
                lines.append(f"http_requests_total{{{labels}}} {count}")
        lines += [
            "# HELP app_build_info Build information of the running release.",
            "# TYPE app_build_info gauge",
            f'app_build_info{{version="{self.behaviour.version}"}} 1',
            "# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.",
            "# TYPE process_start_time_seconds gauge",
            f"process_start_time_seconds {self.started:.3f}",
            "# HELP http_requests_in_flight Requests being served right now.",
            "# TYPE http_requests_in_flight gauge",
            f"http_requests_in_flight {self.in_flight}",
        ]
        return Response(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4; charset=utf-8")

    # ------------------------------------------------------------------ API

    async def models(self, request: Request) -> Response:
        del request
        return json_response({"total_models": len(MODELS), "models": MODELS})

    async def chat(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, b'{"error": "use POST"}', "application/json", [("Allow", "POST")])
        if not self.behaviour.validates_input:  # the input_raises flaw: trusts whatever comes
            data = json.loads(request.body)
            message = data["message"]
            return json_response({"model": data.get("model") or MODELS[0]["id"], "reply": f"You said: {message}"})
        if request.size > CHAT_MAX_BODY:
            return json_response({"error": f"the body is larger than {CHAT_MAX_BODY} bytes"}, 413)
        kind = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
        if kind != "application/json":
            return json_response({"error": "expected Content-Type: application/json"}, 415)
        try:
            data = json.loads(request.body or b"null")
        except ValueError:
            return json_response({"error": "the body is not JSON"}, 400)
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str) or not message.strip():
            return json_response({"error": "expected {\"message\": \"...\"}"}, 422)
        model = data.get("model") or MODELS[0]["id"]
        return json_response({"model": model, "reply": f"You said: {message.strip()[:500]}",
                              "usage": {"prompt_tokens": len(message.split()), "completion_tokens": 3}})

    def _authorised(self, request: Request) -> Response | None:
        """None when the bearer token is right (or the auth flaw is on); else the 401/403 answer."""
        if not self.behaviour.auth_enforced:
            return None
        given = request.header("authorization")
        if not given:
            return json_response({"error": "authentication required"}, 401,
                                 [("WWW-Authenticate", 'Bearer realm="golive-demo"')])
        scheme, _, value = given.partition(" ")
        right = secrets.compare_digest(value.strip().encode(), self.token.encode())
        if scheme.lower() != "bearer" or not right:
            return json_response({"error": "forbidden"}, 403)
        return None

    async def private(self, request: Request) -> Response:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        return json_response({"account": "demo", "plan": "team", "seats": 12},
                             headers=[("Cache-Control", "private, no-store")])

    async def account(self, request: Request) -> Response:
        """JWT-protected (HS256): the claims of a valid bearer token, else 401."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        b = self.behaviour
        claims = verify_jwt(token.strip(), self.jwt_key, b.jwt_alg_none, b.jwt_verify_exp) \
            if scheme.lower() == "bearer" and token.strip() else None
        if claims is None:
            return json_response({"error": "a valid bearer JWT is required"}, 401,
                                 [("WWW-Authenticate", 'Bearer realm="golive-demo", error="invalid_token"')])
        return json_response({"account": claims.get("sub"), "plan": "team"},
                             headers=[("Cache-Control", "private, no-store")])

    async def hook(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, b'{"error": "use POST"}', "application/json", [("Allow", "POST")])
        refused = self._authorised(request)
        if refused is not None:
            return refused
        return json_response({"accepted": True, "deploy": "queued"})


def create_app(flaws: tuple[str, ...] | frozenset[str] = (), version: str = VERSION, token: str | None = None,
               https_port: int = 443) -> DemoApp:
    """The app for ``flaws`` (ValueError for unknown names); token, JWT key and slowness from the environment."""
    return DemoApp(
        behaviour(flaws, version),
        token=token or os.environ.get("GOLIVE_DEMO_TOKEN") or DEFAULT_TOKEN,
        https_port=https_port,
        slow_ms=int(os.environ.get("GOLIVE_DEMO_SLOW_MS") or DEFAULT_SLOW_MS),
        jwt_key=os.environ.get("GOLIVE_DEMO_JWT_KEY") or JWT_KEY,
    )

