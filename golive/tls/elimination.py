"""The cipher suites a server accepts, found by elimination: one handshake per accepted suite,
plus one, instead of one per suite sslyze knows.

sslyze enumerates suites one handshake at a time: 247 handshakes for SSL 2.0, SSL 3.0, TLS 1.0 and
TLS 1.1 together, and some 150 for TLS 1.2, which a server configured with a handful of suites
rejects one by one. That was most of the CPU of a server's scan, and of a fleet gate's.

Here, before a server's scan, each version gets a handshake that offers every suite sslyze's
client can offer at it, through the connection and client sslyze's own per-suite test uses
(``SslConnection``; legacy OpenSSL for SSL 3.0 to TLS 1.1, and for TLS 1.2 the client sslyze picks
per suite: two groups, each eliminated on its own). A server that accepts any of the offered suites
completes that handshake with one of them: that suite is accepted (with the ephemeral key of that
handshake), it is taken off the list, and the rest is offered again. When the server *rejects* the
handshake, none of the suites still offered is accepted: each is reported rejected with the
server's error and how it was observed. The version's scan command is then not run; its result is
built with sslyze's own model classes, as sslyze would have reported it (suites sorted as it sorts
them; the suites OpenSSL will not send at that version are left out, as sslyze leaves them out).

Only the outcomes sslyze's per-suite test itself counts are used: a completed handshake with a
suite of the offered list, and an explicit rejection. Anything else (a timeout, a reset, a client
certificate request, a DH group sslyze's client declines, a suite not offered) leaves that
version, and the ones not eliminated yet, to sslyze's full enumeration, as before: a quirky server
costs handshakes, never a wrong verdict. SSL 2.0 is only checked for an outright rejection (a
server that speaks it is left to sslyze: no SSL 2.0 server runs here to prove elimination on);
TLS 1.3 (five suites) is always left to sslyze.
"""

from __future__ import annotations

import dataclasses
import functools
import socket
from dataclasses import dataclass
from typing import Any

VERSIONS = ("SSL_2_0", "SSL_3_0", "TLS_1_0", "TLS_1_1", "TLS_1_2")  # TlsVersionEnum names
"""The versions eliminated, in this order; each has a scan command ``<name>_CIPHER_SUITES``."""


@dataclass(frozen=True)
class Group:
    """Suites of one version offered by one of sslyze's two OpenSSL clients."""

    legacy: bool
    suites: tuple[Any, ...]  # sslyze CipherSuite


def eliminated_versions(location: Any, network: Any, commands: set[Any]) -> dict[Any, Any]:
    """{scan command: sslyze ``CipherSuitesScanResult``} for each version among ``commands`` whose
    suites were all settled by elimination.

    The first handshake that ends any other way than accepted with an offered suite or rejected
    (a timeout, a reset before the handshake, a client certificate asked for) stops here: a server
    that stalls costs one timeout, not one per version, and sslyze's scan then meets it as before.
    """
    from sslyze import ScanCommand, TlsVersionEnum

    found: dict[Any, Any] = {}
    for name in VERSIONS:
        command = ScanCommand[f"{name}_CIPHER_SUITES"]
        if command not in commands:
            continue
        try:
            found[command] = _version_result(location, network, TlsVersionEnum[name])
        except _Inconclusive:
            break
    return found


class _Inconclusive(Exception):
    """A handshake ended neither accepted with an offered suite nor rejected."""


def _version_result(location: Any, network: Any, version: Any) -> Any:
    from sslyze.plugins.openssl_cipher_suites.implementation import CipherSuitesScanResult

    accepted: list[Any] = []
    rejected: list[Any] = []
    for group in offerable_groups(version):
        group_accepted, group_rejected = _eliminate(location, network, version, group)
        accepted += group_accepted
        rejected += group_rejected
    accepted.sort(key=lambda found: found.cipher_suite.name, reverse=True)  # as sslyze sorts them
    rejected.sort(key=lambda found: found.cipher_suite.name, reverse=True)
    return CipherSuitesScanResult(tls_version_used=version, accepted_cipher_suites=accepted,
                                  rejected_cipher_suites=rejected)


def _eliminate(location: Any, network: Any, version: Any, group: Group) -> tuple[list[Any], list[Any]]:
    """(accepted, rejected) suites of ``group``: offer what is left until the server rejects it."""
    from sslyze.plugins.openssl_cipher_suites._test_cipher_suite import (
        CipherSuiteAcceptedByServer,
        CipherSuiteRejectedByServer,
    )

    left = {suite.openssl_name: suite for suite in group.suites}
    accepted: list[Any] = []
    while left:
        outcome = _handshake(location, network, version, group.legacy, list(left))
        if isinstance(outcome, str):  # rejected: none of what is left is accepted
            how = (f"one handshake offering all {len(left)} suites of {version.name} was rejected"
                   if not accepted else
                   f"one handshake offering the {len(left)} suites of {version.name} not accepted yet was rejected")
            return accepted, [CipherSuiteRejectedByServer(suite, f"{outcome} ({how})") for suite in left.values()]
        chosen, ephemeral_key = outcome
        if version.name == "SSL_2_0":  # no SSL 2.0 server to prove elimination on: sslyze enumerates it
            raise _Inconclusive("the server speaks SSL 2.0")
        if chosen not in left:  # a server answering with a suite that was not offered
            raise _Inconclusive(f"the server chose {chosen}, which was not offered")
        accepted.append(CipherSuiteAcceptedByServer(left.pop(chosen), ephemeral_key))
    return accepted, []


def _handshake(location: Any, network: Any, version: Any, legacy: bool, suites: list[str]) -> str | tuple[str, Any]:
    """One handshake at ``version`` offering ``suites`` (OpenSSL names) through sslyze's own
    connection: the server's error when it rejects the handshake, (the suite chosen, the ephemeral
    key) when it completes; ``_Inconclusive`` for anything else. A client certificate request is not
    ignored (it is inconclusive): a server that requires one rejects a client without it, and that
    rejection says nothing about the suites."""
    from sslyze.connection_helpers.tls_connection import SslConnection
    from sslyze.errors import ServerRejectedTlsHandshake

    connection = SslConnection(server_location=location, network_configuration=network, tls_version=version,
                               should_ignore_client_auth=False, should_use_legacy_openssl=legacy)
    try:
        connection.ssl_client.set_cipher_list(":".join(suites))
        connection.connect()
        chosen = connection.ssl_client.get_current_cipher_name()
        ephemeral_key = connection.ssl_client.get_ephemeral_key()
    except ServerRejectedTlsHandshake as exc:
        return str(exc.error_message)
    except Exception as exc:  # timeout, connection failure, client certificate, DH declined...
        raise _Inconclusive(str(exc)) from exc
    finally:
        connection.close()
    return chosen, ephemeral_key


def with_eliminated(result: Any, found: dict[Any, Any]) -> Any:
    """sslyze's ``ServerScanResult`` with the eliminated versions' results filled in, completed."""
    if not found or result.scan_result is None:
        return result
    from sslyze.scanner.models import CipherSuitesScanAttempt
    from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum

    attempts = {
        command.value: CipherSuitesScanAttempt(status=ScanCommandAttemptStatusEnum.COMPLETED, error_reason=None,
                                               error_trace=None, result=version_result)
        for command, version_result in found.items()
    }
    return dataclasses.replace(result, scan_result=dataclasses.replace(result.scan_result, **attempts))


@functools.cache
def offerable_groups(version: Any) -> tuple[Group, ...]:
    """The suites of sslyze's list for ``version`` that its client for each suite (legacy OpenSSL,
    or for TLS 1.2 the one sslyze picks per suite) puts in a ClientHello at that version: what
    sslyze's per-suite scan tests (it skips the rest on OpenSSL's "no ciphers available"). Found
    once per process by starting a handshake, suite by suite, into a socket whose other end is
    closed: nothing leaves the machine (some 50 ms for the five versions)."""
    from sslyze import TlsVersionEnum
    from sslyze.plugins.openssl_cipher_suites._tls12_workaround import WorkaroundForTls12ForCipherSuites
    from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository

    by_client: dict[bool, list[Any]] = {True: [], False: []}
    for suite in CipherSuitesRepository.get_all_cipher_suites(version):
        legacy = (version != TlsVersionEnum.TLS_1_2
                  or WorkaroundForTls12ForCipherSuites.requires_legacy_openssl(suite.openssl_name))
        if _offered(version, legacy, suite.openssl_name):
            by_client[legacy].append(suite)
    return tuple(Group(legacy, tuple(suites)) for legacy, suites in by_client.items() if suites)


def offerable_suites(version: Any) -> tuple[Any, ...]:
    """Every suite of ``offerable_groups(version)``."""
    return tuple(suite for group in offerable_groups(version) for suite in group.suites)


def _offered(version: Any, legacy: bool, openssl_name: str) -> bool:
    from nassl._nassl import OpenSSLError
    from nassl.legacy_ssl_client import LegacySslClient
    from nassl.ssl_client import OpenSslVersionEnum, SslClient

    ours, theirs = socket.socketpair()
    theirs.close()
    client_cls = LegacySslClient if legacy else SslClient
    client = client_cls(ssl_version=OpenSslVersionEnum(version.value), underlying_socket=ours)
    try:
        client.set_cipher_list(openssl_name)
        client.do_handshake()
    except OpenSSLError as exc:
        return "no ciphers available" not in str(exc.args[0]) and "no cipher match" not in str(exc.args[0])
    except OSError:  # the ClientHello was written and met the closed end: offered
        return True
    finally:
        ours.close()
    return True
