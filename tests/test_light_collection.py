"""Collecting the bundled checks loads no driver or scanner: a gate pays only for what it runs.

pytest imports every module of ``checks/`` to collect it, whatever ``-m`` keeps; a module-level
``from psycopg import sql`` in the backup drill once made every gate (databases or not) load
psycopg, about 60 ms of a one-second gate. Drivers and scanners are imported where they are used.
"""

from __future__ import annotations

import subprocess
import sys

from tests.harness import REPO

HEAVY = ("psycopg", "sslyze", "nassl", "locust", "gevent", "paramiko", "redis", "jwt", "websockets", "cryptography")


def test_importing_the_plugin_and_every_check_module_loads_no_driver_or_scanner() -> None:
    code = (
        "import importlib, pathlib, sys\n"
        "import golive.plugin\n"
        "for path in sorted(pathlib.Path('checks').glob('test_*.py')):\n"
        "    importlib.import_module('checks.' + path.stem)\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"loaded while collecting: {done.stdout.strip()}"
