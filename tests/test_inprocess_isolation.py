"""golive's own tests stay order-independent across pytester's in-process runs."""

from __future__ import annotations

import sys
import types

import golive
import golive.profile
from tests.conftest import forget_golive_modules_gone_from_sys_modules


def test_a_submodule_dropped_from_sys_modules_is_forgotten_by_its_package() -> None:
    dropped = types.ModuleType("golive.dropped_by_pytester")
    kept = types.ModuleType("golive.still_imported")
    golive.dropped_by_pytester = dropped  # type: ignore[attr-defined]
    golive.still_imported = kept  # type: ignore[attr-defined]
    sys.modules["golive.still_imported"] = kept
    try:
        forget_golive_modules_gone_from_sys_modules()
        assert not hasattr(golive, "dropped_by_pytester")
        assert golive.still_imported is kept  # type: ignore[attr-defined]
        assert golive.profile is sys.modules["golive.profile"]  # real submodules stay
    finally:
        sys.modules.pop("golive.still_imported", None)
        vars(golive).pop("still_imported", None)
        vars(golive).pop("dropped_by_pytester", None)
