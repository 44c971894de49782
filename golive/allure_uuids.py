"""Random version-4 UUIDs for Allure's ids and file names, drawn from a generator seeded once.

allure-pytest draws each test's id with ``uuid.uuid4()`` and golive's writer needs one per file
name: ``uuid4()`` asks the kernel for 16 bytes every time, a system call per test and per file that
costs a 2,000-check run tenths of a second on some virtual machines, and builds a ``UUID`` object
only to print it. An id needs to be unique within a run's results, not unpredictable: a generator
seeded once from the OS (128 bits) gives that, in the same text form.
"""

from __future__ import annotations

import os
import random

_VERSION_AND_VARIANT_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4_AND_RFC_VARIANT = (0x4000 << 64) | (0x8000 << 48)


class UuidSource:
    """``str(uuid.uuid4())``, without a system call per id (``tests/test_allure_writer.py``)."""

    def __init__(self) -> None:
        self._random = random.Random(os.urandom(16))

    def __call__(self) -> str:
        digits = f"{(self._random.getrandbits(128) & _VERSION_AND_VARIANT_CLEAR) | _VERSION_4_AND_RFC_VARIANT:032x}"
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
