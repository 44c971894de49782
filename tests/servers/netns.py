"""Other machines, on this one: network namespaces joined to the host by veth pairs.

``netlab(n)`` creates a bridge on the host with one address (``host_address``, where golive's load
master and the target listen) and ``n`` network namespaces, each connected to that bridge by its own
veth pair, each with its own address on the bridge's /24: a process started in a namespace
(``machine.command(argv)``) has its own network stack — its own loopback, one interface, no route
but the bridge — like a load machine next to the golive machine. Everything is removed on exit,
also when the process that made the lab is killed (a reaper process removes what it leaves).

Needs root (CAP_NET_ADMIN) and iproute2's ``ip``. Where namespaces cannot be created, the lab falls
back to plain processes on loopback (``isolated`` False, ``reason`` says why) so the tests still
run, and say so.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Machine:
    """A load machine: a namespace (or, in the fallback, the host itself) and its address."""

    name: str
    netns: str | None
    address: str

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside this machine's namespace (``ip netns exec`` execs it: same pid)."""
        return ["ip", "netns", "exec", self.netns, *argv] if self.netns else list(argv)


@dataclass
class NetLab:
    host_address: str
    machines: list[Machine]
    isolated: bool
    reason: str = ""
    links: list[str] = field(default_factory=list)

    def link_of(self, machine: Machine) -> str | None:
        """The host side of ``machine``'s veth pair (to cut it: ``ip link set <it> down``)."""
        index = self.machines.index(machine)
        return self.links[index] if self.isolated else None


def _ip(*args: str) -> str:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=False)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.200-249.x.0 that no address or route on the host overlaps."""
    used = []
    for line in (_ip("-4", "-o", "addr") + "\n" + _ip("-4", "route")).splitlines():
        for word in line.split():
            with contextlib.suppress(ValueError):
                used.append(ipaddress.ip_network(word, strict=False))
    for _ in range(200):
        candidate = ipaddress.ip_network(f"10.{random.randint(200, 249)}.{random.randint(0, 255)}.0/24")
        if not any(candidate.overlaps(net) for net in used if net.prefixlen > 0):
            return candidate
    raise OSError("no free 10.200-249.x.0/24 subnet")


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    return None


@contextlib.contextmanager
def netlab(count: int) -> Iterator[NetLab]:
    """``count`` namespaced machines around a host bridge; loopback processes when that is impossible."""
    reason = _unavailable()
    if reason is None:
        token = secrets.token_hex(3)
        bridge = f"glb{token}"
        namespaces: list[str] = []
        reaper = _start_reaper(bridge, [f"golive-{token}-{i + 1}" for i in range(count)])
        try:
            subnet = _free_subnet()
            hosts = list(subnet.hosts())
            host_address = str(hosts[0])
            _ip("link", "add", bridge, "type", "bridge")
            _ip("addr", "add", f"{host_address}/24", "dev", bridge)
            _ip("link", "set", bridge, "up")
            machines, links = [], []
            for i in range(count):
                netns, host_end, ns_end = f"golive-{token}-{i + 1}", f"glh{token}{i + 1}", f"gln{token}{i + 1}"
                _ip("netns", "add", netns)
                namespaces.append(netns)
                _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
                _ip("link", "set", host_end, "master", bridge, "up")
                _ip("link", "set", ns_end, "netns", netns)
                address = str(hosts[i + 1])
                _ip("-n", netns, "addr", "add", f"{address}/24", "dev", ns_end)
                _ip("-n", netns, "link", "set", ns_end, "up")
                _ip("-n", netns, "link", "set", "lo", "up")
                machines.append(Machine(f"ns-{i + 1}", netns, address))
                links.append(host_end)
        except OSError as exc:
            _remove(bridge, namespaces)
            _stop_reaper(reaper)
            reason = f"network namespaces unavailable ({exc})"
        else:
            try:
                yield NetLab(host_address, machines, True, links=links)
            finally:
                _remove(bridge, namespaces)
                _stop_reaper(reaper)
            return
    yield NetLab("127.0.0.1", [Machine(f"lo-{i + 1}", None, "127.0.0.1") for i in range(count)], False,
                 f"separate processes on loopback: {reason}")


_REAPER = '''
import subprocess
import sys

sys.stdin.buffer.read()  # end of file: the lab's process has ended, however it ended
bridge, *namespaces = sys.argv[1:]
for name in namespaces:
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10, check=False)
subprocess.run(["ip", "link", "del", bridge], capture_output=True, timeout=10, check=False)
'''


def _start_reaper(bridge: str, namespaces: list[str]) -> subprocess.Popen[bytes] | None:
    """A process that removes the lab once the process that made it has ended.

    A test run that is killed (SIGKILL, or SIGTERM, which runs no ``finally``) would leave its
    namespaces, bridge and veth pairs on the host. The reaper holds the read end of a pipe whose
    write end only this process has (pipes are not inherited): the kernel closes it when this
    process ends, however it ends, and the reaper deletes the names (those already gone are no
    error). Its own session, so that a signal to the test run's process group does not stop it.
    """
    try:
        return subprocess.Popen([sys.executable, "-c", _REAPER, bridge, *namespaces], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return None


def _stop_reaper(reaper: subprocess.Popen[bytes] | None) -> None:
    """The lab is removed already: let the reaper find nothing left and end."""
    if reaper is None:
        return
    with contextlib.suppress(OSError):
        reaper.stdin.close()  # type: ignore[union-attr]
    with contextlib.suppress(subprocess.TimeoutExpired):
        reaper.wait(timeout=30)


def _remove(bridge: str, namespaces: list[str]) -> None:
    for netns in namespaces:  # deleting a namespace deletes its end of the veth pair, hence the pair
        with contextlib.suppress(OSError):
            _ip("netns", "del", netns)
    with contextlib.suppress(OSError):
        _ip("link", "del", bridge)
