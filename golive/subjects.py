"""What a check runs over: targets, hosts, databases (and kinds that domains add).

A subject kind turns the profile into named subjects; ``@check(over=KIND)`` names the kind, and the
plugin parametrizes the check's argument with them, ids = subject names (``test_hsts[web]``). A
domain with finer subjects (one test per declared endpoint, per load threshold) registers its own
kind here instead of looping inside one test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named in hints: subjects are listed from a profile
    from golive.profile import Profile


@dataclass(frozen=True)
class Subject:
    """One thing a check is about.

    ``name`` is the sign-off's subject (a target, host or database name); ``test_id`` is the
    pytest id when one subject yields several tests (one per load threshold, per endpoint), e.g.
    ``web-p95<500ms``; it defaults to the name.
    """

    name: str
    value: Any
    roles: tuple[str, ...] = ()
    test_id: str | None = None

    @property
    def id(self) -> str:
        return self.test_id or self.name


@dataclass(frozen=True)
class SubjectKind:
    """How to list the subjects of a kind, and the argument name checks receive them as."""

    name: str
    argname: str
    provider: Callable[[Profile], Sequence[Subject]]


_KINDS: dict[str, SubjectKind] = {}


def register_kind(name: str, argname: str, provider: Callable[[Profile], Sequence[Subject]]) -> None:
    """Add a subject kind (idempotent for the same provider, so re-imports are harmless)."""
    _KINDS[name] = SubjectKind(name, argname, provider)


def get_kind(name: str) -> SubjectKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"unknown subject kind {name!r}; known: {sorted(_KINDS)}") from None


def subjects_for(kind: str, profile: Profile, roles: Sequence[str] = ()) -> list[Subject]:
    """The subjects of ``kind`` in ``profile``, keeping those with a wanted role.

    A subject that declares no roles takes every check; one with roles takes the checks whose
    roles intersect its own.
    """
    found = list(get_kind(kind).provider(profile))
    if not roles:
        return found
    return [s for s in found if not s.roles or set(s.roles) & set(roles)]


register_kind("targets", "target", lambda p: [Subject(t.name, t, tuple(t.roles)) for t in p.targets])
register_kind("https_targets", "target",
              lambda p: [Subject(t.name, t, tuple(t.roles)) for t in p.targets if t.is_https])
register_kind("hosts", "host", lambda p: [Subject(h.name, h, tuple(h.roles)) for h in p.hosts])
register_kind("databases", "database", lambda p: [Subject(d.name, d, tuple(d.roles)) for d in p.databases])
register_kind("backups", "database",
              lambda p: [Subject(d.name, d, tuple(d.roles)) for d in p.databases if d.backup is not None])


def all_subject_names(profile: Profile) -> set[str]:
    """Every subject name the profile's checks can report (a waiver may name any of them): the
    targets, hosts and databases, and the subjects of every kind the domains register (their
    fixture modules are imported so that each kind is known)."""
    import importlib
    import pkgutil

    import golive.fixtures as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"golive.fixtures.{module.name}")
    names = {s.name for kind in ("targets", "hosts", "databases") for s in get_kind(kind).provider(profile)}
    for kind in list(_KINDS.values()):
        try:
            names |= {s.name for s in kind.provider(profile)}
        except Exception:  # a provider that cannot list subjects for this profile names none
            continue
    return names
