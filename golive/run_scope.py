"""The run's scope for the sign-off: how it was started, against which subjects, for which release.

A GO says "these checks passed on these subjects"; without the scope a reader cannot tell a full
gate from ``-k hsts --golive-target web``. Built once at configure time from pytest's own options (cheap),
completed with tool versions when the sign-off is written (controller only).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from golive.activation import SUBJECT_FILTERS
from golive.profile import Profile
from golive.redact import Redactor
from golive.signoff_model import RunScope, SubjectScope

RELEASE_ENV = "GOLIVE_RELEASE"
"""The release id from the environment (after ``--release`` and the profile's ``release``)."""


def release_of(option: str | None, profile: Profile | None, env: dict[str, str] | None = None) -> tuple[str | None,
                                                                                                   str | None]:
    """The run's release id and where it came from: ``--release``, the profile, or ``GOLIVE_RELEASE``."""
    env = dict(os.environ) if env is None else env
    if option and option.strip():
        return option.strip(), "--release"
    if profile is not None and profile.release and profile.release.strip():
        return profile.release.strip(), "profile"
    value = (env.get(RELEASE_ENV) or "").strip()
    return (value, RELEASE_ENV) if value else (None, None)


def subjects(profile: Profile, redactor: Redactor) -> list[SubjectScope]:
    """Every subject with where it lives; passwords and the profile's secrets masked."""
    out = [SubjectScope(kind="target", name=t.name, roles=list(t.roles),
                        where=redactor.text(" ".join(filter(None, [t.url, t.http_url and f"(plain: {t.http_url})",
                                                                 t.resolve and f"(via {t.resolve})"]))))
           for t in profile.targets]
    out += [SubjectScope(kind="host", name=h.name, where=redactor.text(h.connection), roles=list(h.roles))
            for h in profile.hosts]
    out += [SubjectScope(kind="tls_endpoint", name=e.name, where=redactor.text(e.where), roles=list(e.roles))
            for e in profile.tls_endpoints]
    for db in profile.databases:
        where = db.dsn or (f"backup at {db.backup.location}" if db.backup and getattr(db.backup, "location", None)
                           else "(no dsn)")
        out.append(SubjectScope(kind="database", name=db.name, where=redactor.text(str(where)), roles=list(db.roles)))
    return out


def _option(config: Any, *names: str) -> Any:
    for name in names:
        value = getattr(config.option, name, None)
        if value:
            return value
    return None


def scope_of(config: Any, profile: Profile, redactor: Redactor) -> RunScope:
    """The scope of this pytest run (``config`` is the ``pytest.Config``)."""
    release, source = release_of(_option(config, "golive_release"), profile)
    filters = {kind: list(wanted) for option, kind in SUBJECT_FILTERS.items() if (wanted := _option(config, option))}
    args = [redactor.text(str(a)) for a in config.invocation_params.args]
    return RunScope(command_line=["pytest", *args], markers=_option(config, "markexpr") or None,
                    keyword=_option(config, "keyword") or None, subject_filters=filters,
                    subjects=subjects(profile, redactor), release=release, release_source=source,
                    profile_source=str(profile.source) if profile.source else None)


def complete(scope: RunScope) -> RunScope:
    """The scope with tool versions and golive's git SHA (at the end of the run, on the controller)."""
    from golive import allure_env

    return scope.model_copy(update={"versions": allure_env.versions(),
                                    "git_sha": allure_env.git_sha(Path(__file__).resolve().parent.parent)})
