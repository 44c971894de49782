"""One concurrent sslyze scan of every TLS target of the profile, started lazily, shared by all
tls.* checks of the session.

The first TLS check calls ``TlsScan.observe(target)``: that queues ALL (hostname, port, address)
of the profile in one sslyze ``Scanner`` (plus one ALPN probe each) on a background thread and
waits only for its own server; later checks find their result ready or wait for it. Results are
converted to ``TlsObservation`` once per key. A server that refuses, does not speak TLS or never
answers becomes an observation with ``error`` (sslyze's connectivity test, bounded by the
target's timeout), which every check reports as "TLS connection to ... failed: ...".
"""

from __future__ import annotations

import json
import math
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.settings.tls import MOZILLA_POLICIES, TlsSettings
from golive.tls.alpn import Probe
from golive.tls.model import TlsObservation


@dataclass(frozen=True)
class ScanKey:
    """What is scanned once: the name (SNI, certificate checks), the port, the address dialled, and
    what is spoken there: ``application`` (``https``, ``postgres``, ``redis``...) and the STARTTLS
    dialect sslyze speaks before the handshake (``starttls``, sslyze's enum name; None: TLS first)."""

    hostname: str
    port: int
    address: str | None
    starttls: str | None = None
    application: str = "https"

    @property
    def where(self) -> str:
        return f"{self.hostname}:{self.port}" + (f" ({self.address})" if self.address else "")

    @property
    def http(self) -> bool:
        return self.application == "https"


@dataclass
class ScanPlan:
    """The keys to scan, with the ca_bundles of the targets that share them and their timeouts."""

    bundles: dict[ScanKey, list[Path]] = field(default_factory=dict)
    timeouts: dict[ScanKey, float] = field(default_factory=dict)

    def add(self, key: ScanKey, ca_bundle: Path | None, timeout: float) -> None:
        bundles = self.bundles.setdefault(key, [])
        if ca_bundle is not None and Path(ca_bundle) not in bundles:
            bundles.append(Path(ca_bundle))
        self.timeouts[key] = max(self.timeouts.get(key, 0.0), timeout)


def key_of(target: Any) -> ScanKey:
    """The scan of an https target or of a ``tls_endpoints`` entry."""
    if target.is_https:
        return ScanKey(target.hostname, target.port, target.resolve)
    return ScanKey(target.hostname, target.port, target.resolve, target.starttls, target.protocol)


def plan_for(profile: Any) -> ScanPlan:
    """Every https target and TLS endpoint of the profile, deduplicated by what is scanned."""
    plan = ScanPlan()
    for target in [*(t for t in profile.targets if t.is_https), *getattr(profile, "tls_endpoints", ())]:
        plan.add(key_of(target), target.ca_bundle, float(target.timeout or profile.timeout))
    return plan


def scan_commands(http: bool) -> set[Any]:
    """What the one sslyze scan runs per server: everything sslyze's Mozilla checker needs (versions,
    suites, curves, certificate, Heartbleed, CCS, ROBOT, renegotiation, compression, fallback SCSV,
    extended master secret), plus the TLS 1.3 early-data probe on HTTP servers (it speaks HTTP)."""
    from sslyze import ScanCommand
    from sslyze.mozilla_tls_profile.tls_config_checker import SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER

    commands = set(SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER)
    if http:
        commands.add(ScanCommand.TLS_1_3_EARLY_DATA)
    return commands


class TlsUnreachable(Exception):
    """The TLS endpoint could not be scanned; classified "target unreachable" by the plugin."""

    unreachable = True

    def __init__(self, subject: str, reason: str) -> None:
        self.subject = subject
        self.reason = reason
        super().__init__(f"{subject}: {reason}")


def mozilla_checker(
    settings: TlsSettings,
) -> tuple[str, Callable[[Any], tuple[dict[str, str] | None, str | None]]]:
    """(policy label, function ServerScanResult → (issues, error)) using sslyze's Mozilla checker."""
    from sslyze.mozilla_tls_profile.tls_config_checker import (
        MozillaTlsConfiguration,
        ServerNotCompliantWithTlsConfiguration,
        ServerScanResultIncomplete,
        TlsConfigurationAsJson,
        TlsConfigurationEnum,
        check_server_against_tls_configuration,
    )

    path = settings.custom_policy_path
    if path is not None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if "configurations" in data:
            data = data["configurations"][settings.policy if settings.policy in MOZILLA_POLICIES else "intermediate"]
        config = TlsConfigurationAsJson(**data)
        label = f"custom policy {Path(path).name}"
    else:
        config = MozillaTlsConfiguration.get(TlsConfigurationEnum(settings.policy))
        label = settings.policy

    def check(result: Any) -> tuple[dict[str, str] | None, str | None]:
        try:
            check_server_against_tls_configuration(result, config)
        except ServerNotCompliantWithTlsConfiguration as exc:
            return dict(exc.issues), None
        except ServerScanResultIncomplete as exc:
            return None, str(exc)
        return {}, None

    return label, check


class TlsScan:
    """The session's TLS scan: lazy, concurrent, one sslyze scan per key."""

    def __init__(self, plan: ScanPlan, settings: TlsSettings, workdir: Path | None = None) -> None:
        self.plan = plan
        self.settings = settings
        self.workdir = workdir
        self._lock = threading.Lock()
        self._started = False
        self._done = {key: threading.Event() for key in plan.bundles}
        self._raw: dict[ScanKey, Any] = {}
        self._elapsed: dict[ScanKey, float] = {}
        self._errors: dict[ScanKey, str] = {}
        self._probes: dict[ScanKey, Probe] = {}
        self._observations: dict[ScanKey, TlsObservation] = {}
        self._stores: dict[ScanKey, Path] = {}
        self._thread: threading.Thread | None = None
        self._mozilla: tuple[str, Callable[[Any], tuple[dict[str, str] | None, str | None]]] | None = None
        self.started_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Queue every key in one Scanner (idempotent); returns at once."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self.started_at = time.perf_counter()
        # sslyze loads the combined store (system roots included); some system roots have
        # non-positive serials, which cryptography warns about on every load. Not a finding.
        warnings.filterwarnings("ignore", message="Parsed a serial number which wasn't positive")
        self._thread = threading.Thread(target=self._run, name="golive-sslyze", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _preflight(self) -> list[ScanKey]:
        """Probe every key at once (ALPN + reachability); the unreachable ones are done already."""
        from golive.tls.alpn import probe

        keys = list(self.plan.bundles)
        with ThreadPoolExecutor(max_workers=min(16, len(keys)), thread_name_prefix="golive-tls-probe") as pool:
            results = list(
                pool.map(
                    lambda k: probe(k.hostname, k.port, k.address, self.plan.timeouts[k], starttls=k.starttls),
                    keys,
                )
            )
        reachable = []
        for key, result in zip(keys, results, strict=True):
            self._probes[key] = result
            if result.unreachable:
                self._finish(key, error=result.unreachable)
            else:
                reachable.append(key)
        return reachable

    def _requests(self, keys: Sequence[ScanKey]) -> dict[Any, tuple[Any, ScanKey]]:
        """One sslyze ``ServerScanRequest`` per key, by request uuid."""
        from sslyze import (
            CertificateInfoExtraArgument,
            ProtocolWithOpportunisticTlsEnum,
            ScanCommandsExtraArguments,
            ServerNetworkConfiguration,
            ServerNetworkLocation,
            ServerScanRequest,
        )

        from golive.tls.trust import combined_store

        requests: dict[Any, tuple[Any, ScanKey]] = {}
        for key in keys:
            bundles = self.plan.bundles[key]
            store = combined_store(bundles, self.workdir)
            self._stores[key] = store
            try:
                location = ServerNetworkLocation(key.hostname, key.port, ip_address=key.address)
            except Exception as exc:  # sslyze raises its own types for DNS failures
                self._finish(key, error=f"hostname could not be resolved ({exc})")
                continue
            network = ServerNetworkConfiguration(
                tls_server_name_indication=key.hostname,
                tls_opportunistic_encryption=(
                    ProtocolWithOpportunisticTlsEnum[key.starttls] if key.starttls else None
                ),
                network_timeout=max(1, math.ceil(self.plan.timeouts[key])),
                network_max_retries=self.settings.network_retries,
            )
            request = ServerScanRequest(
                server_location=location,
                network_configuration=network,
                scan_commands=scan_commands(http=key.http),
                scan_commands_extra_arguments=ScanCommandsExtraArguments(
                    certificate_info=CertificateInfoExtraArgument(custom_ca_file=store)
                ),
            )
            requests[request.uuid] = (request, key)
        return requests

    def _run(self) -> None:
        try:
            from sslyze import Scanner

            requests = self._requests(self._preflight())
            if not requests:
                return
            scanner = Scanner(
                per_server_concurrent_connections_limit=self.settings.connections_per_server,
                concurrent_server_scans_limit=self.settings.concurrent_servers,
            )
            scanner.queue_scans([request for request, _ in requests.values()])
            for result in scanner.get_results():
                _, key = requests[result.uuid]
                self._finish(key, raw=result)
        except Exception as exc:  # one crash must not hang every check: report it on each
            for key, event in self._done.items():
                if not event.is_set():
                    self._finish(key, error=f"TLS scan crashed: {type(exc).__name__}: {exc}")

    def _finish(self, key: ScanKey, raw: Any = None, error: str | None = None) -> None:
        self._elapsed[key] = time.perf_counter() - self.started_at
        if raw is not None:
            self._raw[key] = raw
        if error is not None:
            self._errors[key] = error
        self._done[key].set()

    # ------------------------------------------------------------------ results

    def observe(self, key: ScanKey) -> TlsObservation:
        """The observation of ``key``, scanning (everything) first if nobody has yet."""
        if key not in self._done:
            raise KeyError(f"{key.where} is not a TLS target of this profile")
        with self._lock:
            cached = self._observations.get(key)
        if cached is not None:
            return cached
        self.start()
        budget = float(self.settings.scan_timeout)
        if not self._done[key].wait(timeout=budget):
            self._errors.setdefault(key, f"scan did not finish within {budget:g}s (checks.tls.scan_timeout)")
        obs = self._convert(key)
        with self._lock:
            self._observations.setdefault(key, obs)
            return self._observations[key]

    def _convert(self, key: ScanKey) -> TlsObservation:
        from golive.tls.convert import observation
        from golive.tls.trust import http_fetcher, store_label

        timeout = self.plan.timeouts[key]
        elapsed = round(self._elapsed.get(key, 0.0), 3)
        if key in self._errors or key not in self._raw:
            return TlsObservation(
                key.hostname,
                key.port,
                key.address,
                error=self._errors.get(key, "no scan result"),
                scan_seconds=elapsed,
                starttls=key.starttls,
                application=key.application,
            )
        probed = self._probes.get(key)
        alpn = (probed.selected, probed.error) if probed else (None, "no ALPN probe")
        if self._mozilla is None:  # built once per scan: sslyze loads its policy JSON each time
            self._mozilla = mozilla_checker(self.settings)
        policy, mozilla = self._mozilla
        return observation(
            self._raw[key],
            key.hostname,
            key.port,
            key.address,
            self._stores[key],
            store_label(self.plan.bundles[key]),
            http_fetcher(timeout),
            alpn,
            policy,
            mozilla,
            elapsed,
            timeout,
            key.starttls,
            key.application,
        )


def scan_now(
    plan: ScanPlan, settings: TlsSettings, keys: Sequence[ScanKey] | None = None
) -> dict[ScanKey, TlsObservation]:
    """Scan and convert everything at once (benchmarks, the CLI)."""
    scan = TlsScan(plan, settings)
    scan.start()
    try:
        return {key: scan.observe(key) for key in (keys or list(plan.bundles))}
    finally:
        scan.close()
