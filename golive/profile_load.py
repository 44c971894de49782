"""Loading a profile: from the YAML files to a validated ``Profile``, or every problem at once.

Loading is: read YAML (bounded, duplicate keys refused, every key's line:column kept:
``golive.profile_yaml``) → follow ``extends`` (deep merge, cycles refused) → interpolate ``${VAR}`` /
``${VAR:-default}`` → resolve paths relative to the file that wrote them → validate with the model
(``golive.profile``), the load-time checks of ``golive.profile_checks`` (files exist, DSNs parse,
paths stay on the target...) and the references of waivers and attestations (checklist ids of the
catalog, subjects the profile's checks report: ``golive.subjects``). Every problem of the file is
collected into one ``ProfileError`` naming, for each, the file, line:column, key path and what was
expected; the plugin turns it into ``pytest.UsageError`` (exit 4) before any test is collected.

Secrets: values that came from ``${VAR}`` are remembered (``Profile.secret_values``) so that the
redaction layer can mask them wherever they would appear.

It sits above the model and the subject kinds: the references need both, and the model needs
neither this module nor the subjects.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from golive import profile_checks
from golive.profile import Profile
from golive.profile_errors import Locator, Problem, ProfileError, explain
from golive.profile_yaml import YamlError, read_document
from golive.settings.base import deep_merge
from golive.subjects import all_subject_names

__all__ = ["PATH_KINDS", "PROFILE_SUFFIXES", "expiry_notes", "find_profile", "interpolate", "load_profile"]

PROFILE_SUFFIXES = (".yaml", ".yml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def find_profile(name_or_path: str, search_dirs: list[Path]) -> Path:
    """The file for ``--profile``: a path, or a name looked up in ``profiles/`` directories."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix in PROFILE_SUFFIXES or os.sep in name_or_path or candidate.is_file():
        if candidate.is_file():
            return candidate.resolve()
        raise ProfileError(candidate, "", "profile file not found")
    for directory in search_dirs:
        for suffix in PROFILE_SUFFIXES:
            path = directory / f"{name_or_path}{suffix}"
            if path.is_file():
                return path.resolve()
    looked = ", ".join(str(d) for d in search_dirs) or "(no profiles directory)"
    raise ProfileError(name_or_path, "", f"no profile named {name_or_path!r} (looked in {looked})")


def _read_yaml(path: Path, positions: list[tuple[Path, Any]],
               duplicates: list[Problem] | None = None) -> dict[str, Any]:
    try:
        document = read_document(path)
    except FileNotFoundError:
        raise ProfileError(path, "", "profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(path, "", f"cannot read the file: {exc}") from None
    except YamlError as exc:
        raise ProfileError(path, problems=[Problem(p.key, p.problem, str(path), p.line, p.column)
                                           for p in exc.problems]) from None
    if document.data is None:
        raise ProfileError(path, "", "the file is empty; expected a mapping with at least 'name'")
    if not isinstance(document.data, dict):
        raise ProfileError(path, "", f"expected a mapping at the top level; got {type(document.data).__name__}")
    positions.append((path, document))  # its positions are worked out only to locate a problem
    if duplicates is not None:
        duplicates += [Problem(d.key, d.problem, str(path), d.line, d.column) for d in document.duplicates]
    elif document.duplicates:
        first = document.duplicates[0]
        raise ProfileError(path, problems=[Problem(first.key, first.problem, str(path), first.line, first.column)])
    return document.data


def _mark_origin(data: Any, origin: Path) -> Any:
    """Remember which file each relative path came from (``ca_bundle``, ``location``...)."""
    if isinstance(data, dict):
        return {k: (_PathFrom(v, origin) if k in _PATH_KEYS and isinstance(v, str) else _mark_origin(v, origin))
                for k, v in data.items()}
    if isinstance(data, list):
        return [_mark_origin(v, origin) for v in data]
    return data


class _PathFrom(str):
    """A string from a path-valued key, carrying the directory of the file that wrote it."""

    origin: Path

    def __new__(cls, value: str, origin: Path) -> _PathFrom:
        obj = super().__new__(cls, value)
        obj.origin = origin
        return obj


PATH_KINDS = {"ca_bundle": profile_checks.PEM, "ssh_config": profile_checks.FILE,
              "ssh_identity_file": profile_checks.FILE, "policy_file": profile_checks.FILE,
              "locustfile": profile_checks.FILE, "key_file": profile_checks.FILE,
              "identity_file": profile_checks.FILE, "schema_file": profile_checks.FILE,
              "pg_bin_dir": profile_checks.DIRECTORY, "migrations_dir": profile_checks.DIRECTORY}
"""Keys naming files on the machine golive runs on: resolved against the profile's directory and
checked when the profile loads (exists, readable, the right kind). Paths on the checked hosts
(``prerequisites.root``, ``paths``, ``secrets``…) stay as written."""
_PATH_KEYS = set(PATH_KINDS)


def _load_chain(path: Path, chain: tuple[Path, ...], positions: list[tuple[Path, Any]],
                duplicates: list[Problem] | None = None) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ProfileError(chain[-1], "extends", f"cycle in extends: {cycle}")
    data = _mark_origin(_read_yaml(path, positions, duplicates), path.parent)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ProfileError(path, "extends", f"expected a profile name or relative path; got {parent!r}")
    search = [path.parent, path.parent / "profiles"]
    try:
        if parent.endswith(PROFILE_SUFFIXES) or "/" in parent:
            parent_path = (path.parent / parent).resolve()
            if not parent_path.is_file():
                raise ProfileError(path, "extends", f"extended profile {parent!r} not found ({parent_path})")
        else:
            parent_path = find_profile(parent, search)
    except ProfileError as exc:
        if exc.key == "extends":
            raise
        raise ProfileError(path, "extends", f"extended profile {parent!r} not found: {exc.problem}") from None
    base = _load_chain(parent_path, (*chain, path), positions, duplicates)
    return deep_merge(base, data)


def interpolate(data: Any, env: dict[str, str], file: Path, secrets: set[str], key: str = "",
                problems: list[Problem] | None = None) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}``; a missing variable without default is an error
    (raised at once, or added to ``problems`` when a list is given: every missing one is reported)."""
    if isinstance(data, dict):
        return {k: interpolate(v, env, file, secrets, f"{key}.{k}" if key else str(k), problems)
                for k, v in data.items()}
    if isinstance(data, list):
        return [interpolate(v, env, file, secrets, f"{key}[{i}]", problems) for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def substitute(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        if var in env:
            value = env[var]
            if value and not _structural(value) and key.rsplit(".", 1)[-1] not in _NOT_SECRET_KEYS:
                secrets.add(value)
                if value != value.strip():
                    secrets.add(value.strip())
            return value
        if default is not None:
            return default
        problem = Problem(key, f"environment variable {var} is not set (and no ${{{var}:-default}} given)")
        if problems is None:
            raise ProfileError(file, key, problem.problem)
        problems.append(problem)
        return ""

    result = _VAR.sub(substitute, data)
    if isinstance(data, _PathFrom):
        return _PathFrom(result, data.origin)
    return result


_NOT_SECRET_KEYS = frozenset({"name", "environment", "release", "description"})
"""Keys whose ``${VAR}`` values name things and are shown in every report (the environment is
``production`` whatever variable said so): not treated as secrets."""


def _structural(value: str) -> bool:
    """A value that cannot be a secret but is everywhere in messages: a port number."""
    return value.isdigit() and len(value) <= 5


def _resolve_path(value: Any) -> Path | None:
    if not value:
        return None
    path = Path(str(value)).expanduser()
    if path.is_absolute() or not isinstance(value, _PathFrom):
        return path
    return (value.origin / path).resolve()


def _resolve_paths(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _resolve_paths(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_resolve_paths(v) for v in data]
    if isinstance(data, _PathFrom):
        path = _resolve_path(data)
        return str(path) if path is not None else None
    return data


def load_profile(name_or_path: str | Path, search_dirs: list[Path] | None = None,
                 env: dict[str, str] | None = None, today: date | None = None) -> Profile:
    """Load, merge, interpolate and validate a profile, or raise one ``ProfileError`` holding every
    problem of the file (with line:column where the YAML tells)."""
    dirs = search_dirs if search_dirs is not None else [Path.cwd() / "profiles"]
    path = find_profile(str(name_or_path), dirs)
    positions: list[tuple[Path, Any]] = []
    duplicates: list[Problem] = []
    raw = _load_chain(path, (), positions, duplicates)
    locate = Locator(list(reversed(positions)))  # the child first: it wrote what it overrides
    secrets: set[str] = set()
    missing: list[Problem] = []
    interpolated = interpolate(raw, dict(os.environ if env is None else env), path, secrets, problems=missing)
    data = _resolve_paths(interpolated)
    # what a file or URL path really is says more than the model's type error about it; for the
    # rest, the model's word on a key wins over the generic check's
    entries = profile_checks.walk(data)
    specific = [*profile_checks.check_paths(entries, PATH_KINDS), *profile_checks.check_url_paths(data, entries)]
    generic = [*profile_checks.check_dsns(entries), *profile_checks.check_timeouts(entries),
               *profile_checks.check_urls(entries)]
    modelled: list[Problem] = []
    profile: Profile | None = None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        modelled = explain(exc, Profile, data)
    except (TypeError, ValueError, RecursionError) as exc:
        modelled = [Problem("", f"invalid profile: {exc}")]
    precise = {p.key for p in specific}
    modelled = [p for p in modelled if p.key not in precise]
    said = {p.key for p in modelled}
    problems = [*duplicates, *specific, *modelled, *(p for p in generic if p.key not in said),
                *_check_references(data, profile, today)]
    problems = missing + _without(problems, {p.key for p in missing})
    if problems:
        from golive.redact import Redactor

        error = ProfileError(path, problems=problems).located(locate)
        ordered = sorted(error.problems, key=lambda p: (p.file != str(path), p.file or "", p.line or 0, p.column or 0))
        raise ProfileError(path, problems=ordered).redacted(Redactor(secrets))
    assert profile is not None
    profile._source = path
    profile._secret_values = frozenset(secrets | set(profile.secrets))
    return profile


def _without(problems: list[Problem], keys: set[str]) -> list[Problem]:
    """Problems not about ``keys`` (a missing ``${VAR}`` makes its key wrong in other ways too)."""
    return [p for p in problems if not any(p.key == k or p.key.startswith((f"{k}.", f"{k}[")) for k in keys)]


def _check_references(data: Any, profile: Profile | None, today: date | None = None) -> list[Problem]:
    """Waivers and attestations name checklist ids (and subjects) that exist; attestations are for
    manual items, not dated in the future. Subjects are checked once the profile validated."""
    from golive.catalog import load_catalog

    if not _names_subjects(data):
        return profile_checks.check_references(data, load_catalog(), None, today)
    if profile is None and isinstance(data, dict):
        # the waivers' subjects can still be checked when only the waivers/attestations are wrong
        try:
            profile = Profile.model_validate({**data, "waivers": [], "attestations": []})
        except (ValidationError, TypeError, ValueError, RecursionError):
            profile = None
    names = all_subject_names(profile) if profile is not None else None
    return profile_checks.check_references(data, load_catalog(), names, today)


def _names_subjects(data: Any) -> bool:
    """Whether a waiver or attestation names a subject (``headers.csp[web]``)."""
    if not isinstance(data, dict):
        return False
    entries = [e for kind in ("waivers", "attestations") if isinstance(data.get(kind), list) for e in data[kind]]
    return any(isinstance(e, dict) and isinstance(e.get("check"), str) and "[" in e["check"] for e in entries)


def expiry_notes(profile: Profile, today: date | None = None) -> list[str]:
    """What ``golive profile validate`` notes without refusing: expired waivers and attestations."""
    today = today or date.today()
    notes = []
    expired = [w.check for w in profile.waivers if w.expired(today)]
    if expired:
        notes.append(f"expired waivers (they no longer waive): {', '.join(expired)}")
    lapsed = [a.check for a in profile.attestations if a.expires is not None and a.expires < today]
    if lapsed:
        notes.append(f"expired attestations (they no longer attest): {', '.join(lapsed)}")
    return notes
