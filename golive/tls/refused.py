"""Protocol versions a server refuses outright, found with one handshake each instead of one per
cipher suite.

sslyze enumerates suites one handshake at a time: 247 handshakes for SSL 2.0, SSL 3.0, TLS 1.0 and
TLS 1.1 together, which a server configured for TLS 1.2 and 1.3 refuses one by one: more than half
of the CPU of such a server's scan, a third of a fleet gate's. Here, before a server's scan, each
of those versions gets one handshake that offers every suite sslyze's client can offer at it,
through the connection and client sslyze's own per-suite test uses (``SslConnection``, legacy
OpenSSL). A server that would accept any one of the suites accepts that handshake: it picks a suite
it supports. So when the server *rejects* it, no suite of that version is accepted, and the
version's scan command is not run; its result is filled in as sslyze would have reported it: every
suite sslyze's client can offer at that version rejected (sslyze drops the others, which OpenSSL
will not send at that version), each with the server's error and how it was observed.

Only an explicit rejection counts (what sslyze's per-suite test itself counts as a rejection). A
timeout, a client certificate request or any other error leaves the version, and the ones not
checked yet, to sslyze's full enumeration, as before: a quirky server costs handshakes, never a
wrong verdict. TLS 1.2 and 1.3 are always enumerated (servers support them, and TLS 1.3 has five
suites).
"""

from __future__ import annotations

import dataclasses
import functools
import socket
from typing import Any

LEGACY_VERSIONS = ("SSL_2_0", "SSL_3_0", "TLS_1_0", "TLS_1_1")  # TlsVersionEnum names
"""The versions checked with one handshake; each has a scan command ``<name>_CIPHER_SUITES``."""


def refused_versions(location: Any, network: Any, commands: set[Any]) -> dict[Any, str]:
    """{scan command: the server's error} for each legacy version among ``commands`` that the
    server rejected in one handshake offering all of its suites.

    The first handshake that ends any other way than accepted or rejected (a timeout, a reset
    before the handshake, a client certificate asked for) stops the pre-check: a server that
    stalls costs one timeout here, not one per version, and sslyze's scan then meets it as before.
    """
    from sslyze import ScanCommand, TlsVersionEnum

    wanted = {ScanCommand[f"{name}_CIPHER_SUITES"]: TlsVersionEnum[name] for name in LEGACY_VERSIONS}
    refused: dict[Any, str] = {}
    for command, version in wanted.items():
        if command not in commands:
            continue
        try:
            rejection = _handshake(location, network, version)
        except _Inconclusive:
            break
        if rejection is not None:
            refused[command] = rejection
    return refused


class _Inconclusive(Exception):
    """The handshake ended neither accepted nor rejected."""


def _handshake(location: Any, network: Any, version: Any) -> str | None:
    """One handshake at ``version`` offering every suite of it, through sslyze's own connection and
    legacy client (as its per-suite scan): the server's error when it rejects the handshake, None
    when it accepts; ``_Inconclusive`` for anything else. A client certificate request is not
    ignored (it is inconclusive): a server that requires one rejects a client without it, and
    that rejection says nothing about the version."""
    from sslyze.connection_helpers.tls_connection import SslConnection
    from sslyze.errors import ServerRejectedTlsHandshake, ServerTlsConfigurationNotSupported

    connection = SslConnection(server_location=location, network_configuration=network, tls_version=version,
                               should_ignore_client_auth=False, should_use_legacy_openssl=True)
    try:
        connection.ssl_client.set_cipher_list(":".join(suite.openssl_name for suite in offerable_suites(version)))
        connection.connect()
    except ServerRejectedTlsHandshake as exc:
        return str(exc.error_message)
    except ServerTlsConfigurationNotSupported:  # sslyze declined the server's DH: the version is spoken
        return None
    except Exception as exc:  # timeout, connection failure, client certificate requested...
        raise _Inconclusive(str(exc)) from exc
    finally:
        connection.close()
    return None


def with_refused(result: Any, refused: dict[Any, str]) -> Any:
    """sslyze's ``ServerScanResult`` with the refused versions' cipher suite results filled in:
    completed, every suite of the version rejected with the server's error."""
    if not refused or result.scan_result is None:
        return result
    from sslyze.plugins.openssl_cipher_suites._test_cipher_suite import CipherSuiteRejectedByServer
    from sslyze.plugins.openssl_cipher_suites.implementation import CipherSuitesScanResult
    from sslyze.scanner.models import CipherSuitesScanAttempt
    from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum

    attempts: dict[str, Any] = {}
    for command, error in refused.items():
        version = _version_of(command)
        suites = offerable_suites(version)
        reason = f"{error} (one handshake offering all {len(suites)} suites of {version.name} was rejected)"
        attempts[command.value] = CipherSuitesScanAttempt(
            status=ScanCommandAttemptStatusEnum.COMPLETED,
            error_reason=None,
            error_trace=None,
            result=CipherSuitesScanResult(
                tls_version_used=version,
                accepted_cipher_suites=[],
                rejected_cipher_suites=[CipherSuiteRejectedByServer(suite, reason) for suite in suites],
            ),
        )
    return dataclasses.replace(result, scan_result=dataclasses.replace(result.scan_result, **attempts))


@functools.cache
def offerable_suites(version: Any) -> tuple[Any, ...]:
    """The suites of sslyze's list for ``version`` that its legacy client puts in a ClientHello at
    that version: what sslyze's per-suite scan tests (it skips the rest on OpenSSL's "no ciphers
    available"). Found once per process by starting a handshake, suite by suite, into a socket
    whose other end is closed: nothing leaves the machine (about 25 ms for the four versions)."""
    from nassl._nassl import OpenSSLError
    from nassl.legacy_ssl_client import LegacySslClient
    from nassl.ssl_client import OpenSslVersionEnum
    from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository

    offerable = []
    for suite in CipherSuitesRepository.get_all_cipher_suites(version):
        ours, theirs = socket.socketpair()
        theirs.close()
        client = LegacySslClient(ssl_version=OpenSslVersionEnum(version.value), underlying_socket=ours)
        try:
            client.set_cipher_list(suite.openssl_name)
            client.do_handshake()
        except OpenSSLError as exc:
            if "no ciphers available" not in str(exc.args[0]):
                offerable.append(suite)
        except OSError:  # the ClientHello was written and met the closed end: offered
            offerable.append(suite)
        finally:
            ours.close()
    return tuple(offerable)


def _version_of(command: Any) -> Any:
    from sslyze import TlsVersionEnum

    return TlsVersionEnum[command.name.removesuffix("_CIPHER_SUITES")]
