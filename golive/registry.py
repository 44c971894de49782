"""``@check``: the one declarative way to turn a function into a checklist test.

The decorator ties a test to its checklist id, takes markers and severity from the catalog, and
says which subjects to run over; the plugin does the rest (parametrization, labels, sign-off).
A new check is therefore a few lines and cannot drift from the catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from golive.catalog import get_item

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CheckSpec:
    """What the plugin needs to know about a check function."""

    id: str
    over: str | None
    roles: tuple[str, ...]


SPEC_ATTR = "_golive_check"


def check(check_id: str, over: str | None = "targets", roles: Sequence[str] = (),
          markers: Sequence[str] = ()) -> Callable[[F], F]:
    """Declare a checklist test.

    ``over`` is a subject kind from ``golive.subjects`` (``targets``, ``hosts``, ``databases``...)
    or None for a check about the profile as a whole. ``markers`` adds to the catalog's markers.
    """
    item = get_item(check_id)

    def decorate(func: F) -> F:
        setattr(func, SPEC_ATTR, CheckSpec(check_id, over, tuple(roles)))
        marked: Any = pytest.mark.golive_check(check_id)(func)
        for name in dict.fromkeys((*item.all_markers, *markers)):
            marked = getattr(pytest.mark, name)(marked)
        return marked

    return decorate


def spec_of(func: Any) -> CheckSpec | None:
    """The CheckSpec of a test function, or None for ordinary tests."""
    return getattr(func, SPEC_ATTR, None)
