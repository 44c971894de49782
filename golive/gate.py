"""``golive run``: golive's bundled checks under pytest, with the verdict as the exit code.

A CI gate wants one command that works in any directory after ``pip install golive`` and whose exit
code is the decision: 0 GO, 1 NO-GO (or a run that produced no trustworthy sign-off), 4 bad input
(a profile error or a usage error, as pytest reports it). Plain ``pytest --profile ...`` keeps
pytest's own exit codes; this command translates.

The run is pytest in this process (no second interpreter start), rooted where the checks are
installed, so node ids read ``checks/test_tls.py::...`` whatever the working directory, and with
the plugins a gate does not want blocked the same way golive's own ini does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from golive.paths import checks_dir, checks_rootdir

EXIT_GO, EXIT_NO_GO, EXIT_USAGE = 0, 1, 4
PYTEST_USAGE_ERROR = 4


OWN_OPTIONS = ("--profile", "--report-dir")


def split_arguments(argv: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """``golive run``'s own options (both spellings, anywhere on the line) and the rest, for pytest.

    ``golive run -m smoke --profile p.yaml --golive-target web`` → ({"--profile": "p.yaml"},
    ["-m", "smoke", "--golive-target", "web"]); everything after ``--`` goes to pytest untouched.
    A missing value raises ``ValueError`` naming the option.
    """
    own: dict[str, str] = {}
    rest: list[str] = []
    args = list(argv)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index + 1:]
            break
        name, eq, value = arg.partition("=")
        if name in OWN_OPTIONS:
            if not eq:
                if index + 1 >= len(args) or args[index + 1].startswith("-"):
                    raise ValueError(f"{name} needs a value")
                index += 1
                value = args[index]
            own[name] = value
        else:
            rest.append(arg)
        index += 1
    return own, rest


def pytest_arguments(profile: str, report_dir: Path, extra: Sequence[str] = ()) -> list[str]:
    """The pytest command line of a gate run (without the interpreter)."""
    return [str(checks_dir()), "--rootdir", str(checks_rootdir()),
            "-p", "no:cacheprovider", "-p", "no:locust",
            "--profile", profile, "--report-dir", str(report_dir), *extra]


def verdict_exit_code(pytest_exit: int, report_dir: Path, started: float) -> int:
    """0 GO, 1 NO-GO, 4 usage error; a sign-off older than this run never counts."""
    if pytest_exit == PYTEST_USAGE_ERROR:
        return EXIT_USAGE
    from golive.signoff_model import SIGNOFF_JSON, read

    path = report_dir / SIGNOFF_JSON
    try:
        if path.stat().st_mtime < started:
            return EXIT_NO_GO
        document = read(path)
    except (OSError, ValueError):  # SignOffError is a ValueError
        return EXIT_NO_GO
    return EXIT_GO if document.go else EXIT_NO_GO


def run(profile: str, report_dir: Path, extra: Sequence[str] = ()) -> int:
    """Run the gate and return its exit code (see ``verdict_exit_code``)."""
    import time

    import pytest

    report_dir = report_dir.expanduser().resolve()
    started = time.time()
    code = int(pytest.main(pytest_arguments(profile, report_dir, extra)))
    return verdict_exit_code(code, report_dir, started - 1)
