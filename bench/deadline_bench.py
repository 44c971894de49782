"""How long hostile servers can hold golive: every network call against them, and a whole gate.

Usage: .venv/bin/python bench/deadline_bench.py [TIMEOUT_S]   (default 3)

Servers (``tests/servers/stalling.py``, real sockets on loopback): one that drips an HTTP header
line every 2 s, one that trickles its body one byte a second, a listener that accepts and never
answers, a TLS server that reads the ClientHello and stalls, a TLS server whose every byte arrives
one second after the last (a relay in front of a real TLS server), and one that dies mid-answer.
Measured, with ``timeout`` = TIMEOUT_S:

1. one ``HttpFetcher.fetch`` against each (the deadline of a request, body included);
2. the TLS pre-flight probe (connect + handshake) against each TLS one;
3. a whole gate (``-m "smoke or security"``, a pytest subprocess) over a sound target and all six
   at once, minus the same gate with six closed ports in their place (the same checks, failing at
   once): the time the hostile servers held the run.

Prints each hold and the longest; the target is the timeout plus a small margin (``MARGIN_S``).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_summary import record  # noqa: E402

from golive.http import FetchError, HttpFetcher  # noqa: E402
from golive.profile import Target  # noqa: E402
from golive.tls.alpn import probe  # noqa: E402
from tests.servers import stalling  # noqa: E402
from tests.servers.base import free_ports  # noqa: E402

MARGIN_S = 1.0


def held(call: object) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        outcome = str(call())  # type: ignore[operator]
    except FetchError as exc:
        outcome = exc.reason
    return time.perf_counter() - start, outcome


def gate(profile: dict, tmp: Path, name: str) -> float:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(profile))
    env = {k: v for k, v in os.environ.items() if k not in ("GOLIVE_PROFILE", "PYTHONDONTWRITEBYTECODE")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", str(REPO / "checks"), "-p", "no:locust", "-p", "no:cacheprovider",
                    "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), "--profile", str(path),
                    "--report-dir", str(tmp / f"r-{name}"), "-q", "-m", "smoke or security"],
                   cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600)
    return time.perf_counter() - start


def main() -> None:
    timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    with tempfile.TemporaryDirectory() as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        upstream, ca = stack.enter_context(stalling.tls_server(tmp / "tls"))
        ports = {
            "drip headers (a line / 2 s)": ("http", stack.enter_context(stalling.serve(stalling.drip_headers(2.0)))),
            "trickle body (1 byte / s)": ("http", stack.enter_context(stalling.serve(stalling.trickle_body(1.0)))),
            "accept, never answer": ("http", stack.enter_context(stalling.serve(stalling.silent))),
            "TLS stalls mid-handshake": ("https", stack.enter_context(stalling.serve(stalling.stall_handshake))),
            "TLS handshake, 1 byte / s": ("https", stack.enter_context(
                stalling.serve(stalling.trickle_proxy(upstream, 1.0)))),
            "dies mid-answer": ("http", stack.enter_context(stalling.serve(stalling.die_mid_response))),
        }
        holds: dict[str, float] = {}
        print(f"timeout {timeout:g}s; target: every hold <= {timeout + MARGIN_S:g}s")
        for label, (scheme, port) in ports.items():
            target = Target(name="hostile", url=f"{scheme}://www.golive.test:{port}", resolve="127.0.0.1",
                            ca_bundle=ca if scheme == "https" else None)
            fetcher = HttpFetcher(default_timeout=timeout)
            took, outcome = held(lambda target=target, fetcher=fetcher: fetcher.fetch(target, "/"))
            fetcher.close()
            holds[f"HTTP fetch: {label}"] = took
            print(f"  HTTP fetch, {label:28} {took:6.2f} s  {outcome[:80]}")
            if scheme == "https":
                took, outcome = held(lambda port=port: probe("www.golive.test", port, "127.0.0.1", timeout))
                holds[f"TLS probe: {label}"] = took
                print(f"  TLS probe,  {label:28} {took:6.2f} s  {outcome[:80]}")
        closed = free_ports([f"closed-{i}" for i in range(len(ports))])

        def targets(hostile: bool) -> list[dict]:
            found = []
            for i, (scheme, port) in enumerate(ports.values()):
                dialled = port if hostile else closed[f"closed-{i}"]
                found.append({"name": f"target-{i}", "url": f"{scheme}://www.golive.test:{dialled}",
                              "resolve": "127.0.0.1", **({"ca_bundle": str(ca)} if scheme == "https" else {})})
            return found

        sound = {"name": "sound", "url": f"https://www.golive.test:{upstream}", "resolve": "127.0.0.1",
                 "ca_bundle": str(ca)}
        base = {"environment": "staging", "timeout": f"{timeout:g}s", "checks": {"smoke": {"latency": {"samples": 3}}}}
        gate({"name": "warm", **base, "targets": [sound]}, tmp, "warm")
        refused, hostile = [], []
        for index in range(2):  # interleaved: the machine's load drifts
            refused.append(gate({"name": "refused", **base, "targets": [sound, *targets(False)]}, tmp, f"c{index}"))
            hostile.append(gate({"name": "hostile", **base, "targets": [sound, *targets(True)]}, tmp, f"h{index}"))
        held_s = statistics.median(hostile) - statistics.median(refused)
        holds["whole gate, all six at once"] = held_s
        print(f"  gate -m 'smoke or security', a sound target + six closed ports {statistics.median(refused):.2f} s, "
              f"+ the six hostile servers instead {statistics.median(hostile):.2f} s: held {held_s:.2f} s")
    worst = max(holds, key=lambda k: holds[k])
    print(f"longest hold: {holds[worst]:.2f} s ({worst}); target <= {timeout + MARGIN_S:g} s")
    record("deadlines: longest hold by a hostile server", f"<= timeout {timeout:g}s + {MARGIN_S:g}s",
           f"{holds[worst]:.2f} s ({worst})", holds[worst] <= timeout + MARGIN_S)


if __name__ == "__main__":
    main()
