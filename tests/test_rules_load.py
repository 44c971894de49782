"""Unit tests of the load domain's pure parts: threshold grammar, judgements, settings, baseline, spec."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.load import baseline as baselines
from golive.load import protocol, seal
from golive.load.address import AddressError, parse_endpoint
from golive.load.runner import build_spec, time_limit
from golive.load.thresholds import ThresholdError, format_value, parse_threshold
from golive.profile import ProfileError, Target
from golive.profile_load import load_profile
from golive.rules import load as rules
from golive.settings.load import LoadSettings


def block(requests: int = 1204, failures: int = 0, **values: float) -> dict:
    base = {"name": "Aggregated", "method": "", "requests": requests, "failures": failures,
            "error_rate": failures / requests if requests else 0.0, "avg": 100.0, "min": 5.0, "max": 900.0,
            "p50": 80.0, "p75": 120.0, "p90": 300.0, "p95": 812.0, "p99": 880.0, "rps": 85.2}
    base.update(values)
    return base


def summary(**total: float) -> dict:
    health = block(400, name="/api/health", method="GET", p95=150.0)
    return {"total": block(**total), "entries": [health], "errors": [], "aborted": None}


# ----------------------------------------------------------------------------- grammar


@pytest.mark.parametrize(("text", "metric", "op", "limit"), [
    ("p95 < 500ms", "p95", "<", 500.0),
    ("p99<=1.5s", "p99", "<=", 1500.0),
    ("avg < 200ms", "avg", "<", 200.0),
    ("max < 2s", "max", "<", 2000.0),
    ("error_rate < 1%", "error_rate", "<", 0.01),
    ("error_rate < 0.1%", "error_rate", "<", 0.001),
    ("rps > 100", "rps", ">", 100.0),
    ("rps >= 12.5", "rps", ">=", 12.5),
])
def test_parse_absolute(text: str, metric: str, op: str, limit: float) -> None:
    threshold = parse_threshold(text)
    assert (threshold.metric, threshold.op, threshold.limit, threshold.scenario) == (metric, op, limit, None)
    assert not threshold.abort and not threshold.relative


def test_parse_scenario_relative_and_abort() -> None:
    scoped = parse_threshold("GET /api/health: p95 < 200ms")
    assert scoped.scenario == "GET /api/health" and scoped.limit == 200.0
    assert scoped.label == "GET/api/health:p95<200ms"
    relative = parse_threshold("p95 < baseline * 1.10")
    assert relative.relative and relative.factor == pytest.approx(1.1) and relative.limit is None
    assert parse_threshold("p95 < baseline").factor == 1.0
    abort = parse_threshold("error_rate < 5% abort after 3s")
    assert abort.abort and abort.grace == 3.0 and abort.limit == 0.05
    assert parse_threshold("error_rate < 5% abort", default_grace=7.0).grace == 7.0


@pytest.mark.parametrize(("text", "hint"), [
    ("p95 < 500", "needs a duration with a unit"),
    ("p95 500ms", "expected '<metric> <op> <limit>'"),
    ("latency < 1s", "unknown metric 'latency'"),
    ("error_rate < 1", "needs a percentage"),
    ("error_rate < 150%", "above 100%"),
    ("rps > many", "number of requests per second"),
    ("p95 < 1s abort after soon", "abort after <duration>"),
    (": p95 < 1s", "empty scenario"),
    ("", "expected a threshold"),
])
def test_parse_errors_say_what_is_expected(text: str, hint: str) -> None:
    with pytest.raises(ThresholdError, match=None) as caught:
        parse_threshold(text)
    assert hint in str(caught.value)


def test_format_value_units() -> None:
    assert format_value("p95", 812.4) == "812 ms"
    assert format_value("p95", 1.25) == "1.2 ms"
    assert format_value("error_rate", 0.125) == "12.5 %"
    assert format_value("error_rate", 0.01) == "1 %"
    assert format_value("error_rate", 0.001) == "0.1 %"
    assert format_value("rps", 100.0) == "100 req/s"
    assert format_value("rps", 85.25) == "85.2 req/s"


# ----------------------------------------------------------------------------- judging


def test_judge_breach_names_value_limit_and_count() -> None:
    verdict = rules.judge(parse_threshold("p95 < 500ms"), summary()).about("web")
    assert not verdict.passed
    assert verdict.message.startswith("web: p95 812 ms over the 500 ms limit (1,204 requests)")


def test_judge_pass_and_minimum() -> None:
    assert rules.judge(parse_threshold("p95 < 1s"), summary()).passed
    low = rules.judge(parse_threshold("rps > 100"), summary())
    assert not low.passed and "85.2 req/s under the 100 req/s minimum" in low.reason
    assert rules.judge(parse_threshold("rps > 50"), summary()).passed


def test_judge_error_rate_counts_failures() -> None:
    observed = summary(requests=800, failures=100, error_rate=0.125)
    verdict = rules.judge(parse_threshold("error_rate < 1%"), observed)
    assert not verdict.passed
    assert "error rate 12.5 % over the 1 % limit (100 of 800 requests failed)" in verdict.reason


def test_judge_scenario_entry_and_missing_scenario() -> None:
    assert rules.judge(parse_threshold("GET /api/health: p95 < 200ms"), summary()).passed
    assert rules.judge(parse_threshold("/api/health: p95 < 200ms"), summary()).passed
    slow = rules.judge(parse_threshold("GET /api/health: p95 < 100ms"), summary())
    assert not slow.passed
    assert slow.reason.startswith("GET /api/health: p95 150 ms over the 100 ms limit (400")
    missing = rules.judge(parse_threshold("POST /login: p95 < 1s"), summary())
    assert not missing.passed and "no requests recorded for scenario 'POST /login'" in missing.message
    assert "GET /api/health" in missing.message


def test_judge_no_requests_fails() -> None:
    verdict = rules.judge(parse_threshold("p95 < 500ms"), summary(requests=0, failures=0, error_rate=0.0))
    assert not verdict.passed and "no request completed" in verdict.reason


def test_judge_relative_to_baseline() -> None:
    threshold = parse_threshold("p95 < baseline * 1.10")
    first = rules.judge(threshold, summary(), None)
    assert first.passed and first.details["baseline_missing"] and "no baseline yet" in first.reason
    base = summary(p95=700.0)
    regressed = rules.judge(threshold, summary(), base)
    assert not regressed.passed
    assert "p95 812 ms over the 770 ms (baseline 700 ms × 1.1) limit" in regressed.reason
    assert rules.judge(threshold, summary(p95=760.0), base).passed


def test_judge_mentions_abort() -> None:
    data = summary(requests=50, failures=40, error_rate=0.8)
    data["aborted"] = {"threshold": "error_rate < 5% abort after 1s", "after_s": 1.4}
    verdict = rules.judge(parse_threshold("error_rate < 5% abort after 1s"), data)
    assert not verdict.passed and "run aborted after 1.4s" in verdict.reason


def test_generator_health() -> None:
    assert rules.generator_health({"samples": 10, "cpu_avg": 40.0, "cpu_max": 60.0}).passed
    hot = rules.generator_health({"samples": 10, "cpu_avg": 97.0, "cpu_max": 100.0})
    assert not hot.passed and "results unreliable" in hot.reason and "97 %" in hot.reason
    assert not rules.generator_health({"samples": 3, "cpu_avg": 20.0, "cpu_warning": True}).passed
    assert rules.generator_health(None).passed


def test_production_guard_says_how_to_allow() -> None:
    assert rules.production_guard(False, False, False).passed
    assert rules.production_guard(True, True, True).passed
    for profile_allows, cli_allows in ((False, False), (True, False), (False, True)):
        verdict = rules.production_guard(True, profile_allows, cli_allows)
        assert not verdict.passed
        assert "set allow_load: true in the profile AND pass --allow-load" in verdict.reason
    assert "missing: --allow-load on the command line" in rules.production_guard(True, True, False).reason


# ----------------------------------------------------------------------------- settings


def test_settings_defaults_and_bounds() -> None:
    load = LoadSettings()
    assert [t.text for t in load.parsed_thresholds()] == ["p95 < 500ms", "error_rate < 1%"]
    assert load.wait_bounds == (0.0, 0.0)
    assert LoadSettings(wait_time=("1s", "2s")).wait_bounds == (1.0, 2.0)
    assert LoadSettings(workers="auto").worker_count(4) == 4
    structured = LoadSettings(thresholds=[{"threshold": "error_rate < 5%", "abort": True, "after": "2s"}])
    (threshold,) = structured.parsed_thresholds()
    assert threshold.abort and threshold.grace == 2.0
    for bad in ({"users": 600}, {"max_users": 100_000}, {"duration": "2h"}, {"workers": "many"},
                {"wait_time": ("2s", "1s")}, {"max_requests": 10**9}):
        with pytest.raises(ValidationError):
            LoadSettings(**bad)


def test_invalid_threshold_is_a_profile_error_with_key_path(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nchecks:\n  load:\n    thresholds: ['p95 < 500ms', 'p95 < 500']\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == "checks.load.thresholds[1]"
    assert "needs a duration with a unit" in caught.value.problem


def test_locustfile_path_is_resolved_from_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nchecks:\n  load:\n    locustfile: lf/mine.py\n")
    (tmp_path / "lf").mkdir()
    (tmp_path / "lf" / "mine.py").write_text("from locust import HttpUser\n")  # must exist at load
    assert load_profile(path).checks.load.locustfile == str(tmp_path / "lf" / "mine.py")


def test_spec_defaults_to_the_health_path() -> None:
    target = Target(name="web", url="https://demo.golive.test:8443", resolve="127.0.0.1")
    load = LoadSettings(users=3, spawn_rate=3, duration="2s", thresholds=["error_rate < 5% abort"])
    spec = build_spec(target, load, "/api/health", load.parsed_thresholds(), cpu_count=2)
    assert spec["scenarios"][0]["path"] == "/api/health" and spec["scenarios"][0]["method"] == "GET"
    assert (spec["hostname"], spec["resolve"], spec["workers"]) == ("demo.golive.test", "127.0.0.1", 0)
    assert spec["aborts"] == [{"text": "error_rate < 5% abort", "grace": 5.0}]
    assert spec["locustfile"].endswith("load/scenarios.py")
    assert time_limit(spec) == pytest.approx(2 + 1 + 60)


# ----------------------------------------------------------------------------- baseline


def test_baseline_promoted_only_when_the_targets_load_passed(tmp_path: Path) -> None:
    data = summary()
    baselines.record_candidate(tmp_path, "web", data)
    baselines.record_candidate(tmp_path, "api", data)
    assert baselines.read_baseline(tmp_path, "web") is None
    signoff = {"profile": "p", "environment": "staging", "started_at": "2026-11-22T10:00:00Z",
               "finished_at": "2026-11-22T10:01:00Z", "verdict": "NO-GO",
               "items": [{"id": "load.thresholds", "title": "t", "category": "load", "severity": "high",
                          "status": "failed", "results": [
                              {"subject": "web", "status": "passed"}, {"subject": "web", "status": "passed"},
                              {"subject": "api", "status": "passed"}, {"subject": "api", "status": "failed"}]}]}
    (tmp_path / "signoff.json").write_text(json.dumps(signoff))
    assert baselines.passed_targets(tmp_path) == {"web"}
    assert baselines.settle(tmp_path, baselines.passed_targets(tmp_path)) == ["web"]
    assert baselines.read_baseline(tmp_path, "web") == data
    assert baselines.read_baseline(tmp_path, "api") is None
    assert not list((tmp_path / baselines.DIRNAME).glob("*.candidate.json"))


# ----------------------------------------------------------------------------- a run that loaded nothing (15.4)


def refused(requests: int = 10_827, failures: int = 10_827) -> dict:
    """A closed port: every request refused in a millisecond, so latency looks excellent."""
    total = block(requests, failures, p95=1.0, p99=2.0, avg=0.8, rps=900.0)
    errors = [{"method": "GET", "name": "/api/health", "error": "ConnectionRefusedError(111, 'Connection refused')",
               "occurrences": failures}]
    return {"total": total, "entries": [{**total, "name": "/api/health", "method": "GET"}], "errors": errors}


@pytest.mark.parametrize("text", ["p95 < 500ms", "rps > 100", "p99 < baseline * 1.1", "error_rate <= 100%",
                                  "GET /api/health: avg < 10ms"])
def test_all_failed_run_fails_whatever_the_threshold_says(text: str) -> None:
    verdict = rules.judge(parse_threshold(text), refused())
    assert not verdict.passed, verdict
    assert "10,827 of 10,827 requests failed (100 %)" in verdict.reason
    assert "ConnectionRefusedError(111, 'Connection refused') ×10,827 on GET /api/health" in verdict.reason


def test_nearly_all_failed_and_a_breached_threshold_keeps_its_own_message_with_the_errors() -> None:
    verdict = rules.judge(parse_threshold("error_rate < 1%"), refused(1000, 970))
    assert verdict.name == "load-threshold-breached" and verdict.reason.startswith("error rate 97 % over the 1 %")
    assert "— errors: ConnectionRefusedError" in verdict.reason


def test_mostly_successful_run_is_judged_normally() -> None:
    assert rules.judge(parse_threshold("p95 < 500ms"), refused(1000, 940)).passed
    assert rules.run_unusable(refused(1000, 940), refused(1000, 940)["total"]) is None


def test_error_breakdown_ranks_and_bounds_the_list() -> None:
    data = {"errors": [{"method": "GET", "name": f"/p{i}", "error": f"E{i}", "occurrences": i} for i in range(1, 6)]}
    assert rules.error_breakdown(data) == "E5 ×5 on GET /p5; E4 ×4 on GET /p4; E3 ×3 on GET /p3; 2 more kind(s)"
    assert rules.error_breakdown(data, "GET /p2") == "E2 ×2 on GET /p2"


# ----------------------------------------------------------------------------- remote workers (issue 21)


def worker(name: str, cpu: float = 40.0, **extra: object) -> dict:
    return {"name": name, "samples": 5, "cpu_avg": cpu, "cpu_max": cpu + 5, "cpu_warning": False,
            "requests": 1200, "lost": False, **extra}


def test_worker_health_names_the_saturated_worker() -> None:
    healthy = rules.generator_health({"samples": 3, "cpu_avg": 5.0, "workers": [worker("ns-1"), worker("ns-2")]})
    assert healthy.passed and "busiest ns-1" in healthy.reason
    hot = rules.generator_health({"samples": 3, "cpu_avg": 5.0, "workers": [worker("ns-1"), worker("ns-2", 97.0)]})
    assert not hot.passed
    assert hot.reason.startswith("results unreliable: generator CPU saturated on worker ns-2 (97 % on average")
    assert "ns-1" not in hot.reason
    warned = rules.generator_health({"workers": [worker("a", 30.0, cpu_warning=True), worker("b", 95.0)]}, 90)
    assert "on workers a (30 % on average, peak 35 %), b (95 %" in warned.reason


def test_lost_worker_note() -> None:
    notes = rules.lost_workers({"workers": [worker("ns-1"), worker("ns-2", lost=True, lost_after_s=3.2,
                                                                     lost_how="stopped answering (no heartbeat)")]})
    assert notes == ["worker ns-2 stopped answering (no heartbeat) after 3.2s of load (1,200 requests from it); "
                     "thresholds judged on the aggregated stats, 1 of 2 workers to the end"]
    assert rules.lost_workers({"workers": [worker("ns-1")]}) == [] and rules.lost_workers(None) == []


@pytest.mark.parametrize(("text", "listen", "host", "port"), [
    ("192.0.2.5:5557", True, "192.0.2.5", 5557),
    ("loadmaster.internal:5557", False, "loadmaster.internal", 5557),
    ("[fd00::5]:5557", False, "fd00::5", 5557),
    ("*:5557", True, "*", 5557),
    ("0.0.0.0:5557", True, "0.0.0.0", 5557),
])
def test_parse_endpoint(text: str, listen: bool, host: str, port: int) -> None:
    endpoint = parse_endpoint(text, listen=listen)
    assert (endpoint.host, endpoint.port) == (host, port)
    assert str(endpoint) == text


@pytest.mark.parametrize(("text", "listen", "hint"), [
    ("192.0.2.5", True, "the port is required"),
    ("192.0.2.5:0", True, "from 1 to 65535"),
    ("192.0.2.5:http", True, "from 1 to 65535"),
    ("fd00::5:5557", True, "needs brackets"),
    ("[fd00::zz]:5557", True, "is not an IPv6 address"),
    ("300.1.1.1:5557", True, "neither an IPv4 address nor a host name"),
    ("bad_host:5557", True, "neither an IPv4 address nor a host name"),
    ("*:5557", False, "an address to listen on"),
    ("0.0.0.0:5557", False, "an address to listen on"),
    ("", True, "expected HOST:PORT"),
])
def test_parse_endpoint_errors(text: str, listen: bool, hint: str) -> None:
    with pytest.raises(AddressError, match=re.escape(hint)):
        parse_endpoint(text, listen=listen)


def test_local_workers_connect_over_loopback_when_the_master_listens_everywhere() -> None:
    assert parse_endpoint("*:5557", listen=True).local_host == "127.0.0.1"
    assert parse_endpoint("[::]:5557", listen=True).local_host == "::1"
    assert parse_endpoint("192.0.2.5:5557", listen=True).local_host == "192.0.2.5"
    assert parse_endpoint("0.0.0.0:5557", listen=True).bind_host == "*"


def test_remote_settings() -> None:
    assert (LoadSettings().remote_workers, LoadSettings().master_bind, LoadSettings().worker_wait) == (0, None, 60.0)
    load = LoadSettings(remote_workers=3, master_bind="192.0.2.5:5557", worker_wait="2m")
    assert (load.remote_workers, load.master_bind, load.worker_wait) == (3, "192.0.2.5:5557", 120.0)
    with pytest.raises(ValidationError, match=r"master_bind\n.*required with remote_workers: 2"):
        LoadSettings(remote_workers=2)
    with pytest.raises(ValidationError, match=r"worker_wait\n.*at most 15m"):
        LoadSettings(worker_wait="16m")
    with pytest.raises(ValidationError, match="remote_workers"):
        LoadSettings(remote_workers=257, master_bind="192.0.2.5:5557")


def test_spec_and_time_limit_with_remote_workers() -> None:
    target = Target(name="web", url="https://demo.golive.test:8443")
    load = LoadSettings(users=4, spawn_rate=4, duration="2s", remote_workers=2, master_bind="192.0.2.5:5557",
                        worker_wait="30s")
    spec = build_spec(target, load, "/api/health", load.parsed_thresholds(), cpu_count=2)
    assert (spec["remote_workers"], spec["master_bind"], spec["worker_wait"]) == (2, "192.0.2.5:5557", 30.0)
    assert time_limit(spec) == pytest.approx(2 + 1 + 30 + 60)


def test_worker_payload_carries_contents_not_paths(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    (tmp_path / "mine.py").write_text("from locust import FastHttpUser\n")
    spec = {"target": "web", "host": "https://x.test", "hostname": "x.test", "resolve": "192.0.2.7",
            "verify_tls": True, "request_timeout": 5.0, "wait_time": [0, 0], "scenarios": [{"path": "/"}],
            "ca_bundle": str(tmp_path / "ca.pem"), "locustfile": str(tmp_path / "mine.py"), "max_requests": 9,
            "aborts": [], "master_bind": "192.0.2.5:5557"}
    payload = protocol.worker_payload(spec)
    assert payload["locustfile"] == {"name": "mine.py", "source": "from locust import FastHttpUser\n"}
    assert payload["spec"]["ca_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert set(payload["spec"]) == {*protocol.WORKER_KEYS, "ca_pem"}
    assert str(tmp_path) not in json.dumps(payload), "a worker's machine has none of the master's paths"


def test_sealed_spec_opens_only_with_the_same_key() -> None:
    payload = {"spec": {"scenarios": [{"headers": {"Authorization": "Bearer s3cr3t-token"}}]}, "locustfile": None}
    key = "correct horse battery staple"
    message = seal.seal(payload, key)
    assert "s3cr3t-token" not in json.dumps(message), "the headers travel encrypted"
    assert seal.open_payload(message, key) == payload
    assert seal.seal(payload, key)["sealed"] != message["sealed"], "a fresh salt (and IV) per message"
    with pytest.raises(seal.SealError, match="wrong worker key"):
        seal.open_payload(message, "another key of some length")
    with pytest.raises(seal.SealError, match=re.escape("is sealed (checks.load.worker_key): start the worker with")):
        seal.open_payload(message, None)
    with pytest.raises(seal.SealError, match="not sealed but this worker has a key"):
        seal.open_payload(payload, key)
    assert seal.open_payload(payload, None) == payload
    tampered = {**message, "sealed": message["sealed"][:-8] + "AAAAAAAA"}
    with pytest.raises(seal.SealError, match="wrong worker key"):
        seal.open_payload(tampered, key)


def test_worker_key_is_long_enough() -> None:
    assert LoadSettings(worker_key="x" * 16).worker_key == "x" * 16
    with pytest.raises(ValidationError, match="worker_key"):
        LoadSettings(worker_key="short")
