"""``golive demo``: start the demo target, run the full gate with profiles/demo.yaml, print the verdict.

The demo target listens on free loopback ports; their numbers and the CA path reach the profile
through the environment variables that ``profiles/demo.yaml`` interpolates, so the profile stays
a plain, readable file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from golive.signoff_model import SignOff

from golive.paths import bundled_profiles_dir, state_dir

STATE_DIR = state_dir() / "demo"


@contextlib.contextmanager
def demo_environment(flaws: Sequence[str] = ()) -> Iterator[dict[str, str]]:
    """Start the demo target (and its database when available); yield the env for demo.yaml."""
    from golive.demo import start_demo

    with contextlib.ExitStack() as stack:
        demo = stack.enter_context(start_demo(flaws=set(flaws), state_dir=STATE_DIR))
        env = {
            "GOLIVE_DEMO_HTTPS_PORT": str(demo.https_port),
            "GOLIVE_DEMO_HTTP_PORT": str(demo.http_port),
            "GOLIVE_DEMO_CA": str(demo.ca_bundle),
            "GOLIVE_DEMO_TOKEN": demo.token,
            "GOLIVE_DEMO_JWT_KEY": demo.jwt_key,
            "GOLIVE_DEMO_STATE": str(STATE_DIR),
        }
        env.update(_demo_database(stack))
        yield env


def _demo_database(stack: contextlib.ExitStack) -> dict[str, str]:
    try:
        from golive.demo.database import start_demo_database
    except ImportError:
        return {}
    return dict(stack.enter_context(start_demo_database(STATE_DIR)))


def run_demo(report_dir: Path, flaws: Sequence[str] = (), pytest_args: Sequence[str] = (),
             serve_only: bool = False) -> int:
    from golive.lifecycle import run_forwarding, sigterm_as_interrupt

    started = time.monotonic()
    print("golive demo: starting the demo target on loopback ...", flush=True)
    # SIGTERM stops the demo as Ctrl-C does: the demo server (and its database) are stopped by pid
    with sigterm_as_interrupt() as interruption, demo_environment(flaws) as env:
        if serve_only:
            with contextlib.suppress(KeyboardInterrupt):  # from before "serving": a stop may come at once
                print(json.dumps(env, indent=2))
                print("serving; Ctrl-C or SIGTERM to stop", flush=True)
                while True:
                    time.sleep(3600)
            return 0
        from golive.gate import pytest_arguments

        profile = bundled_profiles_dir() / "demo.yaml"
        command = [sys.executable, "-m", "pytest",
                   *pytest_arguments(str(profile), report_dir.resolve(), ["-q", "--no-header", *pytest_args])]
        print(f"golive demo: running the gate: golive run --profile {profile} --report-dir {report_dir}",
              flush=True)
        returncode = run_forwarding(command, interruption, env={**os.environ, **env})
    signoff = _read_signoff(report_dir)
    took = time.monotonic() - started
    if signoff is None:
        print(f"golive demo: no sign-off written (pytest exit {returncode})", file=sys.stderr)
        return returncode or 1
    print(f"golive demo: done in {took:.1f}s; verdict {signoff.verdict}")
    return 0 if signoff.go else 1


def _read_signoff(report_dir: Path) -> SignOff | None:
    from golive.signoff_model import SignOffError, read

    try:
        return read(report_dir)
    except SignOffError:
        return None
