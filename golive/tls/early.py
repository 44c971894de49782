"""The TLS scan's child process, started before golive's plugin loads: a gate's scanner warms up
while the run imports, reads its profile and collects.

A one-target gate (``-m "smoke or security"``) waits on one sslyze scan. Started when the first
check runs, the scan paid the child's start (Python, sslyze, the conversion: about 0.3 s) on top
of its own time; started in the run's process, it shared one interpreter lock with every other
check. So when a run may judge tls.* checks, golive starts the child at once (in the activation
plugin's ``pytest_configure``, before anything heavy is imported): it imports the scanner and
waits. Nothing is sent to any target before the observation phase asks for it; a run whose
profile turns out to have no TLS target stops the child when collection starts.

Not under xdist (each worker would start one, and the checks of a target go to one of them),
not for ``--collect-only``/``--help``-like runs, not when no test path holds the tls.* checks'
module (a project's own checks directory), not when ``-m`` leaves no tls.* check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.tls.child import ScanChild

EARLY_CHILD = pytest.StashKey[ScanChild]()


TLS_CHECKS = "test_tls.py"
"""The module of golive's tls.* checks (in the bundled ``checks/``)."""


def wanted(config: pytest.Config, runs_checks: bool) -> bool:
    """Whether this run may judge tls.* checks in this process."""
    if not runs_checks or hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None):
        return False
    if not any(_may_collect_tls(arg) for arg in config.args):
        return False
    from golive.catalog import markexpr_may_select

    return markexpr_may_select(getattr(config.option, "markexpr", ""), "tls.")


def _may_collect_tls(arg: str) -> bool:
    """A test path (or node id) that holds the tls.* checks: their module, or a directory with it."""
    path = Path(arg.split("::", 1)[0])
    if path.name == TLS_CHECKS:
        return True
    try:
        return path.is_dir() and (path / TLS_CHECKS).is_file()
    except OSError:
        return False


def spawn_if_wanted(config: pytest.Config, runs_checks: bool) -> None:
    """Start the child for this run when it may scan (an OS that refuses a process: no head start)."""
    if not wanted(config, runs_checks):
        return
    try:
        child = ScanChild.spawn()
    except OSError:
        return
    config.stash[EARLY_CHILD] = child
    config.add_cleanup(child.stop)  # however the run ends, e.g. a profile error before collection


def take(config: pytest.Config) -> ScanChild | None:
    """The early child, handed over once (to the session's scan)."""
    child = config.stash.get(EARLY_CHILD, None)
    if child is not None:
        del config.stash[EARLY_CHILD]
    return child
