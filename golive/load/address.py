"""``HOST:PORT`` of the locust master: parsed once, for the profile (``checks.load.master_bind``) and
for ``golive load-worker --master``.

Pure module (no locust): the profile loader validates with it, so a typo is exit 4 with the key
path before any load starts. Accepted hosts: an IPv4 address, an IPv6 address in brackets
(``[::1]:5557``), a DNS name, and — to listen, not to connect — ``*`` / ``0.0.0.0`` / ``[::]``
(every interface).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")
_ANY = ("*", "0.0.0.0", "::")


@dataclass(frozen=True)
class Endpoint:
    """A parsed ``HOST:PORT`` (``host`` without IPv6 brackets)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def any_interface(self) -> bool:
        """Whether this listens on every interface (``*``, ``0.0.0.0``, ``[::]``)."""
        return self.host in _ANY

    @property
    def bind_host(self) -> str:
        """The host as locust's master takes it (``*`` for every interface)."""
        return "*" if self.host in ("*", "0.0.0.0") else self.host

    @property
    def local_host(self) -> str:
        """Where a worker on the master's own machine connects (loopback for "every interface")."""
        if self.host == "::":
            return "::1"
        return "127.0.0.1" if self.host in ("*", "0.0.0.0") else self.host


class AddressError(ValueError):
    """Not a ``HOST:PORT``; the message says what is expected."""


def parse_endpoint(text: str, *, listen: bool) -> Endpoint:
    """``HOST:PORT`` → ``Endpoint``, or ``AddressError`` naming what is wrong.

    ``listen``: an address to bind (every-interface forms allowed) rather than to connect to.
    """
    if not isinstance(text, str) or not text.strip():
        raise AddressError(f"expected HOST:PORT like 10.0.0.5:5557; got {text!r}")
    raw = text.strip()
    if raw.startswith("["):
        host, sep, port_text = raw[1:].partition("]:")
        if not sep:
            raise AddressError(f"expected [IPv6]:PORT like [fd00::5]:5557; got {text!r}")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise AddressError(f"{host!r} is not an IPv6 address in {text!r}") from None
    else:
        host, sep, port_text = raw.rpartition(":")
        if not sep or not host:
            raise AddressError(f"expected HOST:PORT like 10.0.0.5:5557 (the port is required); got {text!r}")
        if ":" in host:
            raise AddressError(f"an IPv6 address needs brackets: [{host}]:{port_text}; got {text!r}")
        if host != "*" and not _valid_host(host):
            raise AddressError(f"{host!r} is neither an IPv4 address nor a host name in {text!r}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise AddressError(f"port {port_text!r} is not a number from 1 to 65535 in {text!r}")
    if not listen and host in _ANY:
        raise AddressError(f"{host!r} is an address to listen on, not one to connect to; "
                           f"give the master's address in {text!r}")
    return Endpoint(host, int(port_text))


def _valid_host(host: str) -> bool:
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    return bool(_HOSTNAME.match(host))
