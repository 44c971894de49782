"""TLS checks vs a bare sslyze scan, measured in the same run against real nginx on loopback.

Usage: .venv/bin/python bench/tls_bench.py [HOSTS] [REPEATS]

Starts ONE nginx with HOSTS sound TLS server blocks (Mozilla intermediate, test PKI), then measures
(median of REPEATS, alternating order):

1. all 15 tls.* checks for 1 host through golive (a real pytest run, ``-m tls``): the summed
   durations of the 15 tests from junit.xml ("check time"; target ≤ 1.0 s);
2. golive's scan + the 15 rules for HOSTS hosts in-process (``TlsScan`` as the checks use it: every
   key requested at once, as the observation phase does; per key a pre-flight/ALPN probe, its own
   sslyze Scanner under its deadline, side by side, conversion, trust/chain analysis, OCSP staple
   verification, rules);
3. a bare sslyze concurrent ``Scanner`` over the same HOSTS hosts with the same scan commands
   (``golive.tls.scan.scan_commands``: the Mozilla checker's set plus the 0-RTT probe) and
   concurrency, until its last result, with sslyze's own 0.2 s poll (``golive.tls.poll``
   shortens it for golive's scans in this process; the bare side puts it back);
and prints the ratio 2 / 3 (target ≤ 1.1×) plus the check time of the HOSTS-host golive run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from bench_summary import record  # bench/ is on sys.path: run as a script

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from golive.rules import tls as rules  # noqa: E402
from golive.settings.tls import TlsSettings  # noqa: E402
from golive.tls.scan import ScanKey, ScanPlan, TlsScan, scan_commands  # noqa: E402
from tests.harness import run_golive  # noqa: E402
from tests.pki import HOSTNAME  # noqa: E402
from tests.servers.nginx_tls import TlsLab, Variant, tls_lab  # noqa: E402

CHECKS = 15
"""tls.* checks per host."""


def golive_in_process(lab: TlsLab, names: list[str], settings: TlsSettings) -> float:
    plan = ScanPlan()
    keys = []
    for name in names:
        key = ScanKey(HOSTNAME, lab.ports[name], "127.0.0.1")
        plan.add(key, lab.pki.ca_bundle, 5.0)
        keys.append(key)
    start = time.perf_counter()
    scan = TlsScan(plan, settings)
    try:
        scan.request(keys)  # as the observation phase does: every key queued before the first check asks
        for key in keys:
            obs = scan.observe(key)
            assert not obs.error, obs.error
            verdicts = [
                rules.cert_trusted(obs),
                rules.cert_validity(obs),
                rules.cert_expiry_window(obs, settings.min_days_remaining),
                rules.cert_hostname(obs, HOSTNAME),
                rules.cert_chain_complete(obs),
                rules.cert_key_strength(obs),
                rules.protocols(obs),
                rules.ciphers(obs),
                rules.vulnerabilities(obs),
                rules.http2(obs),
                rules.mozilla_compliance(obs),
                rules.ocsp_stapling(obs),
                rules.key_exchange(obs),
                rules.early_data(obs),
                rules.certificate_transparency(obs),
            ]
            assert all(v.passed for v in verdicts), [v.message for v in verdicts if not v.passed]
    finally:
        scan.close()
    return time.perf_counter() - start


def bare_sslyze(lab: TlsLab, names: list[str], settings: TlsSettings) -> float:
    from sslyze import (
        CertificateInfoExtraArgument,
        ScanCommandsExtraArguments,
        Scanner,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
    )
    from sslyze.scanner import _mass_scanner

    _mass_scanner.sleep = time.sleep  # sslyze as shipped: golive's in-process side shortened its poll
    start = time.perf_counter()
    requests = [
        ServerScanRequest(
            server_location=ServerNetworkLocation(HOSTNAME, lab.ports[name], ip_address="127.0.0.1"),
            network_configuration=ServerNetworkConfiguration(
                HOSTNAME, network_timeout=5, network_max_retries=settings.network_retries
            ),
            scan_commands=scan_commands(http=True),
            scan_commands_extra_arguments=ScanCommandsExtraArguments(
                certificate_info=CertificateInfoExtraArgument(custom_ca_file=lab.pki.ca_bundle)
            ),
        )
        for name in names
    ]
    scanner = Scanner(
        per_server_concurrent_connections_limit=settings.connections_per_server,
        concurrent_server_scans_limit=settings.concurrent_servers,
    )
    scanner.queue_scans(requests)
    done = [r for r in scanner.get_results() if r.scan_result is not None]
    assert len(done) == len(names)
    return time.perf_counter() - start


def golive_check_time(lab: TlsLab, names: list[str], workdir: Path) -> tuple[float, float]:
    """(summed tls test durations from junit.xml, wall time of the pytest subprocess)."""
    profile = {"name": "tls-bench", "timeout": "5s", "targets": [lab.target(n) for n in names]}
    start = time.perf_counter()
    run = run_golive(profile, "-m", "tls", "-p", "no:randomly", tmp_path=workdir)
    wall = time.perf_counter() - start
    junit = run.report_dir / "junit.xml"
    total = 0.0
    count = 0
    for case in ET.parse(junit).getroot().iter("testcase"):
        if "test_tls" in case.get("classname", "") + case.get("file", ""):
            total += float(case.get("time", 0))
            count += 1
    assert count == CHECKS * len(names), f"{count} tls tests in junit (exit {run.returncode})"
    assert run.failed_ids() & {i for i in run.statuses() if i.startswith("tls.")} == set(), run.output[-2000:]
    return total, wall


def main() -> None:
    hosts = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    settings = TlsSettings()
    variants = {
        "sound": Variant(stapling=True),
        **{f"sound{i}": Variant(stapling=True) for i in range(1, hosts)},
    }
    names = list(variants)
    with (
        tempfile.TemporaryDirectory() as tmp,
        tls_lab(Path(tmp), variants, renegotiation_server=False) as lab,
    ):
        golive_in_process(lab, names, settings)  # warm-up (imports, store parsing)
        bare_sslyze(lab, names, settings)
        ours, bare = [], []
        for i in range(repeats):
            pair = [("golive", golive_in_process), ("bare", bare_sslyze)]
            for label, func in pair if i % 2 == 0 else reversed(pair):
                (ours if label == "golive" else bare).append(func(lab, names, settings))
        one_check, one_wall = golive_check_time(lab, names[:1], Path(tmp) / "one")
        many_check, many_wall = golive_check_time(lab, names, Path(tmp) / "many")
    g, b = statistics.median(ours), statistics.median(bare)
    print(
        f"1 host, {CHECKS} tls.* checks through golive (pytest): check time {one_check:.3f} s "
        f"(target <= 1.0 s); subprocess wall {one_wall:.2f} s"
    )
    print(
        f"{hosts} hosts, {CHECKS} tls.* checks each through golive (pytest): check time {many_check:.3f} s; "
        f"subprocess wall {many_wall:.2f} s"
    )
    print(f"{hosts} hosts, golive scan + rules in-process: median {g:.3f} s  {[round(x, 3) for x in ours]}")
    print(f"{hosts} hosts, bare sslyze Scanner:            median {b:.3f} s  {[round(x, 3) for x in bare]}")
    print(
        f"ratio golive / bare sslyze: {g / b:.2f}x (target <= 1.1x); "
        f"golive check time / bare: {many_check / b:.2f}x"
    )
    record("TLS: 1 host, tls.* check time (pytest)", "<= 1.0 s", f"{one_check:.3f} s", one_check <= 1.0)
    record(f"TLS: {hosts} hosts, golive scan + rules / bare sslyze Scanner", "<= 1.1x", f"{g / b:.2f}x", g / b <= 1.1)


if __name__ == "__main__":
    main()
