"""Where golive's bundled files are, in a source checkout and in an installed wheel alike.

The repository keeps ``checks/``, ``load/`` and ``profiles/`` at its top level (the project's
layout); the wheel ships them inside the package as ``golive.checks``, ``golive.locustfiles`` and
``golive.profiles`` (``[tool.setuptools.package-dir]`` maps them), so an installed golive runs the
same checks from any directory. Every module that needs one of these files asks here, never
``Path(__file__).parent.parent``, which points into site-packages once installed.

State and caches go where a user expects them: the checkout's git-ignored ``.golive/`` when golive
runs from a source checkout, else the XDG state/cache directories — never into site-packages.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def source_checkout() -> Path | None:
    """The repository root when golive runs from a source checkout (editable install), else None."""
    root = _PACKAGE_DIR.parent
    pyproject = root / "pyproject.toml"
    if (root / "checks").is_dir() and pyproject.is_file() and 'name = "golive"' in pyproject.read_text("utf-8"):
        return root
    return None


def _bundled(package: str, top_level: str) -> Path:
    """A bundled directory: the checkout's top-level folder, or the installed package's."""
    root = source_checkout()
    if root is not None:
        return root / top_level
    return Path(str(resources.files(package)))


def checks_dir() -> Path:
    """The checklist tests (``checks/``)."""
    return _bundled("golive.checks", "checks")


def checks_rootdir() -> Path:
    """The pytest rootdir for the bundled checks: node ids read ``checks/test_tls.py::...``."""
    return checks_dir().parent


def scenarios_file() -> Path:
    """The default locustfile (``load/scenarios.py``)."""
    return _bundled("golive.locustfiles", "load") / "scenarios.py"


def bundled_profiles_dir() -> Path:
    """The shipped profiles (``profiles/``: demo.yaml, example.yaml)."""
    return _bundled("golive.profiles", "profiles")


def profile_search_dirs(*extra: Path) -> list[Path]:
    """Where ``--profile NAME`` is looked up: ./profiles, the given directories, the shipped ones."""
    dirs = [Path.cwd() / "profiles", *extra, bundled_profiles_dir()]
    return list(dict.fromkeys(d.resolve() for d in dirs))


def state_dir() -> Path:
    """golive's own state (the demo target's PKI, database, dumps)."""
    root = source_checkout()
    if root is not None:
        return root / ".golive"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "golive"


def cache_dir() -> Path:
    """Downloaded tools (Allure 3's node_modules)."""
    root = source_checkout()
    if root is not None:
        return root / ".golive"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "golive"


def module_command(module: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """``python -m module args`` and its environment, for a helper process of this run (the TLS
    scan's child, the Allure sink): the same interpreter, with the directory that holds the golive
    this run imported first on its path, so that it runs the same code."""
    import sys

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_DIR.parent), env.get("PYTHONPATH")) if p)
    return [sys.executable, "-m", module, *args], env
