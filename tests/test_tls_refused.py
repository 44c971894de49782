"""The legacy-version pre-check (``golive.tls.refused``) against real TLS servers on loopback.

It replaces sslyze's one-handshake-per-suite enumeration of a version with one handshake when the
server rejects that version outright. Proven here: on nginx variants that refuse the legacy
versions, accept TLS 1.0/1.1, lack TLS 1.3, add a weak suite or require a client certificate, and
on a Python (OpenSSL) server,
sslyze's full scan and the pre-checked scan report the same suites accepted per version and the
same Mozilla verdict; a version the server speaks is still enumerated suite by suite; a server
that never answers leaves every version to sslyze; and a real ``TlsScan`` runs no per-suite
handshake for a refused version.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.settings.tls import TlsSettings
from golive.tls.convert import CIPHER_COMMANDS
from tests.pki import HOSTNAME
from tests.servers.nginx_tls import VARIANTS, TlsLab, tls_lab

pytestmark = pytest.mark.xdist_group("tls_refused")

SERVERS = ("sound", "legacy_protocols", "no_tls13", "weak_ciphers")
LEGACY = {"SSL_2_0_CIPHER_SUITES", "SSL_3_0_CIPHER_SUITES", "TLS_1_0_CIPHER_SUITES", "TLS_1_1_CIPHER_SUITES"}


CLIENT_CERT = ("client_cert", "client_cert_legacy")  # servers that require a client certificate


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsLab]:
    root = tmp_path_factory.mktemp("tls-refused")
    variants = {name: VARIANTS[name] for name in SERVERS}
    require = f"ssl_verify_client on;\nssl_client_certificate {root / 'pki' / 'ca.pem'};"
    variants["client_cert"] = dataclasses.replace(VARIANTS["sound"], extra=require)
    variants["client_cert_legacy"] = dataclasses.replace(VARIANTS["legacy_protocols"], extra=require)
    with tls_lab(root, variants) as running:
        yield running


def _request(lab: TlsLab, name: str, port: int | None = None, timeout: int = 5) -> Any:
    from sslyze import ServerNetworkConfiguration, ServerNetworkLocation, ServerScanRequest

    from golive.tls.scan import scan_commands

    return ServerScanRequest(
        server_location=ServerNetworkLocation(HOSTNAME, port or lab.ports[name], ip_address="127.0.0.1"),
        network_configuration=ServerNetworkConfiguration(HOSTNAME, network_timeout=timeout, network_max_retries=0),
        scan_commands=scan_commands(http=True),
    )


def _scan(requests: list[Any]) -> dict[int, Any]:
    from sslyze import Scanner

    scanner = Scanner(per_server_concurrent_connections_limit=5, concurrent_server_scans_limit=len(requests))
    scanner.queue_scans(requests)
    return {result.server_location.port: result for result in scanner.get_results()}


def _suites_by_version(result: Any) -> dict[str, tuple[str, bool, list[str]]]:
    out = {}
    for attribute, label in CIPHER_COMMANDS:
        attempt = getattr(result.scan_result, attribute)
        accepted = sorted(s.cipher_suite.name for s in attempt.result.accepted_cipher_suites)
        rejected = len(attempt.result.rejected_cipher_suites)
        out[label] = (attempt.status.name, attempt.result.is_tls_version_supported, accepted, rejected)
    return out


def test_the_pre_checked_scan_reports_what_the_full_enumeration_reports(lab: TlsLab) -> None:
    from golive.tls.refused import refused_versions, with_refused
    from golive.tls.scan import mozilla_checker

    names = [*SERVERS, *CLIENT_CERT, "client_renegotiation"]  # the last: a Python server on OpenSSL
    full_requests = {name: _request(lab, name) for name in names}
    refused = {name: refused_versions(r.server_location, r.network_configuration, r.scan_commands)
               for name, r in full_requests.items()}
    reduced = [dataclasses.replace(r, scan_commands=r.scan_commands - refused[name].keys())
               for name, r in full_requests.items()]
    full, pre_checked = _scan(list(full_requests.values())), _scan(reduced)
    _, mozilla = mozilla_checker(TlsSettings())
    for name in names:
        port = lab.ports[name]
        completed = with_refused(pre_checked[port], refused[name])
        assert _suites_by_version(completed) == _suites_by_version(full[port]), name
        assert mozilla(completed) == mozilla(full[port]), name

    refused_names = {name: {command.name for command in commands} for name, commands in refused.items()}
    for name in ("sound", "no_tls13", "weak_ciphers", "client_cert", "client_renegotiation"):
        assert refused_names[name] == LEGACY, name
    # TLS 1.0 and 1.1 are spoken there (with a client certificate required, the handshake is
    # inconclusive): enumerated suite by suite, and found
    for name in ("legacy_protocols", "client_cert_legacy"):
        assert refused_names[name] == {"SSL_2_0_CIPHER_SUITES", "SSL_3_0_CIPHER_SUITES"}, name
        assert _suites_by_version(full[lab.ports[name]])["TLS 1.0"][1] is True, name


def test_a_refused_version_is_filled_in_as_every_suite_rejected_with_the_servers_error(lab: TlsLab) -> None:
    from sslyze import ScanCommand

    from golive.tls.refused import offerable_suites, refused_versions, with_refused

    request = _request(lab, "sound")
    refused = refused_versions(request.server_location, request.network_configuration, request.scan_commands)
    result = _scan([dataclasses.replace(request, scan_commands=request.scan_commands - refused.keys())])
    completed = with_refused(result[lab.ports["sound"]], refused)
    attempt = completed.scan_result.tls_1_0_cipher_suites
    assert attempt.status.name == "COMPLETED" and attempt.error_reason is None
    assert attempt.result.accepted_cipher_suites == [] and not attempt.result.is_tls_version_supported
    all_suites = offerable_suites(attempt.result.tls_version_used)
    assert {r.cipher_suite for r in attempt.result.rejected_cipher_suites} == set(all_suites)
    reason = attempt.result.rejected_cipher_suites[0].error_message
    assert refused[ScanCommand.TLS_1_0_CIPHER_SUITES] in reason
    assert f"one handshake offering all {len(all_suites)} suites of TLS_1_0 was rejected" in reason
    assert with_refused(completed, {}) is completed  # nothing refused: sslyze's result untouched


def test_a_server_that_never_answers_leaves_every_version_to_sslyze(lab: TlsLab) -> None:
    from golive.tls.refused import refused_versions

    for port in (lab.silent_port, lab.closed_port):
        request = _request(lab, "", port=port, timeout=1)
        start = time.monotonic()
        assert refused_versions(request.server_location, request.network_configuration, request.scan_commands) == {}
        assert time.monotonic() - start < 1 + 2  # one handshake's timeout (1 s), not one per version


def test_only_the_versions_asked_for_are_pre_checked(lab: TlsLab) -> None:
    from sslyze import ScanCommand

    from golive.tls.refused import refused_versions

    request = _request(lab, "sound")
    asked = {ScanCommand.TLS_1_0_CIPHER_SUITES, ScanCommand.TLS_1_2_CIPHER_SUITES, ScanCommand.CERTIFICATE_INFO}
    assert set(refused_versions(request.server_location, request.network_configuration, asked)) == {
        ScanCommand.TLS_1_0_CIPHER_SUITES}
    assert refused_versions(request.server_location, request.network_configuration, {ScanCommand.ROBOT}) == {}


def test_a_tls_scan_runs_no_per_suite_handshake_for_a_version_the_server_refused(
    lab: TlsLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wiring: golive's own scan (in this process) skips sslyze's enumeration of TLS 1.0 on a
    server that refuses it, still enumerates it where it is spoken, and reports both correctly."""
    from sslyze.plugins.openssl_cipher_suites import implementation

    from golive.tls.scan import ScanKey, ScanPlan, TlsScan

    tried: dict[int, set[str]] = {}
    real = implementation.connect_with_cipher_suite

    def counting(server: Any, version: Any, suite: Any) -> Any:
        tried.setdefault(server.server_location.port, set()).add(version.name)
        return real(server, version, suite)

    monkeypatch.setattr(implementation, "connect_with_cipher_suite", counting)
    plan = ScanPlan()
    keys = {name: ScanKey(HOSTNAME, lab.ports[name], "127.0.0.1") for name in ("sound", "legacy_protocols")}
    for key in keys.values():
        plan.add(key, lab.pki.ca_bundle, 5.0)
    scan = TlsScan(plan, TlsSettings(), workdir=tmp_path)
    try:
        sound, legacy = (scan.observe(keys[name]) for name in ("sound", "legacy_protocols"))
    finally:
        scan.close()
    assert sound.error is None and legacy.error is None, (sound.error, legacy.error)
    assert tried[lab.ports["sound"]] == {"TLS_1_2", "TLS_1_3"}
    assert {"TLS_1_0", "TLS_1_1", "TLS_1_2", "TLS_1_3"} <= tried[lab.ports["legacy_protocols"]]
    assert sound.protocols == {"SSLv2": False, "SSLv3": False, "TLS 1.0": False, "TLS 1.1": False,
                               "TLS 1.2": True, "TLS 1.3": True}
    assert legacy.protocols["TLS 1.0"] and legacy.protocols["TLS 1.1"]
    assert any(s.protocol == "TLS 1.0" for s in legacy.suites)
