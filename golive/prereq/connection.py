"""One testinfra connection per host, reused by all of its checks, with reachability cached.

Every prerequisite check of a host goes through ``HostConnection.host()``: the first call builds
the testinfra backend (``testinfra.get_host``) and proves it works with one command; later calls
reuse it. A host that cannot be reached is remembered with the backend's reason, so its first
check fails after one timeout and every later check fails at once (``HostUnreachable``, classified
"unreachable" by the plugin) — twenty checks on a dead host cost one timeout, not twenty.

ssh: testinfra's ssh backend runs one ``ssh`` per command; with a ControlMaster socket per host
(``ControlPath`` in a private directory, closed at session end) every command after the first
rides the same TCP+SSH session. ``BatchMode`` keeps a missing key from waiting on a prompt.

Deadlines: every command (the reachability probe included) has a *total* deadline, the profile's
``timeout`` — not a per-read timeout, which a server that drips bytes or a command stuck on a hung
mount would never trip. For the process-based backends (``local``, ``ssh``, ``safe-ssh``) the
command runs in its own process group, killed at the deadline; for ``paramiko`` the channel is read
with ``select`` until the deadline and then closed. A probe past its deadline makes the host
unreachable (remembered); a later command past its deadline fails its check with
``CommandDeadline``, naming the command and the deadline.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from golive.profile import Host


class HostUnreachable(Exception):
    """The host's backend failed to run a command; ``unreachable`` makes the plugin classify it."""

    unreachable = True

    def __init__(self, host: str, connection: str, reason: str) -> None:
        self.host = host
        self.reason = reason
        super().__init__(f"{host}: host unreachable through {connection}: {reason}")


class CommandDeadline(Exception):
    """A command on a host gave no complete result within the total deadline (the host, or what the
    command touches, does not answer: classified unreachable, not a product defect)."""

    unreachable = True

    def __init__(self, command: str, deadline: float, host: str = "") -> None:
        self.command = command
        self.deadline = deadline
        self.subject = host
        shown = command if len(command) <= 120 else command[:117] + "..."
        self.reason = f"command `{shown}` gave no result within the {deadline:g}s deadline"
        super().__init__(f"{host}: {self.reason}" if host else self.reason)


def _run_local_with_deadline(backend: Any, deadline: float, label: str, command: str, *args: str) -> Any:
    """testinfra's ``BaseBackend.run_local`` with a total deadline: the command (``sh -c`` and, for
    ssh, the ssh client) runs in its own session; at the deadline the whole group is killed."""
    quoted = backend.quote(command, *args)
    cmd = backend.encode(quoted)
    process = subprocess.Popen(
        cmd, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        # No communicate() here: an ssh ControlMaster was handed our pipes (fd passing) and keeps
        # them open until the remote command ends; the killed client is all we wait for.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        raise CommandDeadline(backend.decode(cmd), deadline, label) from None
    return backend.result(process.returncode, cmd, stdout, stderr)


def _paramiko_exec_with_deadline(backend: Any, deadline: float, label: str,
                                 command: bytes) -> tuple[int, bytes, bytes]:
    """testinfra's paramiko ``_exec_command`` with a total deadline: the channel is read with
    ``select`` (paramiko channels have a file descriptor) and closed when the deadline passes."""
    end = time.monotonic() + deadline
    transport = backend.client.get_transport()
    assert transport is not None
    channel = transport.open_session(timeout=deadline)
    try:
        channel.exec_command(command)
        out, err = bytearray(), bytearray()
        while True:
            while channel.recv_ready():
                out += channel.recv(65536)
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
            if channel.exit_status_ready() and not channel.recv_ready() and not channel.recv_stderr_ready():
                break
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise CommandDeadline(backend.decode(command), deadline, label)
            select.select([channel], [], [], min(remaining, 1.0))
        return channel.recv_exit_status(), bytes(out), bytes(err)
    finally:
        channel.close()


def with_deadline(backend: Any, deadline: float, label: str = "") -> Any:
    """Give a testinfra backend a total per-command deadline (see the module docstring); ``label``
    (the host's name) starts the message of a missed deadline."""
    if hasattr(backend, "_exec_command"):
        backend._exec_command = lambda command: _paramiko_exec_with_deadline(backend, deadline, label, command)
    else:
        backend.run_local = lambda command, *args: _run_local_with_deadline(backend, deadline, label, command,
                                                                             *args)
    run = backend.run

    def run_naming_the_command(command: str, *args: str, **kwargs: Any) -> Any:
        try:
            return run(command, *args, **kwargs)
        except CommandDeadline:  # name the host's command, not the ssh client line wrapping it
            raise CommandDeadline(backend.quote(command, *args), deadline, label) from None

    backend.run = run_naming_the_command
    return backend


def _reason(exc: BaseException) -> str:
    """The backend's own words: ssh's stderr for a failed ssh command, else the exception text."""
    first = exc.args[0] if exc.args else None
    stderr = getattr(first, "stderr", None)
    text = stderr if isinstance(stderr, str) and stderr.strip() else str(exc)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _connection_spec(connection: str) -> str:
    """``paramiko://`` and friends pass through; ``local://`` stays as testinfra spells it."""
    return connection


class HostConnection:
    """A host's testinfra backend, built once, checked once, shared by every check of the host."""

    def __init__(self, host: Host, timeout: float = 10.0, control_dir: Path | None = None) -> None:
        self.subject = host
        self.timeout = timeout
        self._control_dir = control_dir
        self._lock = threading.Lock()
        self._host: Any = None
        self._failure: str | None = None
        self._control_path: Path | None = None

    @property
    def backend(self) -> str:
        return self.subject.connection.split("://", 1)[0]

    def _build(self) -> Any:
        import testinfra

        kwargs: dict[str, Any] = {"sudo": self.subject.sudo}
        if self.backend in ("ssh", "safe-ssh", "paramiko"):
            if self.subject.ssh_config:
                kwargs["ssh_config"] = str(self.subject.ssh_config)
            if self.subject.ssh_identity_file:
                kwargs["ssh_identity_file"] = str(self.subject.ssh_identity_file)
            kwargs["timeout"] = max(1, int(self.timeout))
        if self.backend in ("ssh", "safe-ssh"):
            if self._control_dir is not None:
                self._control_path = self._control_dir / f"{self.subject.name[:40]}.sock"
                kwargs["controlpath"] = str(self._control_path)
            # BatchMode: never wait on a password prompt; keepalives: a host that dies mid-run
            # ends the command within ~3 intervals instead of hanging the session.
            kwargs["ssh_extra_args"] = (
                f"-o BatchMode=yes -o ServerAliveInterval={max(1, int(self.timeout) // 3)}"
                " -o ServerAliveCountMax=3"
            )
        host = testinfra.get_host(_connection_spec(self.subject.connection), **kwargs)
        with_deadline(host.backend, self.timeout, self.subject.name)
        return host

    def _probe(self) -> Any:
        """Build the backend and run ``true`` through it, within the deadline as a whole: a paramiko
        connect to a server that never sends its banner waits on paramiko's own 15 s otherwise."""
        candidate = self._build()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"golive-probe-{self.subject.name[:20]}")
        try:
            probe = pool.submit(candidate.run, "true").result(timeout=self.timeout + 1)
        except FutureTimeout:
            raise CommandDeadline("true", self.timeout) from None
        finally:
            pool.shutdown(wait=False)
        if probe.rc != 0:
            raise RuntimeError(probe.stderr or f"'true' exited with {probe.rc}")
        return candidate

    def host(self) -> Any:
        """The testinfra ``Host``; raises ``HostUnreachable`` (fast after the first time)."""
        with self._lock:
            if self._failure is not None:
                raise HostUnreachable(self.subject.name, self.subject.connection, self._failure)
            if self._host is None:
                try:
                    candidate = self._probe()
                except CommandDeadline as exc:
                    self._failure = f"no answer within the {exc.deadline:g}s deadline"
                    raise HostUnreachable(self.subject.name, self.subject.connection, self._failure) from None
                except Exception as exc:
                    self._failure = _reason(exc)
                    raise HostUnreachable(self.subject.name, self.subject.connection, self._failure) from None
                self._host = candidate
            return self._host

    def close(self) -> None:
        """End the ssh ControlMaster (it would otherwise linger for ControlPersist seconds)."""
        if self._control_path is None or not self._control_path.exists():
            return
        ssh = shutil.which("ssh")
        if ssh is None:
            return
        args = [ssh, "-o", f"ControlPath={self._control_path}", "-O", "exit"]
        if self.subject.ssh_config:
            args += ["-F", str(self.subject.ssh_config)]
        args.append(self.subject.connection.split("://", 1)[1].split("@")[-1].split(":")[0] or "localhost")
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(args, capture_output=True, timeout=5, stdin=subprocess.DEVNULL, check=False)


class HostPool:
    """The session's connections, one per host name (created lazily, closed together)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._connections: dict[str, HostConnection] = {}
        self._control_dir: Path | None = None

    def get(self, host: Host) -> HostConnection:
        with self._lock:
            if host.name not in self._connections:
                if self._control_dir is None:
                    # Short path: unix socket paths are limited to ~108 bytes.
                    self._control_dir = Path(tempfile.mkdtemp(prefix="golive-ssh-"))
                self._connections[host.name] = HostConnection(host, self.timeout, self._control_dir)
            return self._connections[host.name]

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        if self._control_dir is not None:
            shutil.rmtree(self._control_dir, ignore_errors=True)


def rooted(root: str | None, path: str) -> str:
    """``path`` under the settings' ``root`` (``/etc/x`` → ``/tmp/r/etc/x``); unchanged without root."""
    if not root or root == "/":
        return path
    return root.rstrip("/") + "/" + path.lstrip("/")
