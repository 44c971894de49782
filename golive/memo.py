"""Compute once per key, whichever thread asks first; the others wait for that answer.

The observation phase (``golive.observe``) and the checks read the same session caches from
several threads. A plain dict memo would let two threads that miss at the same moment both send
the request; ``SingleFlight`` hands the second one the first one's future instead. Exceptions are
answers too: every caller of a key that failed gets the same exception (a subject found
unreachable is reported by each of its checks, found once).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """A thread-safe memo: ``get(key, make)`` calls ``make`` once per key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[T]] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            future = self._futures.get(key)
            mine = future is None
            if mine:
                future = self._futures[key] = Future()
        assert future is not None
        if mine:
            try:
                future.set_result(make())
            except BaseException as exc:  # handed to every caller of this key
                future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise  # KeyboardInterrupt and friends still stop the caller at once
        if mine:
            return future.result()
        try:
            return future.result()
        except Exception as exc:
            raise _fresh(exc) from None

    def peek(self, key: Hashable) -> Future[T] | None:
        """The key's future if anyone asked for it (done or in flight), else None."""
        with self._lock:
            return self._futures.get(key)


def _fresh(exc: Exception) -> Exception:
    """The same error as a new object: re-raising one object from many threads and checks would
    pile every raise's frames onto its one traceback (and pytest formats them all)."""
    try:
        return copy.copy(exc)
    except Exception:  # an exception type that cannot be rebuilt from its args
        return exc
