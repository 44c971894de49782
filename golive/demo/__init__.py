"""golive's embedded demo target: a small service over real TLS on loopback, sound or with flaws.

``start_demo(flaws=..., state_dir=...)`` starts ``python -m golive.demo serve`` as a subprocess
in its own process group, waits for its ready file (a readiness poll, not a sleep), yields a
``DemoTarget`` that knows how to appear in a profile, and stops the server by its PID.

Importing this package stays cheap (no hypercorn, no cryptography): the server runs elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.demo.app import DEFAULT_TOKEN, HOSTNAME
from golive.demo.flaws import FLAWS, VERSION, behaviour, check_flaws
from golive.demo.live import JWT_KEY

__all__ = ["FLAWS", "HOSTNAME", "DemoTarget", "start_demo"]

START_TIMEOUT = 15.0


@dataclass
class DemoTarget:
    """A running demo server and how a profile reaches it."""

    https_port: int
    http_port: int
    ca_bundle: Path
    pid: int
    token: str
    version: str
    """The release deployed (what a profile expects); ``reported_version`` is what it says."""
    flaws: frozenset[str]
    hostname: str = HOSTNAME
    resolve: str = "127.0.0.1"
    jwt_key: str = JWT_KEY
    """The HS256 key of /api/account (``GOLIVE_DEMO_JWT_KEY``)."""
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def https_url(self) -> str:
        return f"https://{self.hostname}:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.hostname}:{self.http_port}"

    @property
    def reported_version(self) -> str:
        """The version the server reports (the previous release under ``version_old``)."""
        return behaviour(self.flaws, self.version).version

    def target_dict(self, name: str = "web", **overrides: Any) -> dict[str, Any]:
        """An entry for a profile's ``targets:`` list."""
        return {"name": name, "url": self.https_url, "http_url": self.http_url, "resolve": self.resolve,
                "ca_bundle": str(self.ca_bundle), "roles": ["web", "api"], **overrides}

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM to the server's process group (by PID), SIGKILL if it does not end in time."""
        if self.process is not None and self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _wait_ready(process: subprocess.Popen[bytes], ready: Path, log: Path, timeout: float) -> dict[str, Any]:
    """Poll the ready file the server writes once it listens; fail with the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.exists():
            return json.loads(ready.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"the demo target exited with {process.returncode} before it was ready; "
                               f"server log:\n{_tail(log)}")
        time.sleep(0.02)
    raise TimeoutError(f"the demo target was not ready within {timeout:g}s; server log:\n{_tail(log)}")


@contextlib.contextmanager
def start_demo(flaws: Iterable[str] = (), state_dir: Path | None = None, host: str = "127.0.0.1",
               https_port: int = 0, http_port: int = 0, version: str = VERSION,
               env: Mapping[str, str] | None = None) -> Iterator[DemoTarget]:
    """Run the demo target with exactly ``flaws`` for the duration of the ``with`` block.

    ``state_dir`` holds the CA (kept across starts), the served chain, the ready file and the log.
    Unknown flaw names raise ValueError before anything starts. ``env`` adds environment variables
    for the server (``GOLIVE_DEMO_TOKEN``, ``GOLIVE_DEMO_SLOW_MS``).
    """
    if state_dir is None:
        raise TypeError("start_demo() needs state_dir (where the demo CA and certificate live)")
    chosen = check_flaws(flaws)
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    run_id = secrets.token_hex(4)
    ready = state_dir / f"ready-{run_id}.json"
    log = state_dir / f"server-{run_id}.log"
    environment = {**os.environ, **(env or {})}
    argv = [sys.executable, "-m", "golive.demo", "serve", "--host", host, "--https-port", str(https_port),
            "--http-port", str(http_port), "--state-dir", str(state_dir), "--version", version,
            "--ready-file", str(ready), "--exit-with-parent"]
    if chosen:
        argv += ["--flaws", ",".join(sorted(chosen))]
    with log.open("wb") as handle:
        process = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env=environment)
    target = DemoTarget(https_port=0, http_port=0, ca_bundle=state_dir / "ca.pem", pid=process.pid,
                        token=environment.get("GOLIVE_DEMO_TOKEN") or DEFAULT_TOKEN, version=version,
                        flaws=chosen, resolve=host, log=log, process=process,
                        jwt_key=environment.get("GOLIVE_DEMO_JWT_KEY") or JWT_KEY)
    clean = False
    try:
        info = _wait_ready(process, ready, log, START_TIMEOUT)
        target.https_port, target.http_port = int(info["https_port"]), int(info["http_port"])
        target.ca_bundle = Path(info["ca_bundle"])
        yield target
        clean = True
    finally:
        target.stop()
        ready.unlink(missing_ok=True)
        if clean and process.returncode == 0:
            log.unlink(missing_ok=True)
