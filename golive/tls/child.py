"""The TLS scan's child process: a plain ``python -m golive.tls.child`` on a socket pair.

Not ``multiprocessing``'s spawn: that re-runs the parent's main script in the child (``pytest``'s
or ``golive``'s console script, which import pytest or golive's CLI) before the child's own work,
about 0.1 s of imports a scan never uses, paid on the gate's critical path. Here the child imports
this small module, then ``serve`` (below) warms up (imports sslyze and the conversion)
and waits for the run to send its plan. Messages are pickled by ``multiprocessing.connection``'s
``Connection`` (the same framing ``multiprocessing.Pipe`` uses, over the same kind of socket pair).

The child ignores Ctrl-C (the run decides), exits when the socket closes (the run ended, however it
ended) and is stopped by its PID (``ScanChild.stop``). What it writes to stderr is kept in a
temporary file, so that a child that dies says why.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import warnings
from multiprocessing.connection import Connection
from typing import Any

from golive.helper_process import HelperProcess
from golive.reach import Endpoint, Reachability


class ScanChild:
    """A started child process (``helper``) and its end of the socket pair."""

    def __init__(self, helper: HelperProcess, conn: Connection) -> None:
        self.helper = helper
        self.conn = conn
        self._send_lock = threading.Lock()
        self._stopped = False

    @classmethod
    def spawn(cls) -> ScanChild:
        ours, theirs = socket.socketpair()
        try:
            helper = HelperProcess("golive.tls.child", str(theirs.fileno()), pass_fds=(theirs.fileno(),),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        return cls(helper, Connection(ours.detach()))

    def send(self, message: Any) -> None:
        with self._send_lock:
            self.conn.send(message)

    def recv(self) -> Any:
        return self.conn.recv()

    def alive(self) -> bool:
        return self.helper.alive()

    def ended_because(self, wait: float = 1.0) -> str:
        """How the child ended: its exit code and the last line it wrote to stderr."""
        return self.helper.ended(wait)

    def stop(self) -> None:
        """End the child by its PID (idempotent). Nothing of the run lives in it, so no grace period:
        waiting for it to wind down its scanner threads cost the run's end 0.05-0.1 s."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(OSError):
            self.conn.close()  # a child not yet at its signal handler still ends at its next read
        self.helper.stop()
        self.helper.release()


class _ForwardingReachability(Reachability):
    """The child's reachability record: endpoints found down are also sent to the run."""

    def __init__(self, send: Any) -> None:
        super().__init__()
        self._send = send

    def mark_down(self, endpoint: Endpoint, reason: str) -> str:
        recorded = super().mark_down(endpoint, reason)
        self._send(("down", tuple(endpoint), recorded))
        return recorded


def serve(conn: Any) -> None:
    """The child process: warm up, take the run's plan, scan what it asks for, answer each key
    when it is ready; ends when the socket closes (or by the run's SIGTERM)."""
    from golive.tls.scan import TlsScan, preload

    warnings.filterwarnings("ignore")
    preload()  # while the run still loads and collects, when the child was started early
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return
    if message[0] != "plan":
        return
    _, plan, settings, workdir, down = message
    lock = threading.Lock()

    def send(message: Any) -> None:
        with lock, contextlib.suppress(OSError, ValueError):
            conn.send(message)

    reachability = _ForwardingReachability(send)
    for endpoint, reason in down.items():
        Reachability.mark_down(reachability, Endpoint(*endpoint), reason)
    scan = TlsScan(plan, settings, workdir, reachability,
                   on_started=lambda key: send(("started", key)),
                   on_observation=lambda key, obs: send(("done", key, obs)))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "request":
            scan.request(message[1])
    scan.close()


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle; the socket tells us
    serve(Connection(int(argv[1])))


if __name__ == "__main__":
    main(sys.argv)
