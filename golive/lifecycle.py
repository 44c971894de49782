"""A gate run's life in its report directory: one run at a time, the previous verdict withdrawn
when a run starts, and SIGTERM treated as Ctrl-C.

Why each exists (issue 15, "a gate must never say GO by accident"):

- **Lock**: two runs into one report directory mixed their evidence (a GO sign-off beside the other
  run's failing JUnit and Allure results). A run takes an exclusive ``flock`` on
  ``<report dir>/.golive.lock`` for its whole life (the kernel releases it when the process ends,
  even on SIGKILL); a second run refuses with exit 4, naming the holder.
- **Withdraw the previous verdict**: a GO run, then a run killed with SIGTERM in the same directory,
  left the old GO for ``golive verdict`` to print. When a run starts, the previous sign-off and
  what was derived from it (Markdown, JUnit, effective profile, HTML report, load outputs) are
  moved away, and a *running* sign-off takes its place: verdict NO-GO, "the run that started at …
  has not finished". The run replaces it when it ends; a run killed before that leaves it saying so.
- **SIGTERM = SIGINT**: CI cancels with SIGTERM, whose default action ends Python without any
  clean-up. A handler turns it into ``KeyboardInterrupt``, so scratch databases, demo servers and
  temporary directories are cleaned up exactly as on Ctrl-C, and the sign-off records the signal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

LOCK_FILE = ".golive.lock"
DERIVED = ("signoff.json", "signoff.md", "junit.xml", "effective-profile.yaml", "html", "load")
"""What a run replaces: the previous sign-off and the outputs derived from that run. Kept: the
load baselines (``load-baseline/``), the report history (``history.jsonl``, ``allure2-history/``)
and approvals (bound to the sign-off they approve, so they read as stale against a new one)."""


class ReportDirBusy(Exception):
    """Another golive run holds the report directory."""


@dataclass
class ReportDirLock:
    """An exclusive lock on a report directory for the life of this process's run."""

    report_dir: Path
    _handle: Any = None

    @property
    def path(self) -> Path:
        return self.report_dir / LOCK_FILE

    def acquire(self, what: str = "") -> None:
        """Take the lock at once or raise ``ReportDirBusy`` naming the holder (never waits)."""
        self.report_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ReportDirBusy(
                f"report directory {self.report_dir} is in use by another golive run ({holder}); "
                "wait for it to finish, or give this run its own --report-dir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {_now_iso()}{f', {what}' if what else ''}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def withdraw_previous(report_dir: Path) -> list[str]:
    """Move the previous run's sign-off and derived outputs out of the way (deleted in the
    background); the names withdrawn."""
    withdrawn = []
    for name in DERIVED:
        path = report_dir / name
        if path.exists() or path.is_symlink():
            discard(path)
            withdrawn.append(name)
    return withdrawn


def discard(path: Path) -> None:
    """Rename ``path`` away at once (this run never sees it again), delete it in the background."""
    trash = path.with_name(f".{path.name}.old-{os.getpid()}-{time.monotonic_ns()}")
    path.rename(trash)
    if trash.is_dir() and not trash.is_symlink():
        threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True},
                         name="golive-discard", daemon=False).start()
    else:
        trash.unlink(missing_ok=True)


# --------------------------------------------------------------------------- signals


@dataclass
class Interruption:
    """The signal that stopped the run, if any (filled by the handlers below)."""

    signal: str | None = None
    at: datetime | None = None
    count: int = 0
    received: list[str] = field(default_factory=list)

    def record(self, name: str) -> None:
        self.count += 1
        self.received.append(name)
        if self.signal is None:
            self.signal, self.at = name, datetime.now(UTC)

    @property
    def interrupted(self) -> bool:
        return self.signal is not None


HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop signal, as the ``KeyboardInterrupt`` everything already cleans up on; ``signal_name``
    says which (the load runner's ``LoadInterrupted`` carries the same attribute)."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(f"golive: {signal_name} received")
        self.signal_name = signal_name


def install_interrupt_handlers(interruption: Interruption,
                               signals: tuple[signal.Signals, ...] = HANDLED) -> Callable[[], None]:
    """``signals`` (default SIGINT and SIGTERM) raise ``KeyboardInterrupt``, recording which came
    first; returns the function that restores the previous handlers. A no-op outside the main
    thread (only it may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        interruption.record(name)
        raise Interrupted(name)

    for signum in signals:
        previous[signum] = signal.signal(signum, handler)

    def restore() -> None:
        for signum, old in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, old if old is not None else signal.SIG_DFL)

    return restore


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[Interruption]:
    """For commands outside pytest (``golive demo --serve``): SIGTERM stops them like Ctrl-C."""
    interruption = Interruption()
    restore = install_interrupt_handlers(interruption)
    try:
        yield interruption
    finally:
        restore()


def _now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def lock_holder(report_dir: Path) -> str | None:
    """Who holds the report directory now (None when nobody does): for messages and tests."""
    path = report_dir / LOCK_FILE
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


CHILD_GRACE = 60.0
"""Seconds a child gate run gets to clean up and write its sign-off after being told to stop."""


def run_forwarding(command: list[str], interruption: Interruption | None = None, grace: float = CHILD_GRACE,
                   **popen: Any) -> int:
    """Run a child process (a gate run) and pass a stop on to it.

    The child runs in its own session, so that a terminal's Ctrl-C or a CI's SIGTERM reaches it
    exactly once: from here, as the same signal, then it has ``grace`` seconds to clean up and
    write its interrupted sign-off before it is killed (by its pid). Re-raises the interruption.
    """
    import subprocess

    process = subprocess.Popen(command, start_new_session=True, **popen)
    try:
        return process.wait()
    except KeyboardInterrupt:
        name = (interruption.signal if interruption and interruption.signal else "SIGINT")
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.Signals[name])
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        raise
