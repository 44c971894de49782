"""A real OpenSSH server (Debian's /usr/sbin/sshd) on a loopback port, for the ssh backend tests.

``start_sshd(root)`` generates a host key and a client key, authorises the client key for the
current user (root in CI), writes an sshd_config in ``root`` (loopback only, keys only, no PAM, no
StrictModes: the files live in pytest's tmp tree) and an ssh_config that pins the host key, starts
``sshd -D -e`` and waits until the server's banner answers (a readiness poll, not a sleep). Stopped
by PID.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers.base import ServerProcess, free_port, start_process

SSHD = Path("/usr/sbin/sshd")


def require_sshd() -> None:
    """Skip (locally) when OpenSSH is missing; CI installs openssh-server and openssh-client."""
    if not SSHD.exists() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH server/client not installed (apt-get install openssh-server openssh-client)")


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "golive-test", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def _banner(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            return sock.recv(64).startswith(b"SSH-")
    except OSError:
        return False


@dataclass
class SshServer:
    """A running sshd and what a client needs: user, port, ssh_config, identity file."""

    port: int
    user: str
    ssh_config: Path
    identity: Path
    process: ServerProcess

    @property
    def connection(self) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}"

    def host_dict(self, name: str, roles: list[str] | None = None) -> dict[str, Any]:
        """A profile ``hosts:`` entry reaching this server."""
        return {
            "name": name,
            "connection": self.connection,
            "ssh_config": str(self.ssh_config),
            "ssh_identity_file": str(self.identity),
            "roles": roles or [],
        }

    def stop(self) -> None:
        self.process.stop()


def start_sshd(root: Path, port: int | None = None) -> SshServer:
    require_sshd()
    root.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    user = getpass.getuser()
    host_key, client_key = root / "ssh_host_ed25519_key", root / "client_ed25519"
    for key in (host_key, client_key):
        if not key.exists():
            _keygen(key)
    authorized = root / "authorized_keys"
    authorized.write_text((root / "client_ed25519.pub").read_text())
    os.chmod(authorized, 0o600)
    config = root / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"AuthorizedKeysFile {authorized}",
                f"PidFile {root / 'sshd.pid'}",
                "UsePAM no",
                "StrictModes no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                f"AllowUsers {user}",
                "MaxStartups 100:30:200",
                "MaxSessions 100",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    known = root / "known_hosts"
    known.write_text(
        f"[127.0.0.1]:{port} " + " ".join((root / "ssh_host_ed25519_key.pub").read_text().split()[:2]) + "\n"
    )
    client_config = root / "ssh_config"
    client_config.write_text(
        "\n".join(
            [
                "Host *",
                "  StrictHostKeyChecking yes",
                f"  UserKnownHostsFile {known}",
                "  IdentitiesOnly yes",
                "  PasswordAuthentication no",
                "  LogLevel ERROR",
                "",
            ]
        )
    )
    # sshd refuses to start without its privilege separation directory (normally made by systemd).
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    process = start_process(
        "sshd",
        [str(SSHD), "-D", "-e", "-f", str(config)],
        root / "sshd.log",
        lambda: _banner(port),
        timeout=15,
    )
    return SshServer(port, user, client_config, client_key, process)


@contextlib.contextmanager
def running_sshd(root: Path, port: int | None = None) -> Iterator[SshServer]:
    server = start_sshd(root, port)
    try:
        yield server
    finally:
        server.stop()
