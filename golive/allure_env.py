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
from golive.profile import Profile
from golive.redact import Redactor
from golive.signoff_model import SignOff

LIBRARIES = ("pytest", "pytest-xdist", "pytest-testinfra", "httpx", "locust", "sslyze", "psycopg",
             "allure-pytest", "pydantic")

CATEGORIES = [
    {"name": "Target unreachable", "matchedStatuses": ["failed", "broken"],
     "messageRegex": r"(?s).*(unreachable|connection refused|timed out|timeout|cannot be reached|"
                     r"failed to connect|Name or service not known).*"},
    {"name": "Waived", "matchedStatuses": ["skipped"], "messageRegex": r"(?s).*waived.*"},
    {"name": "Not applicable / skipped", "matchedStatuses": ["skipped"]},
    {"name": "Product defect", "matchedStatuses": ["failed"]},
    {"name": "golive error", "matchedStatuses": ["broken"]},
]


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
    results_dir.mkdir(parents=True, exist_ok=True)
    props = {
        "profile": profile.name,
        "environment": profile.environment,
        "verdict": str(signoff.verdict),
        "targets": Redactor(profile.secret_values).text(", ".join(f"{t.name}={t.url}" for t in profile.targets)),
        "hosts": ", ".join(h.name for h in profile.hosts),
        "databases": ", ".join(d.name for d in profile.databases),
        **{f"version.{k}": v for k, v in versions().items()},
    }
    sha = git_sha()
    if sha:
        props["git.sha"] = sha
    lines = [f"{k}={_escape(str(v))}" for k, v in props.items() if v]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")
    info = executor()
    if info:
        (results_dir / "executor.json").write_text(json.dumps(info, indent=2), encoding="utf-8")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", " ").replace("=", "\\=").replace(":", "\\:")
