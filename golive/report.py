"""``golive report [DIR]``: the Allure HTML report of a run, readable offline, verdict first.

Layout written under ``<DIR>/html/``:

- ``index.html`` — the sign-off for people (``golive.signoff_html``, the same story as signoff.md):
  verdict and why, blocking failures with their fix, pending critical manual items, advisories,
  manual items, passes per category, details, then a link to the Allure report. A release manager
  sees GO / NO-GO and what to fix without a click, even offline.
- ``allure/index.html`` — the Allure report itself. Allure 3 (npm package ``allure``, Node ≥ 20)
  with the awesome plugin in single-file mode, so it opens from disk (file://) without a server;
  history/trend carried from earlier runs in ``<DIR>/history.jsonl``. Allure 2 (Java CLI) is the
  fallback when only Java is there.

Allure 3 is installed on first use into ``.golive/node`` (git-ignored, overridable with
``GOLIVE_NODE_DIR``), never globally and never at import time.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from golive import allure_env
from golive.signoff_model import SIGNOFF_JSON, SignOff, SignOffError, read

ALLURE_NPM_SPEC = "allure@3.18.0"
NODE_MIN_MAJOR = 20
INSTALL_TIMEOUT = 600
GENERATE_TIMEOUT = 600
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4


class ToolMissing(RuntimeError):
    """Neither Allure 3 (Node ≥ 20 + npm) nor Allure 2 (allure CLI + Java) can be used."""


def node_dir() -> Path:
    """Where Allure 3 is installed: GOLIVE_NODE_DIR, else golive's cache (the checkout's git-ignored
    .golive/, or ~/.cache/golive for an installed golive)."""
    from golive.paths import cache_dir

    return Path(os.environ.get("GOLIVE_NODE_DIR") or cache_dir() / "node")


def node_major() -> int | None:
    """The major version of ``node`` on PATH, or None when absent/unusable."""
    node = shutil.which("node")
    if node is None:
        return None
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)", out.stdout.strip())
    return int(match.group(1)) if match else None


def allure3_cli(install: bool = True) -> Path | None:
    """Path of the Allure 3 CLI script (installed on first use), or None when Node ≥ 20 is missing."""
    major = node_major()
    if major is None or major < NODE_MIN_MAJOR:
        return None
    cli = node_dir() / "node_modules" / "allure" / "cli.js"
    if cli.exists() or not install:
        return cli if cli.exists() else None
    npm = shutil.which("npm")
    if npm is None:
        return None
    target = node_dir()
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel first uses (xdist, two CI jobs) install once
        try:
            if not cli.exists():
                _npm_install(npm, target, cli)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return cli


def _npm_install(npm: str, target: Path, cli: Path) -> None:
    print(f"golive report: installing Allure 3 ({ALLURE_NPM_SPEC}) into {target} (first time only) ...",
          flush=True)
    done = subprocess.run([npm, "install", "--prefix", str(target), "--no-audit", "--no-fund",
                           "--loglevel=error", ALLURE_NPM_SPEC], capture_output=True, text=True,
                          timeout=INSTALL_TIMEOUT, check=False)
    if done.returncode != 0 or not cli.exists():
        raise RuntimeError(f"npm install {ALLURE_NPM_SPEC} failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-800:]}")


def allure2_cli() -> str | None:
    """The ``allure`` (2.x, Java) command when both it and Java are on PATH."""
    allure = shutil.which("allure")
    if allure is None or shutil.which("java") is None:
        return None
    try:
        out = subprocess.run([allure, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return allure if out.stdout.strip().startswith("2.") else None


def report_name(doc: SignOff | None) -> str:
    """The report title, which carries the verdict so that it is on Allure's first screen too."""
    if doc is None:
        return "golive sign-off (no signoff.json)"
    return f"golive sign-off: {doc.profile} ({doc.environment}) — {doc.verdict}"


def js_categories() -> list[dict[str, Any]]:
    """allure_env.CATEGORIES with regexes JavaScript understands (no inline ``(?s)`` flag), and the
    Advisory category that only Allure 3's label matchers can express (first: it matches passes)."""
    out: list[dict[str, Any]] = [allure_env.ADVISORY_CATEGORY]
    for category in allure_env.CATEGORIES:
        rule = dict(category)
        if "messageRegex" in rule:
            rule["messageRegex"] = rule["messageRegex"].replace("(?s)", "").replace(".*", r"[\s\S]*")
        out.append(rule)
    return out


def allure3_config(report_dir: Path, doc: SignOff | None) -> dict[str, Any]:
    """The allurerc (JSON form): single file, history in the report dir, categories, CI info."""
    name = report_name(doc)
    options: dict[str, Any] = {"singleFile": True, "reportName": name, "reportLanguage": "en",
                               "groupBy": ["feature", "story"], "defaultSortBy": "status,asc"}
    executor = allure_env.executor()
    if executor and executor.get("type") in ("github", "jenkins") and executor.get("buildUrl"):
        options["ci"] = {"type": executor["type"], "url": executor["buildUrl"], "name": executor["buildName"]}
    return {
        "name": name,
        "output": str(report_dir / "html" / "allure"),
        "historyPath": str(report_dir / "history.jsonl"),
        "categories": {"rules": js_categories()},
        "plugins": {"awesome": {"options": options}},
    }


def _run_allure3(cli: Path, report_dir: Path, doc: SignOff | None) -> None:
    with tempfile.TemporaryDirectory(prefix="golive-allurerc-") as tmp:
        config = Path(tmp) / "allurerc.json"
        config.write_text(json.dumps(allure3_config(report_dir, doc), indent=2), encoding="utf-8")
        done = subprocess.run(["node", str(cli), "generate", "--config", str(config),
                               str(report_dir / "allure-results")], cwd=tmp, capture_output=True, text=True,
                              timeout=GENERATE_TIMEOUT, check=False)
    if done.returncode != 0 or not (report_dir / "html" / "allure" / "index.html").exists():
        raise RuntimeError(f"allure generate failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-800:]}")


def _run_allure2(allure: str, report_dir: Path) -> None:
    """Allure 2: history travels through ``allure-results/history``, kept in ``<DIR>/allure2-history``.

    A ``--single-file`` report (the one that opens from disk) carries no ``history/`` folder, so the
    report is generated twice: once as a folder, only to harvest the history for the next run, and
    once as the single file people open.
    """
    results, out = report_dir / "allure-results", report_dir / "html" / "allure"
    kept = report_dir / "allure2-history"
    if kept.is_dir():
        shutil.copytree(kept, results / "history", dirs_exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="golive-allure2-") as tmp:
        folder = Path(tmp) / "report"
        _allure2_generate(allure, results, folder, single_file=False)
        if (folder / "history").is_dir():
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(folder / "history", kept)
    _allure2_generate(allure, results, out, single_file=True)


def _allure2_generate(allure: str, results: Path, out: Path, single_file: bool) -> None:
    command = [allure, "generate", str(results), "-o", str(out), "--clean"]
    done = subprocess.run(command + (["--single-file"] if single_file else []), capture_output=True, text=True,
                          timeout=GENERATE_TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"allure generate failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-800:]}")


def _read_signoff(report_dir: Path) -> SignOff | None:
    """The run's sign-off; None when there is none (a report of allure results alone)."""
    if not (report_dir / SIGNOFF_JSON).exists():
        return None
    return read(report_dir)


def generate(report_dir: Path) -> int:
    """Build ``<report_dir>/html``; return the exit code (0 ok, 1 tool missing/failed, 4 no results)."""
    report_dir = report_dir.resolve()
    if not (report_dir / "allure-results").is_dir():
        print(f"golive report: {report_dir / 'allure-results'} does not exist: run the gate first "
              f"(pytest checks --profile P --report-dir {report_dir})", file=sys.stderr)
        return EXIT_USAGE
    try:
        doc = _read_signoff(report_dir)
    except SignOffError as exc:
        print(f"golive report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    (report_dir / "html").mkdir(parents=True, exist_ok=True)
    try:
        engine = _generate_allure(report_dir, doc)
    except ToolMissing as exc:
        print(f"golive report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"golive report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    landing = report_dir / "html" / "index.html"
    landing.write_text(render_landing(doc, engine), encoding="utf-8")
    verdict = doc.verdict if doc else "unknown (no signoff.json)"
    print(f"golive report: {landing} (verdict {verdict}; Allure report by {engine}: "
          f"{report_dir / 'html' / 'allure' / 'index.html'})")
    return EXIT_OK


def _generate_allure(report_dir: Path, doc: SignOff | None) -> str:
    cli = allure3_cli()
    if cli is not None:
        _run_allure3(cli, report_dir, doc)
        return "Allure 3"
    allure2 = allure2_cli()
    if allure2 is not None:
        _run_allure2(allure2, report_dir)
        return "Allure 2"
    major = node_major()
    found = f"node v{major} found (too old)" if major else "no node found"
    raise ToolMissing(
        f"cannot build the HTML report: {found}, and no Allure 2 CLI with Java. Install Node.js ≥ "
        f"{NODE_MIN_MAJOR} with npm (e.g. the nodejs package of your distribution or nodesource) — "
        f"golive then installs {ALLURE_NPM_SPEC} into {node_dir()} by itself — or Allure 2 "
        "(allure command line) with a Java runtime. signoff.md/signoff.json are complete without it.")


# --------------------------------------------------------------------------- landing page


def render_landing(doc: SignOff | None, engine: str) -> str:
    """The index page (``golive.signoff_html``): verdict first, then the Allure link."""
    from golive.signoff_html import render_landing as render

    return render(doc, engine, report_name(doc))
