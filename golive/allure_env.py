"""Allure's run-level files: environment.properties, executor.json, categories.json.

Written by the controller at the end of the session (workers only write results), so that the
report says which profile, environment, versions and CI job produced it, and splits failures into
"target unreachable" vs "product defect" vs "waived".
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import golive
from golive import allure_writer
from golive.profile import Profile
from golive.redact import Redactor
from golive.signoff_model import SignOff

LIBRARIES = ("pytest", "pytest-xdist", "pytest-testinfra", "httpx", "locust", "sslyze", "psycopg",
             "allure-pytest", "pydantic")

UNREACHABLE = (r"(?s).*(unreachable|connection refused|timed out|timeout|cannot be reached|"
               r"failed to connect|Name or service not known).*")
CATEGORIES = [
    {"name": "Target unreachable", "matchedStatuses": ["failed", "broken"], "messageRegex": UNREACHABLE},
    {"name": "Product defect", "matchedStatuses": ["failed"]},
    {"name": "golive error", "matchedStatuses": ["broken"]},
    {"name": "Waived", "matchedStatuses": ["skipped"], "messageRegex": r"(?s).*waived.*"},
    {"name": "Not applicable", "matchedStatuses": ["skipped"], "messageRegex": r"(?s).*not applicable.*"},
    {"name": "Skipped", "matchedStatuses": ["skipped"]},
]
"""categories.json (Allure 2's format, also read by Allure 3): the first rule that matches wins.
A failed check is a product defect unless its target could not be reached; a broken one (an
exception other than a failed assertion) is golive's own error."""

ADVISORY_CATEGORY = {"name": "Advisory", "matchers": {"statuses": ["passed"], "labels": {"tag": "^golive:advisory$"}}}
"""Allure 3 only (its matchers read labels): passes that carry an advisory finding."""


def git_sha(cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=cwd, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str]:
    found = {"golive": golive.__version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def executor() -> dict[str, Any] | None:
    """executor.json from the CI's variables (GitHub Actions, GitLab CI), or None locally."""
    env = os.environ
    if env.get("GITHUB_ACTIONS") == "true":
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        repo = env.get("GITHUB_REPOSITORY", "")
        run = env.get("GITHUB_RUN_ID", "")
        return {"name": "GitHub Actions", "type": "github", "buildName": f"{env.get('GITHUB_WORKFLOW', '')} #{run}",
                "buildOrder": env.get("GITHUB_RUN_NUMBER"), "buildUrl": f"{server}/{repo}/actions/runs/{run}",
                "url": f"{server}/{repo}"}
    if env.get("GITLAB_CI") == "true":
        build = f"{env.get('CI_JOB_NAME', '')} #{env.get('CI_JOB_ID', '')}"
        return {"name": "GitLab CI", "type": "gitlab", "buildName": build,
                "buildOrder": env.get("CI_PIPELINE_IID"), "buildUrl": env.get("CI_JOB_URL"),
                "url": env.get("CI_PROJECT_URL")}
    return None


def write(results_dir: Path, profile: Profile, signoff: SignOff) -> None:
    """environment.properties (the run's scope), categories.json, executor.json; fixture noise pruned."""
    results_dir.mkdir(parents=True, exist_ok=True)
    redactor = Redactor(profile.secret_values)
    run = signoff.run
    props: dict[str, Any] = {
        "profile": profile.name,
        "environment": profile.environment,
        "verdict": str(signoff.verdict),
        "release": run.release,
        "run": f"{signoff.started_at:%Y-%m-%dT%H:%M:%SZ} to {signoff.finished_at:%Y-%m-%dT%H:%M:%SZ}",
        "selection.markers": run.markers,
        "selection.keyword": run.keyword,
        **{f"selection.{kind}": ", ".join(names) for kind, names in run.subject_filters.items()},
        "command": " ".join(run.command_line),
        **{f"subject.{s.kind}.{s.name}": s.where for s in run.subjects},
        **{f"version.{k}": v for k, v in (run.versions or versions()).items()},
        "git.sha": run.git_sha or git_sha(),
    }
    lines = [f"{k}={_escape(redactor.text(str(v)))}" for k, v in props.items() if v]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")
    info = executor()
    if info:
        (results_dir / "executor.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    allure_writer.sync_all()  # queued containers first: pruned on disk, they must be there
    prune_fixture_noise(results_dir)


def prune_fixture_noise(results_dir: Path) -> int:
    """Drop the fixture set-up/tear-down entries that say nothing from Allure's containers.

    allure-pytest records every fixture a check used (profile, settings, evidence, the shared scan)
    as a set-up and tear-down step on the check's page: a reader sees a dozen "passed" fixture
    lines before the check's own evidence. Entries that passed (or never set a status) without
    attachments, steps or details are removed; a failed or broken fixture, or one that attached
    evidence, stays. Returns how many entries were removed.
    """
    removed = 0
    for path in results_dir.glob("*-container.json"):
        try:
            container = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        changed = False
        for key in ("befores", "afters"):
            entries = container.get(key) or []
            kept = [e for e in entries if not allure_writer.fixture_noise(e)]
            if len(kept) != len(entries):
                removed += len(entries) - len(kept)
                container[key] = kept
                changed = True
        if not changed:
            continue
        if not container.get("befores") and not container.get("afters"):
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps(container), encoding="utf-8")
    return removed


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", " ").replace("=", "\\=").replace(":", "\\:")
