"""Pre-flight and ALPN probe: one handshake with the standard library per TLS endpoint.

sslyze has no ALPN scan command, so this handshake asks which of ``h2`` / ``http/1.1`` the server
selects. It runs before the sslyze scan and doubles as a fast reachability test: a refused port, a
silent one (no answer within the timeout) or a port that answers without TLS is reported at once
instead of after sslyze's many per-version connectivity probes. The certificate is not verified
(trust is judged elsewhere) and the security level is 0 so that a weak test certificate does not
abort the probe.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

NOT_TLS_REASONS = (
    "WRONG_VERSION_NUMBER",
    "HTTP_REQUEST",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "UNKNOWN_PROTOCOL",
)


@dataclass(frozen=True)
class Probe:
    """``selected``: ALPN protocols chosen (``()`` = none, None = handshake failed); ``unreachable``:
    why sslyze need not even try (refused, silent, not TLS)."""

    selected: tuple[str, ...] | None
    error: str | None = None
    unreachable: str | None = None


def probe(
    hostname: str,
    port: int,
    address: str | None,
    timeout: float,
    offer: tuple[str, ...] = ("h2", "http/1.1"),
    starttls: str | None = None,
) -> Probe:
    """One handshake offering ``offer`` via ALPN, bounded by ``timeout``. A STARTTLS endpoint
    (``starttls`` set) gets a TCP connection only: its plain-text dialect is sslyze's to speak."""
    if starttls is not None:
        return _reachable(hostname, port, address, timeout)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.set_alpn_protocols(list(offer))
    try:
        with (
            socket.create_connection((address or hostname, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=hostname) as tls,
        ):
            selected = tls.selected_alpn_protocol()
    except ssl.SSLError as exc:
        reason = getattr(exc, "reason", None) or ""
        if reason in NOT_TLS_REASONS:
            return Probe(None, str(exc), unreachable=f"the port answers, but not with TLS ({reason.lower()})")
        return Probe(None, str(exc) or type(exc).__name__)
    except ConnectionRefusedError:
        return Probe(None, "connection refused", unreachable="connection refused")
    except TimeoutError:
        return Probe(None, "timeout", unreachable=f"no answer within {timeout:g}s")
    except socket.gaierror as exc:
        return Probe(None, str(exc), unreachable=f"hostname could not be resolved ({exc})")
    except (ConnectionResetError, BrokenPipeError) as exc:
        return Probe(None, str(exc) or type(exc).__name__)  # answered, then hung up: let sslyze judge
    except OSError as exc:
        return Probe(None, str(exc), unreachable=str(exc) or type(exc).__name__)
    return Probe((selected,) if selected else ())


def _reachable(hostname: str, port: int, address: str | None, timeout: float) -> Probe:
    """A TCP connection (no TLS): refused, silent and unresolvable endpoints fail fast here too."""
    try:
        with socket.create_connection((address or hostname, port), timeout=timeout):
            return Probe(None, "not probed: STARTTLS endpoint")
    except ConnectionRefusedError:
        return Probe(None, "connection refused", unreachable="connection refused")
    except TimeoutError:
        return Probe(None, "timeout", unreachable=f"no answer within {timeout:g}s")
    except socket.gaierror as exc:
        return Probe(None, str(exc), unreachable=f"hostname could not be resolved ({exc})")
    except OSError as exc:
        return Probe(None, str(exc), unreachable=str(exc) or type(exc).__name__)
