"""Cipher suites by elimination (``golive.tls.elimination``) against real TLS servers on loopback.

It replaces sslyze's one-handshake-per-suite enumeration of SSL 2.0 to TLS 1.2 with one handshake
per accepted suite, plus one. Proven here: on every nginx variant of the TLS lab (modern, TLS
1.0/1.1 enabled, no TLS 1.3, weak, NULL, anonymous and CBC suites, weak DH and curve, RSA and ECDSA
certificates...), two that require a client certificate, and a Python (OpenSSL) server, sslyze's
full scan and the scan completed by elimination report the same suites accepted and rejected per
version, with the same ephemeral keys, and the same Mozilla verdict; a server that never answers
leaves every version to sslyze; and a real ``TlsScan`` runs no per-suite handshake for an
eliminated version.
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

pytestmark = pytest.mark.xdist_group("tls_elimination")

ALL_VERSIONS = {"SSL_2_0_CIPHER_SUITES", "SSL_3_0_CIPHER_SUITES", "TLS_1_0_CIPHER_SUITES",
                "TLS_1_1_CIPHER_SUITES", "TLS_1_2_CIPHER_SUITES"}
LEGACY_REJECTED = {"SSL_2_0_CIPHER_SUITES", "SSL_3_0_CIPHER_SUITES", "TLS_1_0_CIPHER_SUITES", "TLS_1_1_CIPHER_SUITES"}
CLIENT_CERT = ("client_cert", "client_cert_legacy")  # servers that require a client certificate
PYTHON_SERVER = "client_renegotiation"  # the lab's Python server on OpenSSL


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsLab]:
    root = tmp_path_factory.mktemp("tls-elimination")
    variants = dict(VARIANTS)
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


def _key(key: Any) -> tuple[Any, ...] | None:
    """What an ephemeral key says about the server (its bytes differ per handshake)."""
    if key is None:
        return None
    return (type(key).__name__, key.type_name, key.size, getattr(key, "curve_name", None))


def _suites_by_version(result: Any) -> dict[str, Any]:
    out = {}
    for attribute, label in CIPHER_COMMANDS:
        attempt = getattr(result.scan_result, attribute)
        accepted = [(s.cipher_suite.name, _key(s.ephemeral_key)) for s in attempt.result.accepted_cipher_suites]
        rejected = [s.cipher_suite.name for s in attempt.result.rejected_cipher_suites]
        out[label] = (attempt.status.name, attempt.result.is_tls_version_supported, accepted, rejected)
    return out


def test_elimination_reports_what_the_full_enumeration_reports(lab: TlsLab) -> None:
    from golive.tls.curve_elimination import eliminated_curves, with_curves
    from golive.tls.elimination import eliminated_versions, with_eliminated
    from golive.tls.scan import mozilla_checker

    names = list(lab.ports)
    assert {*VARIANTS, *CLIENT_CERT, PYTHON_SERVER} <= set(names)
    full_requests = {name: _request(lab, name) for name in names}
    found = {name: eliminated_versions(r.server_location, r.network_configuration, r.scan_commands)
             for name, r in full_requests.items()}
    reduced = [dataclasses.replace(r, scan_commands=r.scan_commands - found[name].keys())
               for name, r in full_requests.items()]
    full, eliminated = _scan(list(full_requests.values())), _scan(reduced)
    _, mozilla = mozilla_checker(TlsSettings())
    curves_settled = set()
    for name in names:
        port = lab.ports[name]
        completed = with_eliminated(eliminated[port], found[name])
        assert _suites_by_version(completed) == _suites_by_version(full[port]), name
        assert mozilla(completed) == mozilla(full[port]), name
        request = full_requests[name]
        curves = eliminated_curves(request.server_location, request.network_configuration,
                                   full[port].connectivity_result)
        if curves is not None:
            curves_settled.add(name)
            assert curves == full[port].scan_result.elliptic_curves.result, name
            assert mozilla(with_curves(completed, curves)) == mozilla(full[port]), name

    # every TLS 1.3 server's curves; a TLS 1.2 server's are left to sslyze (see curve_elimination)
    tls13 = {name for name in names if full[lab.ports[name]].connectivity_result.highest_tls_version_supported.name
             == "TLS_1_3"}
    assert curves_settled == tls13 and {"sound", "client_cert", PYTHON_SERVER} <= tls13
    assert not {"no_tls13", "weak_curve", "weak_dh"} & curves_settled

    settled = {name: {command.name for command in commands} for name, commands in found.items()}
    for name in ("sound", "legacy_protocols", "no_tls13", "weak_ciphers", "null_cipher", "cbc_cipher", PYTHON_SERVER):
        assert settled[name] == ALL_VERSIONS, name  # TLS 1.0 to 1.2 accepted by elimination too
    # a required client certificate makes a handshake the server would otherwise accept inconclusive:
    # that version and the later ones are enumerated suite by suite, and found
    assert settled["client_cert"] == LEGACY_REJECTED
    assert settled["client_cert_legacy"] == {"SSL_2_0_CIPHER_SUITES", "SSL_3_0_CIPHER_SUITES"}
    assert _suites_by_version(full[lab.ports["client_cert_legacy"]])["TLS 1.0"][1] is True


def test_a_version_costs_one_handshake_per_accepted_suite_plus_one_per_client(
    lab: TlsLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sslyze import ScanCommand

    from golive.tls import elimination

    offered: list[int] = []
    real = elimination._handshake

    def counting(location: Any, network: Any, version: Any, legacy: bool, suites: list[str]) -> Any:
        offered.append(len(suites))
        return real(location, network, version, legacy, suites)

    monkeypatch.setattr(elimination, "_handshake", counting)
    request = _request(lab, "sound")
    found = elimination.eliminated_versions(request.server_location, request.network_configuration,
                                            {ScanCommand.TLS_1_2_CIPHER_SUITES})
    result = found[ScanCommand.TLS_1_2_CIPHER_SUITES]
    accepted = len(result.accepted_cipher_suites)
    assert accepted >= 3 and result.is_tls_version_supported
    assert len(offered) == accepted + 2  # two clients (legacy and modern OpenSSL), each ends on a rejection
    assert accepted + len(result.rejected_cipher_suites) == len(elimination.offerable_suites(result.tls_version_used))
    reasons = {r.error_message.split(" (", 1)[1] for r in result.rejected_cipher_suites}
    assert any("not accepted yet was rejected" in reason for reason in reasons), reasons  # after the accepted ones


def test_a_rejected_version_is_filled_in_as_every_suite_rejected_with_the_servers_error(lab: TlsLab) -> None:
    from golive.tls.elimination import eliminated_versions, offerable_suites, with_eliminated

    request = _request(lab, "sound")
    found = eliminated_versions(request.server_location, request.network_configuration, request.scan_commands)
    result = _scan([dataclasses.replace(request, scan_commands=request.scan_commands - found.keys())])
    completed = with_eliminated(result[lab.ports["sound"]], found)
    attempt = completed.scan_result.tls_1_0_cipher_suites
    assert attempt.status.name == "COMPLETED" and attempt.error_reason is None
    assert attempt.result.accepted_cipher_suites == [] and not attempt.result.is_tls_version_supported
    all_suites = offerable_suites(attempt.result.tls_version_used)
    assert {r.cipher_suite for r in attempt.result.rejected_cipher_suites} == set(all_suites)
    reason = attempt.result.rejected_cipher_suites[0].error_message
    assert f"(one handshake offering all {len(all_suites)} suites of TLS_1_0 was rejected)" in reason
    assert reason.split(" (")[0]  # the server's own error comes first
    assert completed.scan_result.tls_1_3_cipher_suites.result.accepted_cipher_suites  # sslyze's, untouched
    assert with_eliminated(completed, {}) is completed  # nothing eliminated: sslyze's result untouched


def test_a_server_that_never_answers_leaves_every_version_to_sslyze(lab: TlsLab) -> None:
    from golive.tls.elimination import eliminated_versions

    for port in (lab.silent_port, lab.closed_port):
        request = _request(lab, "", port=port, timeout=1)
        start = time.monotonic()
        assert eliminated_versions(request.server_location, request.network_configuration,
                                   request.scan_commands) == {}
        assert time.monotonic() - start < 1 + 2  # one handshake's timeout (1 s), not one per version


def test_only_the_versions_asked_for_are_eliminated(lab: TlsLab) -> None:
    from sslyze import ScanCommand

    from golive.tls.elimination import eliminated_versions

    request = _request(lab, "sound")
    asked = {ScanCommand.TLS_1_0_CIPHER_SUITES, ScanCommand.TLS_1_3_CIPHER_SUITES, ScanCommand.CERTIFICATE_INFO}
    assert set(eliminated_versions(request.server_location, request.network_configuration, asked)) == {
        ScanCommand.TLS_1_0_CIPHER_SUITES}
    assert eliminated_versions(request.server_location, request.network_configuration, {ScanCommand.ROBOT}) == {}


def test_a_tls_scan_runs_no_per_suite_handshake_for_an_eliminated_version(
    lab: TlsLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wiring: golive's own scan (in this process) leaves sslyze only TLS 1.3 to enumerate on
    servers with and without TLS 1.0, still enumerates TLS 1.2 where a client certificate is
    required, tests no curve one by one on a TLS 1.3 server and every curve on a TLS 1.2 server,
    and reports all of them correctly."""
    from sslyze.plugins import elliptic_curves_plugin
    from sslyze.plugins.openssl_cipher_suites import implementation

    from golive.tls.scan import ScanKey, ScanPlan, TlsScan

    tried: dict[int, set[str]] = {}
    real = implementation.connect_with_cipher_suite

    def counting(server: Any, version: Any, suite: Any) -> Any:
        tried.setdefault(server.server_location.port, set()).add(version.name)
        return real(server, version, suite)

    curves_tried: dict[int, int] = {}
    real_curve = elliptic_curves_plugin._test_curve

    def counting_curves(server: Any, curve: Any) -> Any:
        port = server.server_location.port
        curves_tried[port] = curves_tried.get(port, 0) + 1
        return real_curve(server, curve)

    monkeypatch.setattr(implementation, "connect_with_cipher_suite", counting)
    monkeypatch.setattr(elliptic_curves_plugin, "_test_curve", counting_curves)
    plan = ScanPlan()
    names = ("sound", "legacy_protocols", "client_cert", "no_tls13")
    keys = {name: ScanKey(HOSTNAME, lab.ports[name], "127.0.0.1") for name in names}
    for key in keys.values():
        plan.add(key, lab.pki.ca_bundle, 5.0)
    scan = TlsScan(plan, TlsSettings(), workdir=tmp_path)
    try:
        sound, legacy, client_cert, no_tls13 = (scan.observe(keys[name]) for name in names)
    finally:
        scan.close()
    assert [o.error for o in (sound, legacy, client_cert, no_tls13)] == [None] * 4
    assert tried[lab.ports["sound"]] == {"TLS_1_3"}
    assert tried[lab.ports["legacy_protocols"]] == {"TLS_1_3"}
    assert tried[lab.ports["client_cert"]] == {"TLS_1_2", "TLS_1_3"}
    assert sound.protocols == {"SSLv2": False, "SSLv3": False, "TLS 1.0": False, "TLS 1.1": False,
                               "TLS 1.2": True, "TLS 1.3": True}
    assert client_cert.protocols == sound.protocols
    assert legacy.protocols["TLS 1.0"] and legacy.protocols["TLS 1.1"]
    assert any(s.protocol == "TLS 1.0" for s in legacy.suites)
    assert {s.name for s in sound.suites if s.protocol == "TLS 1.2"} == {
        s.name for s in client_cert.suites if s.protocol == "TLS 1.2"}
    assert lab.ports["sound"] not in curves_tried and curves_tried[lab.ports["no_tls13"]] >= 20
    assert set(sound.curves) == {"X25519", "secp256r1", "secp384r1"}
    assert set(no_tls13.curves) == {"secp256r1"}  # sslyze's per-curve verdict (an ECDSA P-256 server)


def test_curves_left_to_sslyze_come_from_its_own_scan_or_say_the_server_went_away(lab: TlsLab) -> None:
    """On a TLS 1.2 server the curves are sslyze's own result; if that second scan finds the server
    gone, the curves' attempt is an error naming the connectivity issue (the checks report it), not
    a silent "no curve"."""
    from sslyze import ScanCommand

    from golive.tls.convert import _curves
    from golive.tls.curve_elimination import eliminated_curves, with_curves_of

    request = dataclasses.replace(_request(lab, "no_tls13"), scan_commands={ScanCommand.TLS_1_3_CIPHER_SUITES})
    result = _scan([request])[lab.ports["no_tls13"]]
    assert eliminated_curves(request.server_location, request.network_configuration,
                             result.connectivity_result) is None  # TLS 1.2: left to sslyze
    curves_only = dataclasses.replace(request, scan_commands={ScanCommand.ELLIPTIC_CURVES})
    by_sslyze = _scan([curves_only])[lab.ports["no_tls13"]]
    completed = with_curves_of(result, by_sslyze)
    assert completed.scan_result.elliptic_curves == by_sslyze.scan_result.elliptic_curves
    assert completed.scan_result.tls_1_3_cipher_suites == result.scan_result.tls_1_3_cipher_suites

    gone = _scan([dataclasses.replace(curves_only, server_location=_request(
        lab, "", port=lab.closed_port).server_location)])[lab.closed_port]
    assert gone.scan_result is None
    errors: dict[str, str] = {}
    failed = with_curves_of(result, gone)
    assert failed.scan_result.elliptic_curves.status.name == "ERROR"
    assert _curves(failed.scan_result, errors) is None
    assert errors["elliptic_curves"].startswith("CONNECTIVITY_ISSUE"), errors


def test_a_server_that_speaks_ssl2_is_left_to_sslyze(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SSL 2.0 server runs here to prove elimination on: an accepted SSL 2.0 handshake leaves
    SSL 2.0, and the versions after it, to sslyze's enumeration (the handshake is simulated)."""
    from sslyze import ScanCommand

    from golive.tls import elimination

    seen: list[str] = []

    def accepting(location: Any, network: Any, version: Any, legacy: bool, suites: list[str]) -> Any:
        seen.append(version.name)
        return suites[0], None

    monkeypatch.setattr(elimination, "_handshake", accepting)
    commands = {ScanCommand.SSL_2_0_CIPHER_SUITES, ScanCommand.TLS_1_0_CIPHER_SUITES}
    assert elimination.eliminated_versions(None, None, commands) == {}
    assert seen == ["SSL_2_0"]
