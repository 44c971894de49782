"""The self-tests' network lab (``tests.servers.netns``) leaves nothing on the host, even when the
process that made it is killed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import netns

REPO = Path(__file__).resolve().parent.parent

HOLD_A_LAB = """
import time
from tests.servers.netns import netlab

with netlab(2) as lab:
    print(lab.isolated, lab.links[0] if lab.links else "-", *(m.netns for m in lab.machines), flush=True)
    time.sleep(120)
"""


def _present() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout + \
        subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=False).stdout


def _gone(names: list[str], within: float) -> list[str]:
    """The names still on the host after waiting up to ``within`` seconds for them to go."""
    deadline = time.monotonic() + within
    while True:
        present = _present()
        left = [name for name in names if name in present]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_lab_whose_process_is_killed_is_removed_all_the_same(how: str) -> None:
    reason = netns._unavailable()
    if reason:
        pytest.skip(f"network namespaces need root and iproute2 here ({reason})")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_LAB], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        isolated, link, *names = (holder.stdout.readline() if holder.stdout else "").split()
        if isolated != "True":
            pytest.skip(f"this host made no namespaces (the lab fell back to loopback); link {link}")
        bridge = "glb" + link[len("glh"):-1]  # glh<token><n> is machine n's end on bridge glb<token>
        present = _present()
        assert all(name in present for name in [bridge, link, *names])
    finally:
        holder.kill() if how == "SIGKILL" else holder.terminate()
        holder.wait(timeout=10)
    assert _gone([bridge, link, *names], within=15) == []
