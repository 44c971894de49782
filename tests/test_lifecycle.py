"""The run lifecycle's rules without a gate run: completion in the sign-off, the report-dir lock,
withdrawing the previous verdict, signals as ``KeyboardInterrupt``, the child-run forwarding.
(``test_lifecycle_selftest.py`` proves the same on real gate runs with real signals.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golive import lifecycle
from golive.catalog import load_catalog
from golive.outcomes import Recorder
from golive.profile import Profile
from golive.signoff import build, running
from golive.signoff import write_document as write
from golive.signoff_md import render
from golive.signoff_model import RunScope, RunState, read


def attested_recorder() -> Recorder:
    """A profile whose every critical manual item is attested: only the checks decide."""
    manual = [{"check": i.id, "by": "rm@example.com", "at": "2026-01-01"} for i in load_catalog().values()
              if i.mode == "manual" and i.severity == "critical"]
    return Recorder(Profile.model_validate({"name": "p", "attestations": manual}))


def passed(rec: Recorder, nodeid: str, check_id: str, subject: str) -> None:
    rec.record(nodeid, {"id": check_id, "subject": subject, "status": "passed", "when": "call", "message": "ok",
                        "unreachable": False, "evidence": None})


def test_a_complete_run_of_passing_checks_is_go() -> None:
    rec = attested_recorder()
    rec.collected([("headers.hsts", "web", "n1")], set())
    passed(rec, "n1", "headers.hsts", "web")
    doc = build(rec)
    assert doc.go and doc.run.state is RunState.COMPLETE and doc.run.not_run == []


def test_checks_that_did_not_run_make_the_run_incomplete_and_no_go() -> None:
    """-x / --maxfail / a crashed worker: collected checks without an outcome."""
    rec = attested_recorder()
    rec.collected([("headers.hsts", "web", "n1"), ("tls.protocols", "web", "n2"), ("tls.ciphers", "web", "n3")], set())
    passed(rec, "n1", "headers.hsts", "web")
    doc = build(rec)
    assert not doc.go
    assert doc.run.state is RunState.INCOMPLETE
    assert doc.run.not_run == ["tls.ciphers[web]", "tls.protocols[web]"]
    assert doc.reasons[0].startswith("run incomplete (stopped early") and "tls.protocols[web]" in doc.reasons[0]
    assert "## Run not complete: run incomplete, 2 check(s) not run" in render(doc)


def test_an_interruption_is_recorded_with_its_signal() -> None:
    rec = attested_recorder()
    rec.collected([("headers.hsts", "web", "n1")], set())
    passed(rec, "n1", "headers.hsts", "web")
    rec.interruption.record("SIGTERM")  # even when every collected check had run
    doc = build(rec)
    assert not doc.go and doc.run.state is RunState.INTERRUPTED and doc.run.interrupted_by == "SIGTERM"
    assert doc.reasons[0].startswith("run interrupted by SIGTERM at ")


def test_xdist_collection_ids_count_as_expected() -> None:
    rec = attested_recorder()
    rec.expected.update({"checks/test_tls.py::test_protocols[web]@golive-web"})
    assert rec.not_run() == ["checks/test_tls.py::test_protocols[web]"]


def test_the_running_signoff_is_no_go_and_round_trips(tmp_path: Path) -> None:
    rec = attested_recorder()
    doc = running(rec.profile, RunScope(), rec.started_at)
    assert not doc.go and doc.run.state is RunState.RUNNING and doc.run.pid == os.getpid()
    write(doc, tmp_path)
    again = read(tmp_path)
    assert again.run.state is RunState.RUNNING and "has not finished" in again.reasons[0]
    assert "## Run not complete: the run (pid" in (tmp_path / "signoff.md").read_text()


def test_the_lock_admits_one_run_and_names_the_holder(tmp_path: Path) -> None:
    first = lifecycle.ReportDirLock(tmp_path)
    first.acquire("pytest --profile a.yaml")
    try:
        holder = subprocess.run([sys.executable, "-c", (
            "import sys; from pathlib import Path; from golive import lifecycle\n"
            "try:\n    lifecycle.ReportDirLock(Path(sys.argv[1])).acquire()\n"
            "except lifecycle.ReportDirBusy as exc:\n    print(exc); sys.exit(4)\n"), str(tmp_path)],
            capture_output=True, text=True, timeout=60, check=False)
        assert holder.returncode == 4, holder.stderr
        assert f"pid {os.getpid()}" in holder.stdout and "pytest --profile a.yaml" in holder.stdout
        assert lifecycle.lock_holder(tmp_path) is not None
    finally:
        first.release()
    assert lifecycle.lock_holder(tmp_path) is None
    again = lifecycle.ReportDirLock(tmp_path)
    again.acquire()
    again.release()


def test_withdraw_keeps_baselines_history_and_approvals(tmp_path: Path) -> None:
    for name in ("signoff.json", "signoff.md", "junit.xml", "effective-profile.yaml", "history.jsonl",
                 "approval.json"):
        (tmp_path / name).write_text("x")
    for folder in ("html", "load/web", "load-baseline", "allure2-history"):
        (tmp_path / folder).mkdir(parents=True)
    withdrawn = lifecycle.withdraw_previous(tmp_path)
    assert sorted(withdrawn) == sorted(["signoff.json", "signoff.md", "junit.xml", "effective-profile.yaml",
                                        "html", "load"])
    deadline = time.monotonic() + 10
    while any(p.name.startswith(".") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # directories are deleted in the background
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["history.jsonl", "approval.json",
                                                                  "load-baseline", "allure2-history"])


def test_sigterm_becomes_a_keyboard_interrupt_naming_itself() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with lifecycle.sigterm_as_interrupt() as interruption, pytest.raises(KeyboardInterrupt) as caught:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises first
    assert interruption.signal == "SIGTERM" and caught.value.signal_name == "SIGTERM"  # type: ignore[attr-defined]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before, "handlers restored"


def test_a_child_run_is_told_to_stop_and_given_time(tmp_path: Path) -> None:
    """``golive demo``'s gate run: the parent's SIGTERM reaches the child once, which cleans up."""
    marker = tmp_path / "cleaned"
    child = (f"import signal, sys, time\n"
             f"def bye(*_):\n    open({str(marker)!r}, 'w').write(signal.Signals(_[0]).name); sys.exit(3)\n"
             f"signal.signal(signal.SIGTERM, bye)\n"
             f"print('ready', flush=True)\ntime.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys\nfrom golive import lifecycle\n"
        "with lifecycle.sigterm_as_interrupt() as i:\n"
        f"    try:\n        lifecycle.run_forwarding([sys.executable, '-c', {child!r}], i, grace=20)\n"
        "    except KeyboardInterrupt:\n        print('parent interrupted', flush=True)\n")],
        stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "ready"
    parent.send_signal(signal.SIGTERM)
    out, _ = parent.communicate(timeout=60)
    assert "parent interrupted" in out
    assert marker.read_text() == "SIGTERM"
