"""The wheel ships every golive module: pyproject.toml lists the packages explicitly (three of them
are mapped from the top-level checks/, load/ and profiles/), so a new subpackage must be added there
or an installed golive fails to import it — this test says which."""

from __future__ import annotations

import tomllib

from tests.harness import REPO


def test_every_golive_package_is_in_the_wheel() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(path.parent.relative_to(REPO).parts) for path in (REPO / "golive").rglob("*.py")
               if "__pycache__" not in path.parts}
    missing = sorted(on_disk - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    mapped = config["package-dir"]
    assert mapped == {"golive.checks": "checks", "golive.locustfiles": "load", "golive.profiles": "profiles"}
    assert {"golive.checks", "golive.locustfiles", "golive.profiles"} <= listed
