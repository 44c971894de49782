"""Benchmark: the behaviour probes (issue 17).

1. The rate-limit burst: golive's probe (``golive.probes.ratelimit.burst`` through ``HttpFetcher``,
   recovery off) against a plain loop of the same GETs with one ``httpx.Client``, on the same demo
   target (flaw ``rate_limit_missing``, so both send the full budget of requests). Target: ≤ 1.2×.
   The sound demo's limited burst (429 after 10 a second) is timed too, for the request count.
2. The added time of all new probes on the demo gate: ``-m "smoke or security"`` against the demo
   with profiles/demo.yaml, once with the new checks deselected (``-k "not (...)"``) and once with
   them, same demo target, interleaved rounds.

Medians of REPEATS interleaved rounds (the shared machine's load drifts).
Run: ``.venv/bin/python bench/probes_bench.py [REPEATS] [BUDGET]``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

NEW_CHECKS = ("rate_limit", "input_validation", "auth_probes", "websocket", "error_pages", "compression",
              "static_caching", "source_maps", "xss_protection", "blue_green_cutover")


def _burst(demo, budget: int) -> tuple[float, int]:
    from golive.http import HttpFetcher
    from golive.probes.ratelimit import burst
    from golive.profile import Target

    target = Target.model_validate(demo.target_dict("web"))
    fetcher = HttpFetcher(default_timeout=5.0)
    try:
        start = time.perf_counter()
        result = burst(fetcher, target, "/login", method="GET", headers={}, body=None, json_body=None,
                       budget=budget, limited=[429], recovery=False, max_wait=0)
        return time.perf_counter() - start, result.sent
    finally:
        fetcher.close()


def _plain_loop(demo, budget: int) -> tuple[float, int]:
    import httpx

    from golive.http import ssl_context

    url = f"https://{demo.resolve}:{demo.https_port}/login"
    with httpx.Client(verify=ssl_context(str(demo.ca_bundle)), timeout=5.0) as client:
        start = time.perf_counter()
        sent = 0
        for _ in range(budget):
            response = client.get(url, headers={"Host": f"{demo.hostname}:{demo.https_port}"},
                                  extensions={"sni_hostname": demo.hostname})
            sent += 1
            if response.status_code == 429:
                break
        return time.perf_counter() - start, sent


def bench_burst(repeats: int, budget: int, state: Path) -> None:
    from golive.demo import start_demo

    probe, loop = [], []
    with start_demo(flaws={"rate_limit_missing"}, state_dir=state) as unlimited, start_demo(state_dir=state) as sound:
        _burst(unlimited, 5), _plain_loop(unlimited, 5)  # warm both paths (imports, TLS contexts)
        for _ in range(repeats):
            probe.append(_burst(unlimited, budget))
            loop.append(_plain_loop(unlimited, budget))
        limited = [_burst(sound, budget) for _ in range(repeats) if not time.sleep(1.1)]
    p, lp = statistics.median(t for t, _ in probe), statistics.median(t for t, _ in loop)
    print(f"rate-limit burst, {budget} requests to /login on the demo without a limit (median of {repeats}):")
    print(f"  golive probe   : {p * 1000:8.1f} ms  {probe[0][1]} requests  ({p / probe[0][1] * 1000:.2f} ms/request)")
    print(f"  plain httpx loop: {lp * 1000:7.1f} ms  {loop[0][1]} requests  ({lp / loop[0][1] * 1000:.2f} ms/request)")
    print(f"  ratio probe/loop: {p / lp:.2f}x  (target <= 1.2x)")
    lt = statistics.median(t for t, _ in limited)
    print(f"  sound demo (limit 10/s): limited after {limited[0][1]} requests in {lt * 1000:.1f} ms")


def _gate(env: dict[str, str], report: str, deselect: bool) -> tuple[float, str]:
    """Wall seconds of one gate run, and pytest's closing line (the counts prove what ran)."""
    command = [sys.executable, "-m", "pytest", str(REPO / "checks"), "-p", "no:locust", "-p", "no:cacheprovider",
               "--rootdir", str(REPO), "--profile", str(REPO / "profiles" / "demo.yaml"), "--report-dir", report,
               "-q", "--no-header", "-m", "smoke or security"]
    if deselect:
        command += ["-k", "not (" + " or ".join(NEW_CHECKS) + ")"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=900)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"gate exited {done.returncode} (expected GO):\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    return took, done.stdout.strip().splitlines()[-1]


def bench_gate(repeats: int, state: Path) -> None:
    from golive.demo import start_demo

    before, after = [], []
    with start_demo(state_dir=state) as demo:
        env = {k: v for k, v in os.environ.items() if k not in ("GOLIVE_PROFILE",)}
        env.update({"GOLIVE_DEMO_HTTPS_PORT": str(demo.https_port), "GOLIVE_DEMO_HTTP_PORT": str(demo.http_port),
                    "GOLIVE_DEMO_CA": str(demo.ca_bundle), "GOLIVE_DEMO_TOKEN": demo.token,
                    "GOLIVE_DEMO_JWT_KEY": demo.jwt_key, "GOLIVE_DEMO_STATE": str(state)})
        _gate(env, str(state / "warm"), True)
        for index in range(repeats):
            time.sleep(1.1)  # a fresh rate-limit window on /login for each run
            before.append(_gate(env, str(state / f"b{index}"), True))
            time.sleep(1.1)
            after.append(_gate(env, str(state / f"a{index}"), False))
    b, a = statistics.median(t for t, _ in before), statistics.median(t for t, _ in after)
    print(f'demo gate -m "smoke or security", wall incl. start-up (median of {repeats}):')
    print(f"  without the new probes: {b:6.2f} s  [{before[-1][1]}]")
    print(f"  with the new probes   : {a:6.2f} s  [{after[-1][1]}]")
    print(f"  added by the probes   : {a - b:6.2f} s  (includes the 1 s WebSocket idle and ~1 s rate-limit recovery "
          "of profiles/demo.yaml)")


def main(repeats: int = 5, budget: int = 150) -> None:
    with tempfile.TemporaryDirectory(prefix="golive-probes-bench-") as tmp:
        bench_burst(repeats, budget, Path(tmp))
        bench_gate(max(3, repeats // 2 + 1), Path(tmp))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
