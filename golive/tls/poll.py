"""sslyze's scanner notices finished scans every 0.2 s; golive's scans are too short for that.

sslyze's ``Scanner`` hands a server's jobs to worker threads and its producer thread checks
whether the server's scan is complete in a loop that sleeps 0.2 s between checks
(``sslyze.scanner._mass_scanner``). On loopback or in a data centre a whole default scan of one
server is about 0.2 s of work, so its result waited up to one more poll: measured against the demo
target, a one-command scan took 0.21 s whatever the command (0.02 s of work) and the full scan
0.42 s (0.23 s of work). The gate waits on that scan.

``shorten_scanner_poll()`` makes that loop wait ``POLL`` seconds instead: the producer thread is
sslyze's own; only its idle wait is shorter. It is a no-op when sslyze's module no longer sleeps
through ``time.sleep`` (a future sslyze changes its loop: golive then gets whatever it does).
"""

from __future__ import annotations

import time

POLL = 0.02
"""Seconds between sslyze's checks for a finished server scan (sslyze: 0.2). 50 wake-ups a second
per running scanner: nothing next to the hundreds of handshakes of a scan."""


def _short_sleep(seconds: float) -> None:
    time.sleep(min(seconds, POLL))


def shorten_scanner_poll() -> bool:
    """Shorten the poll of sslyze's scanner thread (idempotent); True when it is in effect."""
    from sslyze.scanner import _mass_scanner

    current = getattr(_mass_scanner, "sleep", None)
    if current is time.sleep:
        _mass_scanner.sleep = _short_sleep
        return True
    return current is _short_sleep
