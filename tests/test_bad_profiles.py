"""The bad-input corpus (issue 15 "bad input: clean refusal at load time", issue 13 "all profile
errors at once"): every file in ``tests/bad_profiles/`` is a malformed profile, refused with exit 4,
naming the file, line:column, each expected key path and the expected words, without a traceback,
in under 5 s.

Each corpus file starts with comments: ``# key: k1, k2`` (key paths the message must name, ``-`` for
whole-file problems), ``# says: words``, optional ``# env: VAR=value`` and ``# located: no`` (the
problem is about the file, not a place in it). Support files the cases point to are in ``_support/``.

The cases run through ``golive profile validate`` in-process (the CLI's own exit code and stderr);
a sample also runs through a real pytest subprocess (the plugin's exit 4 before collection).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golive import cli

CORPUS = Path(__file__).resolve().parent / "bad_profiles"
CASES = sorted(p for p in CORPUS.glob("*.yaml"))
REPO = Path(__file__).resolve().parent.parent


def expectations(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"key": [], "says": [], "env": [], "located": []}
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        match = re.match(r"^# (key|says|env|located): (.*)$", line)
        if not match:
            break
        found[match.group(1)].append(match.group(2).strip())
    return found


def test_the_corpus_holds_at_least_100_malformed_profiles() -> None:
    assert len(CASES) >= 100
    for path in CASES:
        assert expectations(path)["key"], f"{path.name} has no '# key:' header"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_malformed_profile_is_refused_cleanly(path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    expected = expectations(path)
    for assignment in expected["env"]:
        name, _, value = assignment.partition("=")
        monkeypatch.setenv(name, value)
    started = time.process_time()
    code = cli.main(["profile", "validate", str(path)])
    took = time.process_time() - started  # CPU: what the input costs, whatever else the machine runs
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 4, text
    assert took < 5, f"{took:.1f}s of CPU"
    assert "Traceback" not in text
    assert str(path) in out.err or path.name in out.err, out.err
    for key in ", ".join(expected["key"]).split(", "):
        if key != "-":
            assert f" {key}: " in out.err, f"key {key!r} not named:\n{out.err}"
    for words in expected["says"]:
        assert words in out.err, f"{words!r} not said:\n{out.err}"
    if expected["located"] != ["no"]:
        assert re.search(r"\.yaml:\d+:\d+: ", out.err), f"no line:column:\n{out.err}"


SAMPLE = ["yaml-alias-bomb", "yaml-duplicate-top-key", "top-environment-lookalike", "target-ca-bundle-missing",
          "db-dsn-conninfo-unparsable", "smoke-endpoint-absolute-url", "waiver-invalid-date",
          "attestation-future", "many-errors-at-once"]


@pytest.mark.parametrize("name", SAMPLE)
def test_pytest_refuses_before_collection(name: str, tmp_path: Path) -> None:
    """The same refusal through the plugin: exit 4, no traceback, no sign-off."""
    import resource

    path = CORPUS / f"{name}.yaml"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pytest", str(REPO / "checks"), "-p", "no:cacheprovider",
                           "--rootdir", str(REPO), "--profile", str(path), "--report-dir", str(tmp_path / "r")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 4, output
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 15, f"{cpu:.1f}s of CPU, pytest's start-up included"  # CPU: whatever else the machine runs
    assert str(path) in output
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert not (tmp_path / "r" / "signoff.json").exists()


# --------------------------------------------------------------------------- fuzzing, bounded

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from golive.profile import ProfileError  # noqa: E402
from golive.profile_load import load_profile  # noqa: E402

FUZZ_SECONDS = 2.0
"""No input may cost the loader more CPU time than this (CPU, not wall time: what the input costs,
whatever else the machine runs)..."""
FUZZ_BYTES = 64 * 1024 * 1024
"""...or make it allocate more than this (Python allocations, measured with tracemalloc)."""


@st.composite
def alias_bombs(draw: st.DrawFn) -> str:
    """Anchors referring to earlier anchors, ``width`` times per level, ``depth`` levels."""
    width, depth = draw(st.integers(1, 40)), draw(st.integers(1, 14))
    flow = draw(st.booleans())
    lines = ["name: fuzz", "l0: &l0 [x, y]" if flow else "l0: &l0\n  - x"]
    for level in range(1, depth):
        refs = [f"*l{level - 1}"] * width
        lines.append(f"l{level}: &l{level} [{', '.join(refs)}]" if flow
                     else f"l{level}: &l{level}\n" + "".join(f"  - {r}\n" for r in refs).rstrip())
    if draw(st.booleans()):
        lines.append(f"targets: *l{depth - 1}")
    return "\n".join(lines) + "\n"


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.sampled_from(
    ["0s", "15s", "-1s", "2026-02-30", "2099-01-01", "https://a.test", "http://127.0.0.1:9/x", "//evil/x",
     "host=127.0.0.1 port", "production ", "${GOLIVE_FUZZ_UNSET}", "${HOME}", "web", "headers.hsts",
     "headers.csp[web]", "tls.protocols", "/nonexistent/ca.pem", "~/x", "\t", "ü", "&a", "*a"]),
    st.text(max_size=12))
KEYS = st.sampled_from(["name", "environment", "timeout", "targets", "url", "http_url", "resolve", "ca_bundle",
                        "hosts", "connection", "databases", "dsn", "backup", "location", "checks", "smoke",
                        "endpoints", "path", "load", "thresholds", "waivers", "check", "reason", "expires",
                        "attestations", "by", "at", "extends", "secrets", "<<", "x"])
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                         max_leaves=25)


def _bounded_load(path: Path) -> None:
    """Load twice: timed (no tracing, which slows allocation tenfold), then under tracemalloc."""
    import tracemalloc

    _warm_up()
    started = time.process_time()
    _load(path)
    took = time.process_time() - started
    assert took < FUZZ_SECONDS, f"{took:.2f}s of CPU"
    tracemalloc.start()
    try:
        _load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < FUZZ_BYTES, f"{peak / 1e6:.0f} MB"


def _load(path: Path) -> None:
    try:
        load_profile(path, env={"HOME": "/root"})
    except ProfileError as exc:
        assert str(path) in str(exc) or "_support" in str(exc)


def _warm_up(done: list[bool] = []) -> None:  # noqa: B006 - once per process
    """Import what a first load imports (catalog, subject kinds): the bounds are about the input."""
    if not done:
        with contextlib.suppress(ProfileError):
            load_profile(CORPUS / "waiver-unknown-subject.yaml", env={})
        done.append(True)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alias_bombs())
def test_fuzzed_alias_bombs_are_refused_in_time_and_memory(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    _bounded_load(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DOCUMENTS)
def test_fuzzed_documents_give_a_profile_or_a_profile_error_in_bounds(tmp_path: Path, data: object) -> None:
    import yaml

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    _bounded_load(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([*"name: &*[]{},-\n\t '\"!|>#%@`?x1", "<<", "!!", "---", "&a", "*a"]),
               max_size=120).map("".join))
def test_fuzzed_yaml_syntax_never_crashes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "raw.yaml"
    path.write_text(text)
    _bounded_load(path)
