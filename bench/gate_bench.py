"""Benchmark: the CI post-deploy gate (``-m "smoke or security"``) against the demo target.

Figures printed:
- wall time of the whole gate as CI runs it (a ``pytest`` subprocess, start-up included);
- the same gate in-process under cProfile, split into time spent waiting on the network (socket,
  TLS, select/poll, waits on scanner threads, sleeps) and time spent outside network waits
  (golive, pytest, allure, rules);
- the raw tool: bare httpx sending the same number of sequential requests to the demo target's
  health path, measured in the same run, and the ratio gate / raw;
- a distant target (every answer takes ``DISTANT_DELAY``, the self-tests' counting stub):
  ``-m "smoke or headers or http"`` with the default concurrency, whose observations of the one
  target go out in lanes, against the same gate with ``concurrency: 1`` (one request at a time).

Run: ``.venv/bin/python bench/gate_bench.py [ROUNDS]`` (starts and stops its own demo target; the
subprocess figures are medians of ROUNDS interleaved rounds, default 5).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from bench_summary import record  # bench/ is on sys.path: run as a script

REPO = Path(__file__).resolve().parent.parent
MARKEXPR = "smoke or security"
DISTANT_DELAY = 0.05
"""Seconds each answer of the distant target takes: a round trip to another region."""
DISTANT_MARKEXPR = "smoke or headers or http"

_WAIT_NAMES = ("recv", "recv_into", "send", "sendall", "connect", "connect_ex", "do_handshake", "read",
               "write", "select", "poll", "acquire", "sleep", "getaddrinfo", "accept", "wait")
"""Built-in calls whose own time is network (or waiting for a thread that does network)."""
_BUILTIN = re.compile(r"method '?([\w.]+)")
"""cProfile names built-ins ``<method 'recv_into' of '_socket.socket' objects>`` or
``<built-in method select.select>``."""


def _profile(demo: object, tmp: Path) -> Path:
    path = tmp / "gate.yaml"
    data = {"name": "gate-bench", "environment": "staging", "timeout": "5s",
            "targets": [demo.target_dict("web")]}  # type: ignore[attr-defined]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _args(profile: Path, reports: Path, markexpr: str = MARKEXPR) -> list[str]:
    return [str(REPO / "checks"), "-p", "no:locust", "-p", "no:cacheprovider", "--rootdir", str(REPO),
            "-c", str(REPO / "pyproject.toml"), "--profile", str(profile), "--report-dir", str(reports),
            "-q", "--no-header", "-m", markexpr]


def _env() -> dict[str, str]:
    """The environment of the timed runs: byte-code caching on, as on users' machines."""
    return {k: v for k, v in os.environ.items() if k not in ("GOLIVE_PROFILE", "PYTHONDONTWRITEBYTECODE")}


def subprocess_gate(profile: Path, reports: Path, markexpr: str = MARKEXPR) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", *_args(profile, reports, markexpr)], cwd=REPO,
                          capture_output=True, text=True, check=False, env=_env())
    return time.perf_counter() - start, done.returncode


def profiled_gate(profile: Path, reports: Path) -> tuple[float, float, int]:
    """(wall, network-wait seconds, requests sent) of the gate run in this process."""
    import pytest

    from golive import http as golive_http

    sent = {"n": 0}
    original = golive_http.HttpFetcher._request

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent["n"] += 1
        return original(self, *args, **kwargs)

    golive_http.HttpFetcher._request = counting  # type: ignore[method-assign]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    try:
        pytest.main(_args(profile, reports))
    finally:
        profiler.disable()
        golive_http.HttpFetcher._request = original  # type: ignore[method-assign]
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    waits = 0.0
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        builtin = filename == "~"
        match = _BUILTIN.search(name)
        if builtin and match and match.group(1).split(".")[-1] in _WAIT_NAMES:
            waits += tottime
    return wall, waits, sent["n"]


def raw_httpx(demo: object, count: int) -> float:
    """Bare httpx: ``count`` sequential GETs of the health path (the floor of any HTTP gate)."""
    import httpx

    from golive.http import connect_url, ssl_context

    url, headers, extensions = connect_url(demo.https_url + "/api/health", demo.resolve)  # type: ignore[attr-defined]
    start = time.perf_counter()
    with httpx.Client(verify=ssl_context(str(demo.ca_bundle)), timeout=5, trust_env=False) as client:  # type: ignore[attr-defined]
        for _ in range(max(1, count)):
            client.send(client.build_request("GET", url, headers=headers, extensions=extensions))
    return time.perf_counter() - start


def distant(rounds: int, tmp: Path) -> tuple[float, float]:
    """Medians of (default concurrency, ``concurrency: 1``) against one distant target."""
    sys.path.insert(0, str(REPO))
    from tests.servers.counting import counting_fleet

    walls: dict[int | None, list[float]] = {None: [], 1: []}
    with counting_fleet(1, delay=DISTANT_DELAY) as (ports, _):
        for concurrency in walls:
            data: dict[str, Any] = {
                "name": "distant", "environment": "staging", "timeout": "5s",
                "targets": [{"name": "far", "url": f"http://127.0.0.1:{ports['t0']}"}],
                "checks": {"smoke": {"health_path": "/api/health", "deep_health_path": None,
                                     "latency": {"samples": 5, "p95": "5s"}}}}
            if concurrency is not None:
                data["concurrency"] = concurrency
            (tmp / f"distant-{concurrency}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        for index in range(rounds):
            for concurrency in (walls if index % 2 else reversed(list(walls))):
                profile = tmp / f"distant-{concurrency}.yaml"
                walls[concurrency].append(subprocess_gate(profile, tmp / f"distant{index}-{concurrency}",
                                                          DISTANT_MARKEXPR)[0])
    return statistics.median(walls[None]), statistics.median(walls[1])


def _version(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "--version"], capture_output=True, check=False, env=env)
    return time.perf_counter() - start


def main() -> None:
    from golive.demo import start_demo

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    env = _env()
    gates, smokes, versions = [], [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with start_demo(flaws=set(), state_dir=tmp / "demo") as demo:
            profile = _profile(demo, tmp)
            subprocess_gate(profile, tmp / "reports-warm")  # byte-code caches, the demo's first answers
            for index in range(rounds):  # interleaved: the machine's load drifts
                wall, code = subprocess_gate(profile, tmp / f"reports-sub{index}")
                gates.append(wall)
                smokes.append(subprocess_gate(profile, tmp / f"reports-smoke{index}", "smoke")[0])
                versions.append(_version(env))
            wall, waits, requests = profiled_gate(profile, tmp / "reports-prof")
            raw = raw_httpx(demo, requests)
        lanes, serial = distant(max(3, rounds // 2), tmp)
    sub_wall, smoke_wall, bare = (statistics.median(x) for x in (gates, smokes, versions))
    outside = wall - waits
    beyond = sub_wall - bare
    print(f"gate -m '{MARKEXPR}' against the demo target (exit {code}); medians of {rounds} interleaved rounds")
    print(f"  wall, subprocess as CI runs it : {sub_wall:8.3f} s  {[round(x, 2) for x in gates]}")
    print(f"  wall, -m smoke alone           : {smoke_wall:8.3f} s")
    print(f"  bare 'pytest --version' start  : {bare:8.3f} s")
    print(f"  gate beyond pytest's start-up  : {beyond:8.3f} s  (target <= 1.0 s)")
    print(f"  wall, in-process under cProfile: {wall:8.3f} s  ({requests} HTTP requests via HttpFetcher)")
    print(f"  network waits                  : {waits:8.3f} s  ({waits / wall:6.1%})")
    print(f"  outside network waits          : {outside:8.3f} s  ({outside / wall:6.1%})")
    print(f"  raw httpx, {requests} sequential GETs : {raw:8.3f} s")
    print(f"  ratio gate wall (subprocess) / raw httpx: {sub_wall / raw:6.1f}x")
    print(f"one distant target ({DISTANT_DELAY * 1000:.0f} ms an answer), -m '{DISTANT_MARKEXPR}':")
    print(f"  default concurrency (lanes)    : {lanes:8.3f} s")
    print(f"  concurrency: 1 (one at a time) : {serial:8.3f} s   ratio {lanes / serial:.2f}x")
    record(f"gate: demo -m '{MARKEXPR}' wall beyond pytest --version", "<= 1.0 s", f"{beyond:.2f} s",
           beyond <= 1.0)
    record(f"gate: one distant target ({DISTANT_DELAY * 1000:.0f} ms/answer), lanes / concurrency 1", "(scale)",
           f"{lanes / serial:.2f}x ({lanes:.2f} s / {serial:.2f} s)", None)


if __name__ == "__main__":
    main()
