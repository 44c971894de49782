"""The observation phase (``golive.observe``): subjects observed side by side, checks unchanged.

Proofs on real servers, none of them timed: the targets count how many requests were in flight at
once (across the fleet, and per target), the sign-off and the test order are compared between
``concurrency: 1`` and the default, a target killed mid-run errs alone, and the progress line is
read from a real pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from golive.observe import LANES_PER_SUBJECT
from golive.profile import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from tests.harness import REPO, GoliveRun, run_golive
from tests.servers.counting import counting_fleet, mortal_server
from tests.servers.stalling import serve, silent

SMOKE = {"health_path": "/api/health", "deep_health_path": None, "latency": {"samples": 4, "p95": "5s"}}


def _fleet_profile(ports: dict[str, int], **extra: Any) -> dict[str, Any]:
    return {"name": "fleet", "environment": "staging", "timeout": "5s",
            "targets": [{"name": name, "url": f"http://127.0.0.1:{port}"} for name, port in ports.items()],
            "checks": {"smoke": SMOKE}, **extra}


def _order(run: GoliveRun) -> list[str]:
    tree = ET.parse(run.report_dir / "junit.xml")
    return [f"{case.get('classname')}::{case.get('name')}" for case in tree.iter("testcase")]


def _outcomes(run: GoliveRun) -> list[tuple[str, str, str, str]]:
    """Every result; measured durations (latency figures) blanked, they differ between any two runs.
    ``http.error_pages`` is left out: how the stdlib stub answers its malformed requests (an
    oversized body, a 16 KiB URI) depends on timing, not on golive."""
    return sorted((item["id"], r["subject"], r["status"], _steady(r["message"]))
                  for item in run.signoff["items"] for r in item["results"] if item["id"] != "http.error_pages")


def _steady(message: str) -> str:
    """A message without what differs between any two runs: durations, the probes' random tokens."""
    return re.sub(r"golive-[0-9a-f]{8,}", "golive-TOKEN", re.sub(r"\d+(\.\d+)?ms", "Nms", message))


@pytest.mark.parametrize("value", [0, MAX_CONCURRENCY + 1, "many", -3])
def test_concurrency_out_of_range_is_a_usage_error(tmp_path: Path, value: Any) -> None:
    run = run_golive(_fleet_profile({"t0": 9}, concurrency=value), "-m", "smoke", tmp_path=tmp_path)
    assert run.returncode == 4, run.output[-2000:]
    assert "concurrency" in run.output and "fleet.yaml" in run.output
    assert "Traceback" not in run.output


def test_subjects_overlap_and_each_subject_stays_one_client(tmp_path: Path) -> None:
    """Six slow targets: their requests overlap across targets; a smoke gate sends one target its
    health request, then its latency samples, one after another."""
    with counting_fleet(6, delay=0.15) as (ports, tally):
        run = run_golive(_fleet_profile(ports), "-m", "smoke", tmp_path=tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert run.status("smoke.latency") == "passed"
    assert tally.most >= 3, f"at most {tally.most} requests in flight across 6 targets"
    assert max(tally.per_target_most.values()) == 1, tally.per_target_most  # latency samples: one client
    assert all(tally.requests[name] == 1 + 4 for name in ports), tally.requests  # health once, 4 samples


def test_http_probes_overlap_across_targets(tmp_path: Path) -> None:
    """The http.* probe checks' requests (error probes, pages, assets, source maps) are sent by the
    observation phase: across targets they overlap (sent by the checks, one went at a time), within
    one target at most ``LANES_PER_SUBJECT`` at once."""
    probes = "error_pages or compression or static_caching or source_maps or breach"
    with counting_fleet(6, delay=0.1) as (ports, tally):
        run = run_golive(_fleet_profile(ports), "-k", probes, tmp_path=tmp_path)
    assert {item["id"] for item in run.signoff["items"] if item["results"]} >= {
        "http.error_pages", "http.compression", "http.static_caching", "http.source_maps"}, run.output[-3000:]
    assert "Traceback" not in run.output
    assert tally.most >= 3, f"at most {tally.most} requests in flight across 6 targets"
    assert max(tally.per_target_most.values()) <= LANES_PER_SUBJECT, tally.per_target_most
    # each target's pages and error probes reached the stub's handler: six GETs as a rule, one fewer
    # at times (a request sent right after a probe the stub answers without reading it, an oversized
    # body or an unknown method, can go down with that connection before the handler sees it)
    assert all(tally.requests[name] >= 4 for name in ports), tally.requests


def test_one_target_is_observed_in_lanes_and_sampled_alone(tmp_path: Path) -> None:
    """One distant target (every answer takes 0.1 s): its thirty-odd observations go out side by side,
    up to ``LANES_PER_SUBJECT`` at once; its latency samples come last, with nothing of it in flight."""
    with counting_fleet(1, delay=0.1) as (ports, tally):
        run = run_golive(_fleet_profile(ports), "-m", "smoke or headers or http", tmp_path=tmp_path)
    assert "Traceback" not in run.output
    assert run.status("smoke.latency") == "passed", run.output[-3000:]
    assert run.status("http.exposure") == "passed", run.output[-3000:]
    assert 2 <= tally.per_target_most["t0"] <= LANES_PER_SUBJECT, tally.per_target_most
    seen = tally.seen["t0"]
    samples = seen[-SMOKE["latency"]["samples"]:]
    assert all(request.path == "/api/health" for request in samples), [r.path for r in seen]
    assert all(request.beside == 1 for request in samples), [(r.path, r.beside) for r in seen]
    assert sum(request.path == "/api/health" for request in seen) == 1 + SMOKE["latency"]["samples"]
    assert len(seen) >= 20, "the exposure probes, the pages and the error probes were sent"


def test_concurrency_one_observes_one_subject_at_a_time(tmp_path: Path) -> None:
    with counting_fleet(4, delay=0.05) as (ports, tally):
        run = run_golive(_fleet_profile(ports, concurrency=1), "-m", "smoke", tmp_path=tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    # the pool's one thread, plus the check thread when it gets ahead of the pool on another target
    assert tally.most <= 2, tally.most
    assert max(tally.per_target_most.values()) == 1, tally.per_target_most


def test_order_ids_and_sign_off_do_not_depend_on_concurrency(tmp_path: Path) -> None:
    with counting_fleet(5, delay=0.02) as (ports, _):
        serial = run_golive(_fleet_profile(ports, concurrency=1), "-m", "smoke or headers or http",
                            tmp_path=tmp_path / "serial")
        parallel = run_golive(_fleet_profile(ports), "-m", "smoke or headers or http", tmp_path=tmp_path / "parallel")
    assert _order(serial) == _order(parallel)
    assert len(_order(parallel)) >= 5 * 12
    assert _outcomes(serial) == _outcomes(parallel)
    assert serial.signoff["verdict"] == parallel.signoff["verdict"]


def test_xdist_workers_compose_with_the_phase(tmp_path: Path) -> None:
    with counting_fleet(6, delay=0.1) as (ports, tally):
        single = run_golive(_fleet_profile(ports), "-m", "smoke or headers", tmp_path=tmp_path / "one")
        before = sum(tally.requests.values())
        double = run_golive(_fleet_profile(ports), "-m", "smoke or headers", "-n", "2", tmp_path=tmp_path / "two")
        sent_by_two = sum(tally.requests.values()) - before
    assert _outcomes(single) == _outcomes(double)
    assert sent_by_two == before, "each subject observed once, by the worker that runs its checks"


def test_a_target_killed_mid_run_errs_alone(tmp_path: Path) -> None:
    with counting_fleet(4, delay=0.02) as (ports, _), mortal_server() as mortal:
        mortal.kill_after(2)  # it dies after two answers, with golive's requests still to come
        targets = {**ports, "mortal": mortal.port}
        run = run_golive(_fleet_profile(targets), "-m", "smoke or headers", tmp_path=tmp_path)
        reference = run_golive(_fleet_profile(ports), "-m", "smoke or headers", tmp_path=tmp_path / "reference")
    assert mortal.killed_at == 2
    others = [o for o in _outcomes(run) if o[1] != "mortal"]
    assert others == _outcomes(reference), "the dead target changed nothing for the others"
    broken = [r for item in run.signoff["items"] for r in item["results"]
              if r["subject"] == "mortal" and r["status"] == "error"]
    assert broken, run.output[-3000:]
    for result in broken:
        assert result["category"] == "target unreachable", result
        assert "mortal: http://127.0.0.1:" in result["message"] and "unreachable" in result["message"], result
    assert "Traceback" not in run.output


def test_a_silent_target_is_dialled_once_and_holds_no_lanes(tmp_path: Path) -> None:
    """A listener that accepts and never answers: the first contact waits out the timeout alone,
    every other check of that target reports the same error at once, and no second connection is
    opened (in lanes, six would be held open, and the pool threads other subjects wait for)."""
    accepted: list[float] = []
    with serve(silent, accepted) as hung, counting_fleet(1, delay=0.01) as (ports, _):
        run = run_golive(_fleet_profile({**ports, "hung": hung}, timeout="2s"), "-m", "smoke or headers or http",
                         tmp_path=tmp_path)
    assert len(accepted) == 1, f"the silent target was dialled {len(accepted)} times"
    hung_results = [r for item in run.signoff["items"] for r in item["results"] if r["subject"] == "hung"]
    assert len(hung_results) >= 10, run.output[-3000:]
    for result in hung_results:
        assert result["status"] == "error" and result["category"] == "target unreachable", result
    assert run.status("smoke.health", "t0") == "passed", run.output[-3000:]
    assert "Traceback" not in run.output


def test_an_unreachable_tls_target_is_one_line_per_check(tmp_path: Path) -> None:
    from tests.servers.base import free_port

    profile = {"name": "gone", "environment": "staging", "timeout": "2s",
               "targets": [{"name": "gone", "url": f"https://127.0.0.1:{free_port()}"}]}
    run = run_golive(profile, "-m", "tls", tmp_path=tmp_path)
    lines = run.output.splitlines()
    section = lines[lines.index(next(x for x in lines if "FAILURES" in x)) + 1:]
    section = section[:section.index(next(x for x in section if x.startswith("golive sign-off")))]
    headers = [x for x in section if x.startswith("____")]
    messages = [x for x in section if x.strip() and not x.startswith("____")]
    assert len(headers) >= 12, run.output[-3000:]
    assert len(messages) == len(headers) and all(
        x.startswith("gone: TLS connection to 127.0.0.1:") and x.endswith("failed: connection refused")
        for x in messages), messages
    assert "Traceback" not in run.output and "def test_" not in run.output and "tls_observation" not in run.output
    assert {r["status"] for item in run.signoff["items"] for r in item["results"]} == {"error"}


def _run_on_a_tty(args: list[str], profile: Path, reports: Path) -> str:
    """golive on a pseudo-terminal (as a person at a shell sees it); returns what it printed."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_") and k != "GOLIVE_PROFILE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(REPO / "checks"), "-p", "no:locust", "-p", "no:cacheprovider",
         "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), "--profile", str(profile),
         "--report-dir", str(reports), *args], stdin=child, stdout=child, stderr=child, cwd=REPO, env=env)
    os.close(child)
    output = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    process.wait(10)
    os.close(main)
    return output.decode(errors="replace")


def test_progress_on_a_terminal_names_what_it_waits_on(tmp_path: Path) -> None:
    import yaml

    with serve(silent) as hung, counting_fleet(2, delay=0.01) as (ports, _):
        profile = tmp_path / "slow.yaml"
        profile.write_text(yaml.safe_dump(_fleet_profile({**ports, "hung": hung}) | {"timeout": "6s"}))
        shown = _run_on_a_tty(["-m", "smoke"], profile, tmp_path / "tty")
        quiet = _run_on_a_tty(["-m", "smoke", "-q"], profile, tmp_path / "quiet")
        (tmp_path / "piped").mkdir()
        piped = run_golive(profile, "-m", "smoke", tmp_path=tmp_path / "piped")
    assert "subjects observed; still waiting on hung" in shown, shown[-3000:]
    assert "still waiting on" not in quiet, quiet[-3000:]
    assert "still waiting on" not in piped.output
    assert piped.status("smoke.health", "hung") == "error"


def test_default_concurrency_is_documented() -> None:
    readme = (REPO / "README.md").read_text()
    assert f"`concurrency` | `{DEFAULT_CONCURRENCY}`" in readme
