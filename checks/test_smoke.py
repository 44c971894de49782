"""Smoke checks: does the release that was just deployed serve, and behave? (``-m smoke``).

The behaviour probes (input validation, forged credentials, WebSocket, the rate-limit burst) send a
fixed, small number of requests to the paths the profile names, each through a fetcher of its own;
the burst, the only one above a handful of requests, comes last so that its limit cannot starve the
other checks of a target, and asks the production guard first.
"""

from __future__ import annotations

import pytest

from golive.fixtures import cutover
from golive.fixtures.smoke import expected_version, probe_fetcher, record_readiness, redacted_body
from golive.probes import inputs, ratelimit, tokens
from golive.probes import websocket as ws_probe
from golive.registry import check
from golive.rules import auth_probes as auth_rules
from golive.rules import cutover as cutover_rules
from golive.rules import guard as guard_rules
from golive.rules import input_validation as input_rules
from golive.rules import rate_limit as rate_rules
from golive.rules import smoke as rules
from golive.rules import websocket as ws_rules


@check("smoke.health", over="targets")
def test_health(target, http, settings, evidence, redactor, smoke_ready):
    record_readiness(smoke_ready(target), evidence)
    smoke = settings.smoke
    response = http.fetch(target, smoke.health_path)
    evidence.headers(f"response {smoke.health_path}", response.headers, f"{response.status}")
    evidence.text(f"body {smoke.health_path}", response.text[:4000])
    verdict = rules.health(response, smoke.healthy_statuses, smoke.health_status_field,
                           redacted_body(response, redactor)).about(target.name)
    evidence.judge(verdict)


@check("smoke.health_deep", over="deep_health_targets")
def test_health_deep(target, http, settings, evidence, redactor, smoke_ready):
    smoke = settings.smoke
    smoke_ready(target)
    response = http.fetch(target, smoke.deep_health_path)
    evidence.text(f"body {smoke.deep_health_path}", response.text[:8000])
    verdict = rules.deep_health(response, smoke.component_healthy_statuses,
                                redacted_body(response, redactor)).about(target.name)
    evidence.json("components", verdict.details.get("components", {}))
    evidence.judge(verdict)


@check("smoke.endpoints", over="smoke_endpoints")
def test_endpoints(smoke_endpoint, http, evidence, redactor, smoke_ready):
    target, endpoint = smoke_endpoint.target, smoke_endpoint.endpoint
    smoke_ready(target)
    response = http.fetch(target, endpoint.path, method=endpoint.method, headers=endpoint.headers or None,
                          json_body=endpoint.json_body,
                          body=endpoint.body.encode() if endpoint.body is not None else None,
                          variant=f"endpoint:{endpoint.name}")
    evidence.headers(f"{endpoint.method} {endpoint.path}", response.headers, f"{response.status}")
    evidence.metric("latency_ms", round(response.elapsed * 1000, 1))
    verdict = rules.endpoint(endpoint.name, response, endpoint.expect,
                             redacted_body(response, redactor)).about(target.name)
    evidence.judge(verdict)


@check("smoke.auth_required", over="smoke_protected")
def test_auth_required(smoke_protected, http, evidence, smoke_ready):
    target, protected = smoke_protected.target, smoke_protected.protected
    smoke_ready(target)
    anonymous = http.fetch(target, protected.path, method=protected.method, json_body=protected.json_body,
                           variant="anonymous")
    evidence.headers(f"anonymous {protected.method} {protected.path}", anonymous.headers,
                     f"{anonymous.status}")
    authorised = None
    if protected.headers:
        with_creds = http.fetch(target, protected.path, method=protected.method, headers=protected.headers,
                                json_body=protected.json_body, variant="credentials")
        evidence.headers(f"with credentials {protected.method} {protected.path}", with_creds.headers,
                         f"{with_creds.status}")
        authorised = with_creds.status
    label = f"{protected.method} {protected.path}"
    verdict = rules.auth_required(label, anonymous.status, authorised, protected.refuse,
                                  protected.accept).about(target.name)
    evidence.judge(verdict)


@check("smoke.latency", over="targets")
def test_latency(target, http, settings, evidence, smoke_ready):
    smoke_ready(target)
    latency = settings.smoke.latency
    paths = latency.paths or [settings.smoke.health_path]
    samples: list[float] = []
    errors: list[str] = []
    for index in range(latency.samples):
        path = paths[index % len(paths)]
        response = http.fetch(target, path, cached=False)
        samples.append(response.elapsed)
        if response.status >= 400:
            errors.append(f"{path} {response.status}")
    budgets = {"p50": latency.p50, "p95": latency.p95, "p99": latency.p99}
    verdict = rules.latency(f"latency of {', '.join(paths)}", samples, budgets, errors).about(target.name)
    for key in ("p50", "p95", "p99"):
        evidence.metric(f"{key}_ms", round(verdict.details[key] * 1000, 1))
    evidence.json("latency samples (s)", [round(s, 6) for s in samples])
    evidence.judge(verdict)


@check("smoke.version", over="versioned_targets")
def test_version(target, http, settings, evidence, smoke_ready):
    smoke_ready(target)
    smoke = settings.smoke
    expected = expected_version(smoke)
    assert expected, (f"{target.name}: no expected version: {smoke.expected_version_env} is not set in the "
                      f"environment (expected_version_env)")
    path = smoke.version_path or smoke.health_path
    response = http.fetch(target, path)
    observed = rules.read_version(response, smoke.version_source)
    evidence.metric("version", observed)
    verdict = rules.version(observed, expected, smoke.version_source, path).about(target.name)
    evidence.judge(verdict)


@check("smoke.input_validation", over="input_endpoints")
def test_input_validation(input_case, http, evidence, redactor, smoke_ready):
    target, spec = input_case.target, input_case.spec
    smoke_ready(target)
    with probe_fetcher(http) as fetcher:
        answers = inputs.send(fetcher, target, spec)
    evidence.json(f"{spec.method} {spec.path} malformed requests", [
        {"case": a.case, "sent": a.what, "status": a.status, "ms": round(a.elapsed * 1000, 1), "error": a.error,
         "headers": [f"{k}: {v}" for k, v in redactor.headers(a.headers)], "body": a.text[:2000]}
        for a in answers])
    evidence.judge(input_rules.input_validation(f"{spec.method} {spec.path}", answers).about(target.name))


@check("smoke.auth_probes", over="auth_probe_endpoints")
def test_auth_probes(auth_case, http, evidence, smoke_ready):
    target, spec = auth_case.target, auth_case.spec
    smoke_ready(target)
    body, json_body = spec.content()
    outcomes = []
    with probe_fetcher(http) as fetcher:
        for credential in tokens.credentials(spec):
            headers = dict(spec.headers)
            if credential.value is not None:
                headers[spec.header] = credential.value
            response = fetcher.fetch(target, spec.path, method=spec.method, headers=headers or None, body=body,
                                     json_body=json_body, cached=False)
            outcomes.append(auth_rules.Outcome(credential.probe, credential.what, response.status, credential.control))
    evidence.json(f"{spec.method} {spec.path} forged credentials (tokens not recorded)",
                  [{"probe": o.probe, "sent": o.what, "status": o.status} for o in outcomes])
    verdict = auth_rules.auth_probes(f"{spec.method} {spec.path}", outcomes, spec.refuse, tokens.skipped(spec))
    evidence.judge(verdict.about(target.name))


@check("smoke.websocket", over="websocket_targets")
def test_websocket(target, http, settings, evidence, smoke_ready):
    smoke_ready(target)
    spec = settings.smoke.websocket
    observation = ws_probe.probe(target, spec, http.timeout_for(target))
    evidence.json(f"WebSocket {spec.path}", observation.__dict__)
    if observation.echo_seconds is not None:
        evidence.metric("echo_ms", round(observation.echo_seconds * 1000, 1))
    evidence.judge(ws_rules.websocket(observation, spec.message, spec.latency, spec.expect_echo).about(target.name))


@check("smoke.blue_green_cutover", over="candidate_targets")
def test_blue_green_cutover(target, profile, http, header_audit, tls_scan, settings, evidence, smoke_ready):
    live = next(t for t in profile.targets if t.name == target.compare_to)
    smoke_ready(target)
    before = cutover.observe(live, http, header_audit, tls_scan, settings)
    after = cutover.observe(target, http, header_audit, tls_scan, settings)
    verdict = cutover_rules.cutover(before, after, expected_version(settings.smoke))
    evidence.text(f"{live.name} (live) vs {target.name} (candidate)", cutover_rules.table(verdict, live.name,
                                                                                           target.name))
    evidence.metric("version", after.version)
    evidence.judge(verdict.about(target.name))


@check("smoke.rate_limit", over="rate_limited_targets")
def test_rate_limit(target, profile, http, settings, golive_config, evidence, smoke_ready):
    limit = settings.smoke.rate_limit
    guard = guard_rules.probe_guard(f"the rate-limit burst to {limit.path}", limit.max_requests
                                    + ratelimit.RECOVERY_POLLS, profile.is_production, profile.allow_load,
                                    bool(golive_config.getoption("allow_load")))
    if not guard.passed:
        pytest.skip(guard.about(target.name).message)
    smoke_ready(target)
    body, json_body = limit.content()
    with probe_fetcher(http) as fetcher:
        burst = ratelimit.burst(fetcher, target, limit.path, method=limit.method, headers=limit.headers, body=body,
                                json_body=json_body, budget=limit.max_requests, limited=limit.limited_status,
                                recovery=limit.recovery, max_wait=limit.max_recovery_wait)
    evidence.json(f"rate-limit burst {burst.request}", {
        "budget": burst.budget, "sent": burst.sent, "seconds": round(burst.elapsed, 3), "statuses": burst.statuses,
        "limited_at": burst.limited_at, "limit_headers": dict(burst.limit_headers), "error": burst.error,
        "recovery": burst.recovery.__dict__ if burst.recovery else None, "requests": burst.log})
    evidence.metric("requests", burst.sent)
    evidence.metric("limited_at", burst.limited_at)
    evidence.judge(rate_rules.rate_limit(burst, limit.limited_status, limit.require_headers).about(target.name))
