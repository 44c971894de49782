"""``python -m golive.load.worker --master HOST:PORT``: one locust worker process for one run.

Started by the master for local workers (``checks.load.workers``) and by ``golive load-worker``
(``golive.load.agent``) on other machines. It connects to the master with locust's
``WorkerRunner``, receives the run spec and the locustfile source (``golive.load.protocol``), loads
the user classes in memory, answers ``golive_ready``, then runs the users locust's master dispatches
to it until the master says ``quit`` (or SIGINT/SIGTERM, or 5 s without a word from the master).
Exit status 0 after a run, 3 when it could not connect or could not load the master's scenarios.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
from typing import Any

from golive.load import protocol
from golive.load.address import AddressError, Endpoint, parse_endpoint

STATS_INTERVAL = 0.5
"""Seconds between the worker's stats reports (locust's default 3 s is longer than a short run)."""
CPU_INTERVAL = 1.0
"""Seconds between the worker's CPU readings, which its heartbeats carry to the master (locust: 10 s)."""
MASTER_SILENCE = 5
"""Seconds without a heartbeat answer from the master after which the worker stops (locust: 60 s)."""
EXIT_NO_RUN = 3


def _tune_locust() -> None:
    import locust.runners

    locust.runners.WORKER_REPORT_INTERVAL = STATS_INTERVAL
    locust.runners.CPU_MONITOR_INTERVAL = CPU_INTERVAL
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_SILENCE


def _runner_class() -> type:
    """locust's ``WorkerRunner`` with golive's messages registered before it says ``client_ready``.

    The master sends the spec right after its ``ack``; a handler registered after the constructor
    returned could miss it, so registration happens in ``connect_to_master`` (called by locust's
    constructor just before the handshake).
    """
    from locust.runners import WorkerRunner

    from golive.load.seal import SealError

    class SpecWorkerRunner(WorkerRunner):
        name: str = socket.gethostname()
        local: bool = False
        loaded: dict[str, Any] | None = None
        failed: str | None = None

        def connect_to_master(self) -> None:
            if protocol.SPEC not in self.custom_messages:
                self.register_message(protocol.SPEC, self._on_spec)
                self.register_message(protocol.STOP_NOW, self._on_stop_now)
            super().connect_to_master()

        def _on_spec(self, environment: Any, msg: Any) -> None:
            if self.loaded is None and self.failed is None:
                try:
                    self._load(environment, msg.data)
                except SealError as exc:
                    self.failed = str(exc)
                except Exception as exc:  # a locustfile that does not import here: tell the master why
                    self.failed = f"{type(exc).__name__}: {exc}"
            if self.failed is not None:
                self.send_message(protocol.REFUSED, {"name": self.name, "error": self.failed})
                return
            self.send_message(protocol.READY, self.loaded)

        def _load(self, environment: Any, message: dict[str, Any]) -> None:
            from golive.load import classes
            from golive.load.seal import KEY_ENV, open_payload

            payload = open_payload(message, os.environ.get(KEY_ENV) or None)
            spec = payload["spec"]
            environment.user_classes[:] = classes.from_source(spec, payload.get("locustfile"))
            environment.host = spec["host"]
            self.loaded = {"name": self.name, "host": socket.gethostname(), "pid": os.getpid(),
                           "cpu_count": os.cpu_count() or 1, "local": self.local,
                           "user_classes": [cls.__name__ for cls in environment.user_classes]}

        def _on_stop_now(self, environment: Any, msg: Any) -> None:
            environment.stop_timeout = 0.0

    return SpecWorkerRunner


def serve(master: Endpoint, name: str | None = None, local: bool = False) -> int:
    """Connect, run what the master dispatches, return when the master says quit (or on a signal)."""
    from locust import events
    from locust.env import Environment
    from locust.log import setup_logging
    from locust.runners import STATE_STOPPED

    setup_logging("INFO")
    _tune_locust()
    import gevent

    environment = Environment(user_classes=[], events=events)
    runner_class = _runner_class()
    runner_class.local = local
    if name:
        runner_class.name = name
    try:
        runner = runner_class(environment, master.host, master.port)
    except ConnectionError:
        print(f"golive load worker: no master answered at {master}", file=sys.stderr)
        return EXIT_NO_RUN
    environment.runner = runner

    def mark_final(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        # the report sent once the users are stopped is this run's last: the master waits for it
        data[protocol.FINAL] = runner.state == STATE_STOPPED

    environment.events.report_to_master.add_listener(mark_final)

    def stop(signum: int) -> None:
        environment.stop_timeout = 0.0
        environment.events.quitting.fire(environment=environment, reverse=True)  # tells the master: quit
        runner.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(signum, stop, signum)
    runner.greenlet.join()
    _flush(runner)
    return EXIT_NO_RUN if runner.failed else 0


def _flush(runner: Any, linger_ms: int = 500) -> None:
    """Deliver what the worker still has queued for the master (its last stats) before it exits."""
    socket_ = getattr(runner.client, "socket", None)
    if socket_ is None:
        return
    with contextlib.suppress(Exception):
        socket_.close(linger=linger_ms)
        socket_.context.term()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.load.worker")
    parser.add_argument("--master", required=True, help="HOST:PORT of the golive load master")
    parser.add_argument("--name", help="this worker's name in the evidence (default: the host name)")
    parser.add_argument("--local", action="store_true", help="a worker the master started itself")
    args = parser.parse_args(argv)
    try:
        master = parse_endpoint(args.master, listen=False)
    except AddressError as exc:
        parser.error(f"--master: {exc}")
    return serve(master, args.name, args.local)


if __name__ == "__main__":
    code = main()
    # Everything is sent and flushed: skip the interpreter's teardown (some 0.3 s with gevent and locust
    # loaded), so that a worker told to quit is gone well within the 2 s an interrupted run has.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
