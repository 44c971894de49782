"""The plugin end to end: selection, xdist, applicability, waivers, attestations, secrets, timeouts.

These runs use a small checks directory of their own (with a catalog extension) so that they
test the backbone, not any one domain.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import GoliveRun, manual_attestations, run_golive

CATALOG = """\
- {id: selftest.alpha, title: Alpha holds, severity: critical, markers: [smoke], mode: automated}
- {id: selftest.beta, title: Beta holds, severity: low, markers: [security, headers], mode: automated}
- {id: selftest.hosty, title: Hosts hold, severity: high, markers: [prereq], mode: automated}
- {id: selftest.fetch, title: Fetches answer, severity: high, markers: [smoke], mode: automated}
- {id: selftest.db, title: Database answers, severity: low, markers: [backup], mode: automated}
- {id: selftest.notified, title: Team notified, severity: critical, mode: manual}
- {id: selftest.someday, title: Not yet automated, severity: medium, mode: planned}
"""

CHECKS = '''\
import os
from golive.registry import check


@check("selftest.alpha")
def test_alpha(target, evidence):
    evidence.metric("answer", 42)
    evidence.metric("worker", os.environ.get("PYTEST_XDIST_WORKER", "main"))
    bad = os.environ.get("SELFTEST_FAIL_ALPHA", "")
    assert target.name not in bad.split(","), (
        f"{target.name}: alpha is off (observed: token={os.environ.get('SELFTEST_SECRET', '')}; expected: on)")


@check("selftest.beta")
def test_beta(target, evidence):
    evidence.metric("worker", os.environ.get("PYTEST_XDIST_WORKER", "main"))
    assert os.environ.get("SELFTEST_FAIL_BETA") != "1", f"{target.name}: beta header missing"


@check("selftest.hosty", over="hosts")
def test_hosty(host):
    assert host.name


@check("selftest.db", over="databases")
def test_db(database):
    assert database.name


@check("selftest.fetch")
def test_fetch_one(target, http):
    http.fetch(target, "/one")


@check("selftest.fetch")
def test_fetch_two(target, http):
    http.fetch(target, "/two")
'''


@pytest.fixture
def checks_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "test_selftest.py").write_text(CHECKS)
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    return folder


def profile(**extra: object) -> dict:
    attestations = manual_attestations() + list(extra.pop("attestations", []))  # type: ignore[arg-type]
    return {"name": "plug", "environment": "staging", "timeout": "1s",
            "targets": [{"name": "web", "url": "https://web.invalid.test"},
                        {"name": "api", "url": "https://api.invalid.test"}], "attestations": attestations, **extra}


def run(tmp_path: Path, checks_dir: Path, prof: dict, *args: str, env: dict | None = None) -> GoliveRun:
    full_env = {"GOLIVE_CATALOG_EXTRA": str(tmp_path / "catalog.yaml"), **(env or {})}
    selection = () if "-k" in args else ("-k", "not fetch")
    return run_golive(prof, *selection, *args, tmp_path=tmp_path, checks=checks_dir, env=full_env)


def test_sound_run_is_go_with_every_item_listed(tmp_path: Path, checks_dir: Path) -> None:
    prof = profile(attestations=[{"check": "selftest.notified", "by": "jane@example.com", "at": "2026-11-20"}])
    result = run(tmp_path, checks_dir, prof)
    assert result.returncode == 0, result.output
    doc = result.signoff
    assert doc["verdict"] == "GO"
    assert result.status("selftest.alpha", "web") == "passed"
    assert result.result("selftest.alpha", "api")["metrics"] == {"answer": 42, "worker": "main"}
    assert result.status("selftest.hosty") == "not_applicable"
    assert result.status("selftest.notified") == "attested"
    assert result.status("selftest.someday") == "planned"
    assert "headers.hsts" in result.statuses() or len(result.statuses()) >= 5
    assert "VERDICT: GO" in result.output
    for name in ("signoff.md", "junit.xml", "allure-results/environment.properties",
                 "allure-results/categories.json"):
        assert (result.report_dir / name).exists(), name
    assert "profile=plug" in (result.report_dir / "allure-results/environment.properties").read_text()


def test_allure_disabled_still_signs_off_and_leaves_no_stale_results(tmp_path: Path, checks_dir: Path) -> None:
    """``-p no:allure_pytest`` (a quick local audit without Allure evidence): same verdict and
    sign-off, no allure-results, and the previous run's results are not left to pass for this one's."""
    prof = profile(attestations=[{"check": "selftest.notified", "by": "jane@example.com", "at": "2026-11-20"}])
    first = run(tmp_path, checks_dir, prof)
    assert any((first.report_dir / "allure-results").glob("*-result.json"))
    result = run(tmp_path, checks_dir, prof, "-p", "no:allure_pytest", env={"SELFTEST_FAIL_ALPHA": "api"})
    assert result.returncode == 1, result.output
    assert "INTERNALERROR" not in result.output
    assert result.status("selftest.alpha", "api") == "failed"
    assert result.status("selftest.alpha", "web") == "passed"
    assert result.signoff["verdict"] == "NO-GO"
    assert not (result.report_dir / "allure-results").exists()
    assert "allure-results" not in result.output.split("reports:", 1)[1].splitlines()[0]


def test_failure_names_subject_and_critical_failure_is_no_go(tmp_path: Path, checks_dir: Path) -> None:
    result = run(tmp_path, checks_dir, profile(), env={"SELFTEST_FAIL_ALPHA": "api"})
    assert result.returncode == 1
    assert result.status("selftest.alpha", "api") == "failed"
    assert result.status("selftest.alpha", "web") == "passed"
    assert result.message("selftest.alpha", "api").startswith("api: alpha is off")
    doc = result.signoff
    assert doc["verdict"] == "NO-GO"
    assert any("selftest.alpha (critical) failed on api" in r for r in doc["reasons"])
    assert any("selftest.notified (critical, manual) not attested" in r for r in doc["reasons"])
    assert "VERDICT: NO-GO" in result.output


def test_low_severity_failure_alone_keeps_go(tmp_path: Path, checks_dir: Path) -> None:
    prof = profile(attestations=[{"check": "selftest.notified", "by": "ops", "at": "2026-11-20"}])
    result = run(tmp_path, checks_dir, prof, env={"SELFTEST_FAIL_BETA": "1"})
    assert result.status("selftest.beta") == "failed"
    assert result.signoff["verdict"] == "GO"


def test_marker_and_keyword_selection(tmp_path: Path, checks_dir: Path) -> None:
    result = run(tmp_path, checks_dir, profile(), "-m", "security")
    assert result.status("selftest.beta", "web") == "passed"
    assert result.status("selftest.alpha") == "not_run"
    by_k = run(tmp_path, checks_dir, profile(), "-k", "alpha and web")
    assert by_k.status("selftest.alpha", "web") == "passed"
    assert [r["subject"] for r in by_k.item("selftest.alpha")["results"]] == ["web"]


def test_target_filter_and_unknown_target(tmp_path: Path, checks_dir: Path) -> None:
    result = run(tmp_path, checks_dir, profile(), "--golive-target", "api")
    assert [r["subject"] for r in result.item("selftest.alpha")["results"]] == ["api"]
    unknown = run(tmp_path, checks_dir, profile(), "--golive-target", "nope")
    assert unknown.returncode == 4
    assert "--golive-target nope: not in profile 'plug'" in unknown.output


def test_xdist_signoff_is_complete_and_equal(tmp_path: Path, checks_dir: Path) -> None:
    for sub in ("serial", "par"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "catalog.yaml").write_text(CATALOG)
    serial = run(tmp_path / "serial", checks_dir, profile(), env={"SELFTEST_FAIL_ALPHA": "web"})
    parallel = run(tmp_path / "par", checks_dir, profile(), "-n", "2", env={"SELFTEST_FAIL_ALPHA": "web"})

    def shape(r: GoliveRun) -> list:
        return [(i["id"], i["status"], sorted((x["subject"], x["status"], x["message"]) for x in i["results"]))
                for i in r.signoff["items"]]

    assert shape(parallel) == shape(serial)
    assert parallel.signoff["counts"] == serial.signoff["counts"]
    assert parallel.status("selftest.hosty") == "not_applicable"
    # checks are grouped by subject: every check of one target runs on the same worker
    workers: dict[str, set[str]] = {}
    for item in parallel.signoff["items"]:
        for result in item["results"]:
            if "worker" in result.get("metrics", {}):
                workers.setdefault(result["subject"], set()).add(result["metrics"]["worker"])
            assert "@" not in result["nodeid"], result["nodeid"]  # xdist's group suffix is not kept
    assert set(workers) == {"web", "api"}
    assert all(len(w) == 1 and not w & {"main"} for w in workers.values()), workers


def test_waivers_active_and_expired(tmp_path: Path, checks_dir: Path) -> None:
    prof = profile(
        waivers=[{"check": "selftest.alpha[api]", "reason": "known issue OPS-9", "expires": "2099-01-01"},
                 {"check": "selftest.beta", "reason": "old excuse", "expires": "2020-01-01"}],
        attestations=[{"check": "selftest.notified", "by": "ops", "at": "2026-11-20"}])
    result = run(tmp_path, checks_dir, prof, env={"SELFTEST_FAIL_ALPHA": "api", "SELFTEST_FAIL_BETA": "1"})
    assert result.status("selftest.alpha", "api") == "waived"
    assert result.status("selftest.beta", "web") == "failed"  # expired waiver does not waive
    doc = result.signoff
    assert doc["verdict"] == "GO"  # alpha waived; beta is low severity
    waivers = {w["check"]: w for w in doc["waivers"]}
    assert waivers["selftest.alpha[api]"]["status"] == "active" and waivers["selftest.alpha[api]"]["used"]
    assert waivers["selftest.beta"]["status"] == "expired"
    assert any(e["kind"] == "waiver" and e["expired"] for e in doc["expiring_soon"])
    assert "xfailed" in result.output or "waived" in result.output


def test_planted_secrets_appear_nowhere(tmp_path: Path, checks_dir: Path) -> None:
    secret = "tok-PLANTED-9f8e7d6c5b"
    prof = profile(databases=[{"name": "db", "dsn": "postgresql://app:${SELFTEST_SECRET}@127.0.0.1/app"}])
    result = run(tmp_path, checks_dir, prof, env={"SELFTEST_SECRET": secret, "SELFTEST_FAIL_ALPHA": "web,api"})
    assert result.status("selftest.alpha", "web") == "failed"
    assert result.status("selftest.db", "db") == "passed"  # its subject (with the DSN) is an allure parameter
    assert secret not in result.report_text()
    assert secret not in result.output
    assert "token=***" in result.message("selftest.alpha", "web")


SETUP_BREAKS = '''\
import pytest
from golive.registry import check


@pytest.fixture
def unreachable_dependency():
    raise ConnectionError("dependency down")


@check("selftest.beta")
def test_setup_breaks(target, unreachable_dependency):
    assert target.name
'''


@pytest.mark.parametrize("listener", ["golive", "allure-pytest"])
def test_a_check_whose_set_up_fails_names_its_subject_without_its_fields(tmp_path: Path, checks_dir: Path,
                                                                          listener: str) -> None:
    """allure-pytest records a parameter not set by the end of set-up as the repr of its value: the
    whole subject, a secret interpolated into its URL included. golive's listener reads the subject's
    name from the item; allure-pytest's own (``GOLIVE_ALLURE_WRITER=allure-pytest``, or a version the
    lean hooks were not verified against) gets it through ``allure.dynamic.parameter`` first."""
    import json

    secret = "tok-PLANTED-in-url-5a4b3c"
    (checks_dir / "test_setup_breaks.py").write_text(SETUP_BREAKS)
    prof = profile(targets=[{"name": "web", "url": "https://web.invalid.test/?key=${SELFTEST_SECRET}"}])
    env = {"SELFTEST_SECRET": secret, **({"GOLIVE_ALLURE_WRITER": "allure-pytest"} if listener != "golive" else {})}
    result = run(tmp_path, checks_dir, prof, "-k", "setup_breaks", env=env)
    assert result.status("selftest.beta", "web") == "error"
    results = [json.loads(path.read_text()) for path in (result.report_dir / "allure-results").glob("*-result.json")]
    [broken] = [data for data in results if data["fullName"].endswith("test_setup_breaks")]
    assert broken["status"] == "broken"
    assert broken["parameters"] == [{"name": "target", "value": "'web'"}]
    assert secret not in result.report_text()


def test_environment_variable_selects_the_profile(tmp_path: Path, checks_dir: Path) -> None:
    from tests.harness import write_profile

    path = write_profile(profile(), tmp_path / "p")
    import subprocess
    import sys

    from tests.harness import REPO
    done = subprocess.run([sys.executable, "-m", "pytest", str(checks_dir), "-p", "no:locust", "--rootdir", str(REPO),
                           "-c", str(REPO / "pyproject.toml"), "--report-dir", str(tmp_path / "r"), "-q",
                           "-k", "alpha"],
                          env={**__import__("os").environ, "GOLIVE_PROFILE": str(path),
                               "GOLIVE_CATALOG_EXTRA": str(tmp_path / "catalog.yaml")},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "r" / "signoff.json").exists()


def test_no_profile_is_a_usage_error(tmp_path: Path, checks_dir: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.harness import REPO
    env = {k: v for k, v in os.environ.items() if k != "GOLIVE_PROFILE"}
    env["GOLIVE_CATALOG_EXTRA"] = str(tmp_path / "catalog.yaml")
    done = subprocess.run([sys.executable, "-m", "pytest", str(checks_dir), "-p", "no:locust", "--rootdir", str(REPO),
                           "-c", str(REPO / "pyproject.toml"), "-q"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 4
    assert "no profile given" in done.stdout + done.stderr


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[int]]]:
    """A loopback TCP server that accepts connections and never answers (a hung target)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[int] = []
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(1)
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_unreachable_target_costs_one_timeout(tmp_path: Path, checks_dir: Path,
                                              silent_server: tuple[int, list[int]]) -> None:
    port, accepted = silent_server
    prof = {"name": "hung", "timeout": "1s", "targets": [{"name": "hung", "url": f"http://127.0.0.1:{port}"}]}
    result = run_golive(prof, "-k", "fetch", tmp_path=tmp_path, checks=checks_dir,
                        env={"GOLIVE_CATALOG_EXTRA": str(tmp_path / "catalog.yaml")})
    assert result.status("selftest.fetch", "hung") == "error"  # could not observe: not a product defect
    messages = [r["message"] for r in result.item("selftest.fetch")["results"]]
    assert all("unreachable" in m and "hung" in m for m in messages), messages
    assert any("1s timeout" in m for m in messages), messages
    assert any("already found unreachable" in m for m in messages), messages
    assert result.result("selftest.fetch", "hung")["category"] == "target unreachable"
    deadline = time.monotonic() + 5  # on a loaded machine the server's accept thread may lag behind
    while not accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(accepted) == 1, f"expected one connection (one timeout), got {len(accepted)}"


def test_evidence_without_allure_builds_no_attachment_but_keeps_sign_off_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    import allure

    from golive.evidence import Evidence
    from golive.redact import Redactor

    attached: list[str] = []
    monkeypatch.setattr(allure, "attach", lambda body, name=None, attachment_type=None: attached.append(name))
    on, off = Evidence(Redactor(("s3cret",))), Evidence(Redactor(("s3cret",)), attachments=False)
    for ev in (on, off):
        ev.text("page", "token s3cret")
        ev.json("grade", {"score": 90})
        ev.headers("response", [("Server", "nginx")])
        ev.metric("score", 90)
        ev.note("slow")
    assert attached == ["page", "grade", "response"]
    assert off.payload() == on.payload()
    assert off.metrics == {"score": 90} and off.notes == ["slow"]


def test_a_read_only_mapping_is_rendered_once_per_redactor_and_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A TLS scan's summary (read-only, one per target) is attached by each of the target's tls.*
    checks: rendered once, the same text as the dict it holds, secrets masked."""
    from types import MappingProxyType

    import allure

    from golive import evidence as evidence_module
    from golive.evidence import Evidence
    from golive.redact import Redactor
    from golive.tls.model import TlsObservation

    attached: list[str] = []
    monkeypatch.setattr(allure, "attach", lambda body, name=None, attachment_type=None: attached.append(body))
    rendered: list[object] = []
    real = evidence_module._render
    monkeypatch.setattr(evidence_module, "_render",
                        lambda data, redactor: rendered.append(data) or real(data, redactor))
    redactor = Redactor(("s3cret-value",))
    data = {"hostname": "web.example", "error": "handshake with s3cret-value failed", "suites": ["TLS 1.3 X"]}
    shared = MappingProxyType(data)
    for _ in range(15):
        Evidence(redactor).json("TLS scan summary", shared)
    Evidence(redactor).json("as a dict", data)
    assert len(rendered) == 2 and len(attached) == 16
    assert set(attached) == {attached[-1]} and "s3cret-value" not in attached[0] and "web.example" in attached[0]
    Evidence(Redactor(("web.example",))).json("another run's redactor", shared)
    assert len(rendered) == 3 and "web.example" not in attached[-1]

    observation = TlsObservation("web.example", 443, None, error="refused")
    assert observation.summary() is observation.summary()  # one per observation
    assert isinstance(observation.summary(), MappingProxyType) and observation.summary()["port"] == 443
