"""Load testing with locust, kept out of the pytest process.

Importing locust monkey-patches the whole interpreter with gevent, which breaks sslyze's threads,
httpx and xdist; so the pytest side (``golive.load.runner``, ``golive.load.baseline``,
``golive.load.thresholds``) never imports it, and the run itself happens in a subprocess
(``python -m golive.load.run``) that uses locust as a library and writes a JSON summary built from
locust's stats objects. Nothing here imports locust at module level.

Processes of a run: the pytest side starts the run (``run``: a local runner, or a locust master);
a distributed run's workers (``worker``: one locust worker for one run) receive the run spec and
the locustfile from the master over locust's own protocol, so nothing but golive itself has to be
on a worker's machine; ``golive load-worker`` (``agent``) keeps serving runs on another machine.
"""

from __future__ import annotations

import json
import os
from typing import Any

SPEC_ENV = "GOLIVE_LOAD_SPEC"
"""Environment variable naming the run spec (JSON) inside the load subprocess."""

_active: dict[str, Any] = {}
"""The spec of the run this process serves (a load process serves one run; never set in pytest)."""


def activate(spec: dict[str, Any]) -> None:
    """Make ``spec`` the run spec of this process, before the locustfile is imported.

    A worker receives its spec from the master and keeps it in memory only (it may carry
    credentials from the profile): nothing of it is written to the worker's disk.
    """
    _active.clear()
    _active.update(spec)


def current_spec() -> dict[str, Any]:
    """The spec of this process: the one activated, else the file named by ``$GOLIVE_LOAD_SPEC``."""
    if _active:
        return dict(_active)
    path = os.environ.get(SPEC_ENV)
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
