"""A bounded pool of daemon threads: what the observation phase and the TLS scan run their jobs on.

Its own module so that the TLS scan's child process (``golive.tls.child``) imports it without the
observation phase, and with it the whole profile model.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerPool:
    """A bounded pool of daemon threads, first in first out.

    Daemon threads (unlike ``ThreadPoolExecutor``'s) never hold the process at exit: a job blocked
    on a dead server when the run ends (Ctrl-C, ``-x``) is abandoned, not waited for.
    """

    def __init__(self, workers: int, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                         for i in range(max(1, workers))]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        if self._closed:
            future.cancel()
            return future
        self._queue.put((future, job))
        return future

    def _work(self) -> None:
        while (entry := self._queue.get()) is not None:
            future, job = entry
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # kept on the future
                future.set_exception(exc)

    def close(self) -> None:
        """Cancel what has not started; running jobs end by their own deadlines."""
        self._closed = True
        with contextlib.suppress(queue.Empty):
            while True:
                entry = self._queue.get_nowait()
                if entry is not None:
                    entry[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
