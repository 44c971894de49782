"""smoke.blue_green_cutover proven both ways: two demo colours on one URL (the candidate reached
through ``resolve`` on another loopback address), and nginx TLS variants for a weaker-TLS candidate.

Live is the previous release (1.4.1) on 127.0.0.1:P; each candidate serves on 127.0.0.2:P, so the
profile's candidate targets have the live URL and differ only in ``resolve``, as before a real
blue-green switch. A sound candidate (1.4.2, same configuration) passes; one with exactly one
defect (missing HSTS, the old version, a 503 health, TLS 1.0 accepted) fails naming what is weaker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.demo import start_demo
from tests.harness import GoliveRun, run_golive
from tests.servers.base import free_port, port_open
from tests.servers.nginx import require_nginx
from tests.servers.nginx_tls import VARIANTS, tls_lab

pytestmark = pytest.mark.xdist_group("cutover_selftest")  # its module fixtures start once, on one worker

CANDIDATES = {"green": (), "green-hsts": ("hsts_missing",), "green-old": ("version_old",),
              "green-down": ("health_503",)}


@contextlib.contextmanager
def colours(state: Path) -> Iterator[dict[str, Any]]:
    """Live (1.4.1) on 127.0.0.1 and one candidate per entry on 127.0.0.2, .3, ... all on ONE port."""
    addresses = [f"127.0.0.{i + 1}" for i in range(len(CANDIDATES) + 1)]
    for _ in range(20):
        port, http_port = free_port(), free_port()
        if port != http_port and not any(port_open(a, p) for a in addresses for p in (port, http_port)):
            break
    with contextlib.ExitStack() as stack:
        live = stack.enter_context(start_demo(state_dir=state, version="1.4.1", https_port=port,
                                              http_port=http_port))
        found = {"blue": live.target_dict("blue")}
        for index, (name, flaws) in enumerate(CANDIDATES.items(), start=2):
            demo = stack.enter_context(start_demo(flaws=flaws, state_dir=state, version="1.4.2",
                                                  host=f"127.0.0.{index}", https_port=port, http_port=http_port))
            found[name] = demo.target_dict(name, compare_to="blue")
            assert (found[name]["url"], found[name]["http_url"]) == (found["blue"]["url"], found["blue"]["http_url"])
        yield found


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GoliveRun:
    root = tmp_path_factory.mktemp("cutover")
    with colours(root / "demo") as targets:
        profile = {"name": "cutover", "environment": "staging", "timeout": "5s", "targets": list(targets.values()),
                   "checks": {"smoke": {"expected_version": "1.4.2"}}}
        return run_golive(profile, "-m", "smoke", "-k", "cutover", tmp_path=root / "run")


def test_sound_candidate_is_ready(run: GoliveRun) -> None:
    assert run.status("smoke.blue_green_cutover", "green") == "passed", run.output[-3000:]
    message = run.message("smoke.blue_green_cutover", "green")
    assert "candidate of blue serves 1.4.2, healthy, and matches or beats it on" in message
    attachments = [p.read_text(errors="replace") for p in (run.report_dir / "allure-results").glob("*-attachment*")]
    assert any("| headers.hsts | pass | pass |" in a and "| version | 1.4.1 | 1.4.2 | expected |" in a
               for a in attachments)


@pytest.mark.parametrize(("subject", "words"), [
    ("green-hsts", ["is weaker than blue on headers.hsts", "observed: headers.hsts: pass → FAIL"]),
    ("green-old", ["serves version 1.4.1, not the expected 1.4.2"]),
    ("green-down", ["is not healthy", "answered 503"]),
])
def test_defective_candidate_fails_naming_what_is_weaker(run: GoliveRun, subject: str, words: list[str]) -> None:
    assert run.status("smoke.blue_green_cutover", subject) == "failed", run.output[-3000:]
    message = run.message("smoke.blue_green_cutover", subject)
    assert message.startswith(f"{subject}: candidate of blue: "), message
    for word in words:
        assert word in message, (word, message)


def test_live_is_not_a_subject(run: GoliveRun) -> None:
    assert all(r["subject"] != "blue" for r in run.item("smoke.blue_green_cutover")["results"])


def test_weaker_tls_candidate_fails(tmp_path: Path) -> None:
    require_nginx()
    variants = {name: VARIANTS[name] for name in ("sound", "legacy_protocols")}
    with tls_lab(tmp_path / "tls", variants, renegotiation_server=False) as lab:
        profile = {"name": "cutover-tls", "environment": "staging", "timeout": "5s",
                   "targets": [lab.target("live", "sound"),
                               lab.target("same", "sound", compare_to="live"),
                               lab.target("legacy", "legacy_protocols", compare_to="live")],
                   "checks": {"smoke": {"health_path": "/", "deep_health_path": None}}}
        run = run_golive(profile, "-m", "smoke", "-k", "cutover", tmp_path=tmp_path / "run")
    assert run.status("smoke.blue_green_cutover", "same") == "passed", run.message("smoke.blue_green_cutover", "same")
    assert "version not judged" in run.message("smoke.blue_green_cutover", "same")
    message = run.message("smoke.blue_green_cutover", "legacy")
    assert run.status("smoke.blue_green_cutover", "legacy") == "failed", message
    assert "weaker than live on" in message and "tls.protocols" in message, message
