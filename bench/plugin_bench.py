"""Plugin overhead: N trivial checks through golive vs the same N bare pytest tests, in one run.

Usage: .venv/bin/python bench/plugin_bench.py [N] [REPEATS]
Prints the median wall time of each and pytest's own start-up (`pytest --version`) for scale.
golive always writes Allure results, JUnit XML and the sign-off; "bare + allure + junit" is the same
bare suite writing the same outputs through allure-pytest, so that the ratio to it (target ≤ 1.1×)
is golive's own overhead: a fixed ~0.2 s (pydantic and the profile models, catalog, sign-off) that
its cheaper Allure writing pays back at about a thousand checks (at 200 it does not: 1.22× in
this project's ``make bench``, with nothing deleted before the runs). "golive, no allure-pytest"
(``-p no:allure_pytest``: same checks and sign-off, no Allure results) is golive without evidence;
the ratio of golive to it (target ≤ 1.25× at N ≥ 2000) is what the Allure results cost. "floor"
is what allure-pytest costs a bare suite before any golive code runs. Every run writes into a
report directory of its own that nothing was deleted from, as a CI job on a fresh workspace does.

Why not empty one directory before each run: on an ext4 file system without a journal (this
project's bench machine), the kernel skips every inode freed in the last minute (five, while its
block is dirty) when it makes a new file, one look-up each. Making 2,000 result files right after
2,000 were deleted cost the kernel about 1 s (0.5 ms a file) instead of 0.1 s, on a second CPU
that the run then competes with: the bench measured its own clean-up. Nothing is deleted until the
end (``GOLIVE_BENCH_KEEP``: a directory ``bench/run_all.py`` empties after the last bench).
"""


from __future__ import annotations

import contextlib
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml
from bench_summary import record  # bench/ is on sys.path: run as a script

REPO = Path(__file__).resolve().parent.parent

GOLIVE_TEST = '''
from golive.registry import check

@check("bench.trivial")
def test_trivial(target):
    assert target.name
'''

BARE_TEST = '''
import pytest

NAMES = [f"t{i}" for i in range({n})]

@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_trivial(name):
    assert name
'''


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one run."""
    import os

    full_env = {**os.environ, **(env or {})}
    # Byte-code caching on, as on users' machines (some sandboxes set this; it recompiles every run).
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=full_env, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0,):
        raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with workspace() as tmp:
        (tmp / "golive_checks").mkdir()
        (tmp / "bare").mkdir()
        (tmp / "golive_checks" / "test_bench.py").write_text(GOLIVE_TEST)
        (tmp / "bare" / "test_bench.py").write_text(BARE_TEST.replace("{n}", str(n)))
        (tmp / "catalog.yaml").write_text(
            "- {id: bench.trivial, title: Trivial, severity: low, markers: [smoke], mode: automated}\n")
        profile = {"name": "bench", "targets": [{"name": f"t{i}", "url": f"https://t{i}.test"} for i in range(n)]}
        (tmp / "bench.yaml").write_text(yaml.safe_dump(profile))
        py = sys.executable
        common = ["-p", "no:locust", "-p", "no:hypothesispytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp)]
        golive_cmd = [py, "-m", "pytest", str(tmp / "golive_checks"), *common, "--profile", str(tmp / "bench.yaml")]
        bare_cmd = [py, "-m", "pytest", str(tmp / "bare"), *common, "-p", "no:golive.plugin"]
        version_cmd = [py, "-m", "pytest", "--version"]
        env = {"GOLIVE_CATALOG_EXTRA": str(tmp / "catalog.yaml")}
        golive_times, bare_times, version_times, reports_times, quiet_times = [], [], [], [], []
        runs = itertools.count()

        def golive(*extra: str) -> list[str]:
            return [*golive_cmd, "--report-dir", str(tmp / f"reports-{next(runs)}"), *extra]

        def bare_reports() -> list[str]:
            run = next(runs)
            return [*bare_cmd, "--alluredir", str(tmp / f"bare-allure-{run}"),
                    "--junitxml", str(tmp / f"bare-{run}.xml")]

        timed(golive(), env)  # warm caches (imports, .pyc)
        timed(bare_cmd)
        for _ in range(repeats):  # interleaved, so that machine load affects both alike
            bare_times.append(timed(bare_cmd))
            golive_times.append(timed(golive(), env))
            version_times.append(timed(version_cmd))
            reports_times.append(timed(bare_reports()))
            quiet_times.append(timed(golive("-p", "no:allure_pytest"), env))
    g, b, v, r, q = (statistics.median(x)
                     for x in (golive_times, bare_times, version_times, reports_times, quiet_times))
    print(f"N={n} trivial checks, median of {repeats} interleaved runs")
    print(f"  pytest --version start-up : {v:6.3f} s")
    print(f"  bare pytest, N tests      : {b:6.3f} s  ({b - v:6.3f} s beyond start-up)")
    print(f"  golive plugin, N checks   : {g:6.3f} s  ({g - v:6.3f} s beyond start-up)")
    print(f"  bare + allure + junit     : {r:6.3f} s  (the same outputs golive writes, without golive)")
    print(f"  golive, no allure-pytest  : {q:6.3f} s  (-p no:allure_pytest: sign-off only)")
    print(f"  ratio golive / bare       : {g / b:6.2f}x  (for scale)")
    print(f"  ratio golive without allure / bare: {q / b:5.2f}x  (golive's own cost)")
    print(f"  ratio golive / bare+reports: {g / r:5.2f}x")
    print(f"  floor: bare+reports / bare : {r / b:6.2f}x  (allure-pytest's own cost, before any golive code)")
    record(f"plugin: golive / bare pytest writing the same Allure + JUnit, N={n}", "<= 1.1x", f"{g / r:.2f}x",
           g / r <= 1.1)
    record(f"plugin: golive with Allure / -p no:allure_pytest, N={n}", "<= 1.25x" if n >= 2000 else "(for scale)",
           f"{g / q:.2f}x", g / q <= 1.25 if n >= 2000 else None)


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    """A new directory for this bench's files: inside ``GOLIVE_BENCH_KEEP`` when set (left there for
    ``bench/run_all.py`` to delete after every bench ran), else a temporary one deleted at the end."""
    import os

    keep = os.environ.get("GOLIVE_BENCH_KEEP")
    if keep:
        yield Path(tempfile.mkdtemp(prefix="plugin-", dir=keep))
        return
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


if __name__ == "__main__":
    main()
