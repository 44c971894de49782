"""Smoke checks: does the release that was just deployed serve? (``-m smoke``)."""

from __future__ import annotations

from golive.fixtures.smoke import expected_version, latency_paths, record_readiness, redacted_body
from golive.registry import check
from golive.rules import smoke as rules


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
    paths = latency_paths(settings.smoke)
    responses = http.sample(target, paths, latency.samples)  # sequential, taken once (often ahead)
    samples = [response.elapsed for response in responses]
    errors = [f"{paths[i % len(paths)]} {r.status}" for i, r in enumerate(responses) if r.status >= 400]
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
