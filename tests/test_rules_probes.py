"""Unit tests of the behaviour probes' pure parts: rules, the guard, token crafting, wait hints,
asset discovery (no network; the real-server proofs are the *_selftest files)."""

from __future__ import annotations

import time

import jwt
import pytest

from golive.fixtures.http_probes import asset_links
from golive.http import Observed
from golive.probes import tokens
from golive.probes.inputs import Answer, bad_requests
from golive.probes.ratelimit import Burst, Recovery, wait_hint
from golive.probes.websocket import WsObservation
from golive.rules import auth_probes, caching, compression, error_pages, guard, leaks, source_maps
from golive.rules import input_validation as iv
from golive.rules import rate_limit as rl
from golive.rules import websocket as ws
from golive.settings.smoke import AuthProbe, InputValidation


def burst(limited_at: int | None = 11, headers: tuple[tuple[str, str], ...] = (("Retry-After", "1"),),
          recovery: Recovery | None = None, sent: int | None = None) -> Burst:
    return Burst("GET /login", 150, sent or limited_at or 150, 0.4, limited_at, 429 if limited_at else None,
                 headers, {200: (limited_at or 151) - 1, **({429: 1} if limited_at else {})}, None, recovery)


def test_rate_limit_verdicts() -> None:
    good = rl.rate_limit(burst(recovery=Recovery(1.1, 200, 1)), [429])
    assert good.passed and "recovered (200) after 1.1s" in good.message
    missing = rl.rate_limit(burst(None), [429])
    assert not missing.passed and "150 requests in 0.40s drew no 429" in missing.message
    assert "statuses 200×150" in missing.message
    bare = rl.rate_limit(burst(headers=()), [429])
    assert not bare.passed and "without Retry-After or RateLimit" in bare.message
    assert rl.rate_limit(burst(headers=()), [429], require_headers=False).passed
    stuck = rl.rate_limit(burst(recovery=Recovery(7.0, 429, 3)), [429])
    assert not stuck.passed and "does not recover" in stuck.message
    skipped = rl.rate_limit(burst(recovery=Recovery(0, None, 0, "the limiter asks to wait 900s")), [429])
    assert skipped.passed and "recovery not checked: the limiter asks to wait 900s" in skipped.message


@pytest.mark.parametrize(("headers", "seconds"), [
    ((("Retry-After", "3"),), 3.0), ((("RateLimit-Reset", "7"),), 7.0),
    ((("RateLimit", '"default";r=0;t=12'),), 12.0), ((("RateLimit", "limit=10, remaining=0, reset=4"),), 4.0),
    ((("X-RateLimit-Reset", "EPOCH+30"),), 30.0), ((), None),
])
def test_wait_hints(headers: tuple[tuple[str, str], ...], seconds: float | None) -> None:
    now = time.time()
    headers = tuple((k, v.replace("EPOCH+30", str(int(now) + 30))) for k, v in headers)
    found = wait_hint(headers, now)
    assert found == pytest.approx(seconds, abs=2) if seconds is not None else found is None


def test_guard_refuses_production_bursts_naming_both_switches() -> None:
    assert guard.probe_guard("x", 150, False, False, False).passed
    assert guard.probe_guard("x", 5, True, False, False).passed
    refused = guard.probe_guard("the burst", 150, True, True, False)
    assert not refused.passed and "--allow-load on the command line" in refused.message
    assert "allow_load: true" in refused.message and "before any request" in refused.message
    assert guard.probe_guard("x", 150, True, True, True).passed


def test_input_validation_cases_and_verdicts() -> None:
    spec = InputValidation(path="/api/chat", method="POST", json={"message": "hi", "model": "m"},
                           required=["message"], oversized_bytes=2048)
    cases = [b.case for b in bad_requests(spec)]
    assert cases == ["malformed_json", "wrong_content_type", "missing_fields", "oversized"]
    assert len(bad_requests(spec)[-1].body) > 2048
    refused = [Answer("malformed_json", "malformed JSON", 400, "{}", 0.01),
               Answer("oversized", "a big body", 413, "", 0.02)]
    assert iv.input_validation("POST /api/chat", refused).passed
    bad = iv.input_validation("POST /api/chat", [
        Answer("malformed_json", "malformed JSON", 500, 'Traceback (most recent call last):\n  File "x"', 0.1),
        Answer("wrong_content_type", "text/plain", 200, "{}", 0.1),
        Answer("oversized", "a big body", 0, "", 0.0, (), "no answer within the 3s timeout")])
    assert not bad.passed
    for words in ("malformed JSON: server error 500", "shows a Python traceback", "text/plain: accepted (200)",
                  "a big body: no answer (no answer within the 3s timeout)"):
        assert words in bad.message


def test_forged_tokens_are_real_jwts() -> None:
    spec = AuthProbe(path="/api/me", key="k" * 32, claims={"sub": "probe", "aud": "app"})
    found = {c.probe: c for c in tokens.credentials(spec)}
    assert found["no_token"].value is None and found["control"].control
    header = jwt.get_unverified_header(found["alg_none"].value.split(" ", 1)[1])
    assert header["alg"] == "none"
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(found["expired"].value.split(" ", 1)[1], "k" * 32, algorithms=["HS256"], audience="app")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(found["wrong_key"].value.split(" ", 1)[1], "k" * 32, algorithms=["HS256"], audience="app",
                   options={"verify_exp": False})
    keyless = AuthProbe(path="/api/me", algorithm="ES256")
    assert "expired" not in {c.probe for c in tokens.credentials(keyless)}
    assert tokens.skipped(keyless) and "needs key or key_file" in tokens.skipped(keyless)[0]
    assert jwt.get_unverified_header(next(c for c in tokens.credentials(keyless) if c.probe == "wrong_key")
                                     .value.split(" ", 1)[1])["alg"] == "ES256"


def test_auth_probe_verdicts() -> None:
    refused = [auth_probes.Outcome(p, p, 401) for p in ("no_token", "alg_none")]
    assert auth_probes.auth_probes("GET /me", [*refused, auth_probes.Outcome("control", "c", 200, True)],
                                   [401, 403]).passed
    bypass = auth_probes.auth_probes("GET /me", [auth_probes.Outcome("alg_none", "an alg:none JWT", 200)],
                                     [401, 403], ["expired (needs key)"])
    assert not bypass.passed and "an alg:none JWT was accepted (200)" in bypass.message
    assert "not run: expired (needs key)" in bypass.message
    blind = auth_probes.auth_probes("GET /me", [auth_probes.Outcome("control", "c", 401, True)], [401, 403])
    assert not blind.passed and "control token was refused" in blind.message


def test_websocket_verdicts() -> None:
    good = WsObservation("wss://h/ws", 101, None, "ping", 0.002, 0.001, 1.0, True)
    assert ws.websocket(good, "ping", 0.5).passed
    assert not ws.websocket(WsObservation("wss://h/ws", 426, "the upgrade was answered 426"), "ping", 0.5).passed
    cut = WsObservation("wss://h/ws", 101, None, "ping", 0.002, 0.001, 1.0, False, "received 1006")
    assert "did not survive 1s idle" in ws.websocket(cut, "ping", 0.5).message
    slow = WsObservation("wss://h/ws", 101, None, "pong?", 0.9, None)
    message = ws.websocket(slow, "ping", 0.5).message
    assert "echo was 'pong?'" in message and "over 500ms" in message and "no pong" in message
    assert "idle survival not checked" in ws.websocket(WsObservation("u", 101, None, "ping", 0.1, 0.1), "ping",
                                                        0.5).message


def test_compression_verdicts() -> None:
    E = compression.Encoded
    assert compression.compression([E("/app.js", 200, "application/javascript", "gzip", 5000)], 1024).passed
    plain = compression.compression([E("/app.js", 200, "application/javascript", None, 5000)], 1024)
    assert not plain.passed and "/app.js (application/javascript, 5000 bytes) is sent uncompressed" in plain.message
    double = compression.compression([E("/logo.png", 200, "image/png", "gzip", 5000)], 1024)
    assert not double.passed and "compressed again with gzip" in double.message
    small = compression.compression([E("/", 200, "text/html", None, 300)], 1024)
    assert small.kind == "not_applicable"


def test_caching_verdicts() -> None:
    C = caching.Cached
    assert caching.is_hashed("/static/app.3f9c2b1e.js") and caching.is_hashed("/assets/index-BxY3z9Qw.css")
    assert not caching.is_hashed("/embed.js") and not caching.is_hashed("/jquery.min.js")
    good = caching.static_caching([C("/a.3f9c2b1e.js", 200, "public, max-age=31536000, immutable")],
                                  [C("/", 200, "no-cache")], [C("/api/me", 200, "private, no-store")], 31536000)
    assert good.passed
    bad = caching.static_caching([C("/a.3f9c2b1e.js", 200, "public, max-age=600"), C("/b.1234abcd.js", 404, None)],
                                 [C("/", 200, None)], [C("/api/me", 200, "no-cache")], 31536000)
    for words in ("max-age 600 below 31536000s", "answered 404", "page / may be stored by shared caches",
                  "authenticated answer /api/me may be stored"):
        assert words in bad.message
    assert "no hashed asset found" in caching.static_caching([], [C("/", 200, "no-store")], [], 60).message


def test_source_map_verdicts() -> None:
    assert source_maps.mapping_url("x();\n//# sourceMappingURL=app.js.map\n") == "app.js.map"
    assert source_maps.is_source_map(b'{"version":3,"mappings":"AAAA","sources":[]}')
    assert not source_maps.is_source_map(b"<html>home</html>")
    served = source_maps.source_maps([source_maps.AssetMaps("/a.js", None, "a.js.map", (("/a.js.map", 200, True),))])
    assert not served.passed and "/a.js.map (200) serves the source map of /a.js" in served.message
    soft = source_maps.source_maps([source_maps.AssetMaps("/a.js", None, None, (("/a.js.map", 200, False),))])
    assert soft.passed
    header = source_maps.source_maps([source_maps.AssetMaps("/a.js", "/maps/a.js.map", None, ())])
    assert "sends a SourceMap header" in header.message
    assert source_maps.source_maps([]).kind == "not_applicable"


def test_error_page_and_leak_verdicts() -> None:
    assert leaks.body_leaks("<center>nginx</center>") == []
    assert "a software version (nginx/1.22.1)" in leaks.body_leaks("<center>nginx/1.22.1</center>")
    assert any("server file path" in f for f in leaks.body_leaks("at /var/www/app/index.php line 3"))
    assert any("Django" in f for f in leaks.body_leaks(
        "You're seeing this error because you have <code>DEBUG = True</code>"))
    A = error_pages.ErrorAnswer
    generic = [A("not_found", "GET /x", 404, (("Server", "nginx"),), "not found"), A("method", "GOLIVE /", 501, (), "")]
    assert error_pages.error_pages(generic).passed
    leaky = error_pages.error_pages([A("not_found", "GET /x", 404, (("Server", "nginx/1.22.1"),), "nginx/1.22.1"),
                                     A("bad_encoding", "GET /%zz", 500, (), "oops"),
                                     A("long_uri", "GET /ggg", 0, (), "", "no answer within the 3s timeout", True)])
    for words in ("a software version (nginx/1.22.1) [not_found 404]", "Server: nginx/1.22.1",
                  "a server error where a client error was due [bad_encoding 500]", "no answer (no answer within",
                  "(404 probe: GET /x)"):
        assert words in leaky.message
    assert not error_pages.error_pages([A("not_found", "GET /x", 0, (), "", "connection refused")]).passed


def test_asset_discovery_keeps_same_origin_scripts_and_styles() -> None:
    page = Observed("https://h.test/app/", "GET", 200, (("Content-Type", "text/html"),),
                    b'<link rel="stylesheet" href="/s/a.1234abcd.css"><link rel="icon" href="/f.ico">'
                    b'<script src="main.5678ef90.js"></script><script src="https://cdn.example/x.js"></script>'
                    b"<script>inline()</script>", 0.0)
    assert asset_links(page, "https://h.test") == ["/s/a.1234abcd.css", "/app/main.5678ef90.js"]


def test_cutover_verdicts() -> None:
    from golive.rules import cutover

    live = cutover.Side("blue", "1.4.1", True, "ok", {"headers.hsts": True, "tls.protocols": False}, "A+", 125)
    same = cutover.Side("green", "1.4.2", True, "ok", {"headers.hsts": True, "tls.protocols": False}, "A+", 125)
    ready = cutover.cutover(live, same, "1.4.2")
    assert ready.passed and "serves 1.4.2" in ready.message
    assert "| tls.protocols | FAIL | FAIL |  |" in cutover.table(ready, "blue", "green")
    weaker = cutover.Side("green", "1.4.2", True, "ok", {"headers.hsts": False, "tls.protocols": False}, "B", 75)
    verdict = cutover.cutover(live, weaker, "1.4.2")
    assert not verdict.passed and "weaker than blue on headers.hsts" in verdict.message
    assert "header grade: A+ (125) → B (75)" in verdict.message
    old = cutover.cutover(live, cutover.Side("green", "1.4.1", False, "health answered 503"), "1.4.2")
    assert "serves version 1.4.1, not the expected 1.4.2" in old.message and "answered 503" in old.message
    unjudged = cutover.cutover(live, same, None)
    assert unjudged.passed and "version not judged" in unjudged.message
    blind = cutover.cutover(live, cutover.Side("green", "1.4.2", True, "ok", errors=("TLS not observed (x)",)), None)
    assert not blind.passed and "TLS not observed" in blind.message
