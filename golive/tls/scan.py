"""One concurrent sslyze scan of every TLS target of the profile, started lazily, shared by all
tls.* checks of the session.

``TlsScan.start()`` (called by the observation phase, or by the first TLS check) probes every
(hostname, port, address) of the profile at once with one standard-library handshake (ALPN, and
a fast reachability test) and hands each reachable server, as soon as its probe answers, to an
sslyze ``Scanner`` of its own, ``concurrent_servers`` at a time. A server that refuses, does not
speak TLS or never answers becomes an observation with ``error`` after one probe (bounded by the
target's timeout, handshake included), which every check reports as "TLS connection to ...
failed: ..."; the endpoint is recorded in the shared ``Reachability`` so that its HTTP checks fail
at once too. Each server's scan has a total deadline (``checks.tls.scan_timeout``) counted from
its own start, and each handshake within it the target's timeout; results are converted to
``TlsObservation`` on the scan's threads, so checks find them ready. Before a server's scan, the
suites it accepts up to TLS 1.2, and after it the curves of a TLS 1.3 server, are found by
elimination, one handshake per accepted suite or curve (``golive.tls.elimination``,
``golive.tls.curve_elimination``), and sslyze does not enumerate them one handshake each.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.reach import Endpoint, Reachability
from golive.settings.tls import MOZILLA_POLICIES, TlsSettings
from golive.tls.alpn import Probe
from golive.tls.model import TlsObservation
from golive.workers import WorkerPool


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


def preload() -> None:
    """Import what a scan runs (sslyze, its plugins and Mozilla checker, the conversion), and
    shorten sslyze's poll (``golive.tls.poll``): what the warm child of ``golive.tls.remote`` does
    while the run still collects, so that its first scan starts at once. Sends nothing."""
    import sslyze  # noqa: F401
    from sslyze.mozilla_tls_profile import tls_config_checker  # noqa: F401
    from sslyze.plugins.scan_commands import ScanCommandsRepository

    from golive.tls import alpn, convert, curve_elimination, elimination, trust  # noqa: F401
    from golive.tls.poll import shorten_scanner_poll

    for command in scan_commands(http=True):
        ScanCommandsRepository.get_implementation_cls(command)
    shorten_scanner_poll()


class _SubjectReason(Exception):
    """An exception naming a TLS subject and why ("web: TLS connection to ... failed: ..."), that
    survives pickling (xdist sends it from a worker)."""

    def __init__(self, subject: str, reason: str) -> None:
        self.subject = subject
        self.reason = reason
        super().__init__(f"{subject}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.subject, self.reason))


class TlsRefused(_SubjectReason, AssertionError):
    """The endpoint answered but would not speak TLS (no handshake, STARTTLS refused): a defect of
    the endpoint that every tls.* check fails on, not an unreachable subject."""


class TlsUnreachable(_SubjectReason):
    """The TLS endpoint could not be scanned; classified "target unreachable" by the plugin."""

    unreachable = True


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
    """The session's TLS scan: lazy, concurrent, one sslyze scan per key, each with a deadline.

    ``on_started(key)`` and ``on_observation(key, observation)`` (optional) are called on the
    scan's threads when a key's sslyze scan starts and when its observation is ready (the child
    process of ``golive.tls.remote`` forwards them to the run).
    """

    def __init__(self, plan: ScanPlan, settings: TlsSettings, workdir: Path | None = None,
                 reachability: Reachability | None = None,
                 on_started: Callable[[ScanKey], None] | None = None,
                 on_observation: Callable[[ScanKey, TlsObservation], None] | None = None) -> None:
        self.plan = plan
        self.settings = settings
        self.workdir = workdir
        self.reachability = reachability or Reachability()
        self.on_started = on_started
        self.on_observation = on_observation
        self._lock = threading.Lock()
        self._requested: set[ScanKey] = set()
        self._done = {key: threading.Event() for key in plan.bundles}
        self._scan_started: dict[ScanKey, float] = {}
        self._raw: dict[ScanKey, Any] = {}
        self._elapsed: dict[ScanKey, float] = {}
        self._errors: dict[ScanKey, str] = {}
        self._probes: dict[ScanKey, Probe] = {}
        self._observations: dict[ScanKey, TlsObservation] = {}
        self._stores: dict[ScanKey, Path] = {}
        self._mozilla: tuple[str, Callable[[Any], tuple[dict[str, str] | None, str | None]]] | None = None
        self._probe_pool: WorkerPool | None = None
        self._scan_pool: WorkerPool | None = None
        self.started_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Probe and scan every key of the plan (idempotent); returns at once."""
        self.request(list(self.plan.bundles))

    def request(self, keys: Sequence[ScanKey]) -> None:
        """Probe ``keys`` (those not requested yet) and queue the reachable ones; returns at once."""
        with self._lock:
            new = [key for key in dict.fromkeys(keys) if key in self._done and key not in self._requested]
            self._requested.update(new)
            if not new:
                return
            if self._probe_pool is None:
                self.started_at = time.perf_counter()
                # sslyze loads the combined store (system roots included); some system roots have
                # non-positive serials, which cryptography warns about on every load. Not a finding.
                warnings.filterwarnings("ignore", message="Parsed a serial number which wasn't positive")
                self._probe_pool = WorkerPool(min(16, len(self._done)), "golive-tls-probe")
                self._scan_pool = WorkerPool(self.settings.concurrent_servers, "golive-sslyze")
            probes = self._probe_pool
        for key in new:
            if probes.submit(lambda key=key: self._guarded(key, self._probe_then_queue)).cancelled():
                self._finish(key, error="the run ended before this target was scanned")

    def close(self) -> None:
        """Stop queuing work; scans in flight end by their own deadlines (daemon threads, not waited)."""
        for pool in (self._probe_pool, self._scan_pool):
            if pool is not None:
                pool.close()

    def _guarded(self, key: ScanKey, step: Callable[[ScanKey], None]) -> None:
        try:
            step(key)
        except Exception as exc:  # one crash must not hang a check: report it on the key
            self._finish(key, error=f"TLS scan crashed: {type(exc).__name__}: {exc}")

    def _probe_then_queue(self, key: ScanKey) -> None:
        """The pre-flight probe (ALPN + reachability) of one key; a reachable key is queued for sslyze."""
        from golive.tls.alpn import probe

        endpoint = Endpoint(key.hostname, key.port, key.address)
        down = self.reachability.down(endpoint)
        if down is not None:
            self._finish(key, error=f"{down} (target already found unreachable this run)")
            return
        result = probe(key.hostname, key.port, key.address, self.plan.timeouts[key], starttls=key.starttls)
        self._probes[key] = result
        if result.unreachable:
            self._finish(key, error=self.reachability.mark_down(endpoint, result.unreachable))
            return
        self.reachability.answered(endpoint)
        assert self._scan_pool is not None
        if self._scan_pool.submit(lambda: self._guarded(key, self._scan)).cancelled():
            self._finish(key, error="the run ended before this target was scanned")

    def _scan(self, key: ScanKey) -> None:
        """One server's sslyze scan, then its conversion (so that checks find it ready)."""
        from golive.tls.poll import shorten_scanner_poll

        shorten_scanner_poll()
        with self._lock:
            self._scan_started[key] = time.monotonic()
        if self.on_started is not None:
            self.on_started(key)
        request = self._request(key)
        if request is None:
            return
        self._finish(key, raw=self._scan_by_elimination(request))

    def _scan_by_elimination(self, request: Any) -> Any:
        """sslyze's ``ServerScanResult`` for ``request``, with the cipher suites up to TLS 1.2 and the
        elliptic curves found by elimination (``golive.tls.elimination``, ``curve_elimination``)
        where it settles them, and by sslyze's own commands where it does not."""
        from sslyze import ScanCommand

        from golive.tls.curve_elimination import eliminated_curves, with_curves, with_curves_of
        from golive.tls.elimination import eliminated_versions, with_eliminated

        location, network, commands = request.server_location, request.network_configuration, request.scan_commands
        eliminated = eliminated_versions(location, network, commands)
        curves = {ScanCommand.ELLIPTIC_CURVES} & commands
        result = with_eliminated(self._sslyze(request, commands - eliminated.keys() - curves), eliminated)
        if not curves or result.scan_result is None or result.connectivity_result is None:
            return result
        found = eliminated_curves(location, network, result.connectivity_result)
        if found is not None:
            return with_curves(result, found)
        return with_curves_of(result, self._sslyze(request, curves))

    def _sslyze(self, request: Any, commands: set[Any]) -> Any:
        """sslyze's scan of one server, running ``commands`` only (and their extra arguments only:
        sslyze refuses an argument for a command it does not run)."""
        from sslyze import ScanCommand, ScanCommandsExtraArguments, Scanner

        extra = request.scan_commands_extra_arguments
        if ScanCommand.CERTIFICATE_INFO not in commands:
            extra = ScanCommandsExtraArguments()
        scanner = Scanner(per_server_concurrent_connections_limit=self.settings.connections_per_server,
                          concurrent_server_scans_limit=1)
        scanner.queue_scans([dataclasses.replace(request, scan_commands=commands, scan_commands_extra_arguments=extra)])
        return next(iter(scanner.get_results()))

    def _request(self, key: ScanKey) -> Any:
        """The sslyze ``ServerScanRequest`` of a key (None, with the key finished, when its
        hostname does not resolve)."""
        from sslyze import (
            CertificateInfoExtraArgument,
            ProtocolWithOpportunisticTlsEnum,
            ScanCommandsExtraArguments,
            ServerNetworkConfiguration,
            ServerNetworkLocation,
            ServerScanRequest,
        )

        from golive.tls.trust import combined_store

        bundles = self.plan.bundles[key]
        store = combined_store(bundles, self.workdir)
        self._stores[key] = store
        try:
            location = ServerNetworkLocation(key.hostname, key.port, ip_address=key.address)
        except Exception as exc:  # sslyze raises its own types for DNS failures
            self._finish(key, error=f"hostname could not be resolved ({exc})")
            return None
        network = ServerNetworkConfiguration(
            tls_server_name_indication=key.hostname,
            tls_opportunistic_encryption=(
                ProtocolWithOpportunisticTlsEnum[key.starttls] if key.starttls else None
            ),
            network_timeout=max(1, math.ceil(self.plan.timeouts[key])),
            network_max_retries=self.settings.network_retries,
        )
        return ServerScanRequest(
            server_location=location,
            network_configuration=network,
            scan_commands=scan_commands(http=key.http),
            scan_commands_extra_arguments=ScanCommandsExtraArguments(
                certificate_info=CertificateInfoExtraArgument(custom_ca_file=store)
            ),
        )

    def _finish(self, key: ScanKey, raw: Any = None, error: str | None = None) -> None:
        """Record a key's outcome (the first one wins) and convert it on this thread."""
        with self._lock:
            if self._done[key].is_set():
                return  # a crash report never overwrites a result
            self._elapsed[key] = time.perf_counter() - self.started_at
            if raw is not None:
                self._raw[key] = raw
            if error is not None:
                self._errors[key] = error
        try:
            observation = self._observation(key)
        finally:
            self._done[key].set()
        if self.on_observation is not None:
            self.on_observation(key, observation)

    # ------------------------------------------------------------------ results

    def observe(self, key: ScanKey) -> TlsObservation:
        """The observation of ``key``, scanning it first if nobody has asked for it yet (the
        observation phase requests every key of the run at once, before the first check asks).

        Waits for the key's scan until its deadline (``scan_timeout`` from the moment its own scan
        started; a key still queued behind other scans waits for its turn, each of those bounded
        the same way).
        """
        if key not in self._done:
            raise KeyError(f"{key.where} is not a TLS target of this profile")
        with self._lock:
            cached = self._observations.get(key)
        if cached is not None:
            return cached
        self.request([key])
        budget = float(self.settings.scan_timeout)
        while not self._done[key].wait(timeout=0.25):
            with self._lock:
                began = self._scan_started.get(key)
            if began is not None and time.monotonic() - began > budget:
                with self._lock:
                    self._errors.setdefault(
                        key, f"scan did not finish within {budget:g}s (checks.tls.scan_timeout)")
                break
        return self._observation(key)

    def waiting(self) -> list[ScanKey]:
        """The keys requested and not finished (for the progress line)."""
        with self._lock:
            requested = list(self._requested)
        return [key for key in requested if not self._done[key].is_set()]

    def _observation(self, key: ScanKey) -> TlsObservation:
        with self._lock:
            cached = self._observations.get(key)
        if cached is not None:
            return cached
        obs = self._convert(key)
        with self._lock:
            return self._observations.setdefault(key, obs)

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
