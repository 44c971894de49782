"""Profiles: one YAML per environment, validated into a ``Profile`` model.

Loading is: read YAML → follow ``extends`` (deep merge, cycles refused) → interpolate ``${VAR}`` /
``${VAR:-default}`` → validate with pydantic → resolve paths relative to the file that wrote them.
Every problem becomes a ``ProfileError`` naming the file, the key path and what was expected; the
plugin turns it into ``pytest.UsageError`` (exit 4) before any test is collected.

Secrets: values that came from ``${VAR}`` are remembered (``Profile.secret_values``) so that the
redaction layer can mask them wherever they would appear.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from golive.durations import Duration
from golive.settings import ChecksSettings
from golive.settings.backup import Backup
from golive.settings.base import StrictModel, deep_merge

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when present (several times faster on large profiles)."""

PROFILE_SUFFIXES = (".yaml", ".yml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class ProfileError(Exception):
    """A profile that cannot be used: names the file, the key path and what was expected."""

    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + problem)


# --------------------------------------------------------------------------- models


class Target(StrictModel):
    """An HTTP(S) endpoint; the subject of tls/headers/http/smoke/load checks."""

    name: str = Field(pattern=_NAME)
    url: str
    http_url: str | None = None
    resolve: str | None = None
    ca_bundle: Path | None = None
    roles: list[str] = []
    timeout: Duration | None = None
    compare_to: str | None = None
    """Blue-green: the live target this candidate must match or beat before the switch."""

    @field_validator("url", "http_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an absolute http:// or https:// URL; got {value!r}")
        try:
            parts.port  # noqa: B018 - raises on an invalid port
        except ValueError as exc:
            raise ValueError(f"invalid port in URL {value!r}") from exc
        return value.rstrip("/") if parts.path in ("", "/") else value

    @field_validator("resolve")
    @classmethod
    def _ip_address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"expected an IP address to connect to; got {value!r}") from exc
        return value

    @property
    def hostname(self) -> str:
        """The name used for SNI, Host and certificate checks."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def is_https(self) -> bool:
        return urlsplit(self.url).scheme == "https"


class Host(StrictModel):
    """A machine for prerequisite checks, reached through a testinfra backend."""

    name: str = Field(pattern=_NAME)
    connection: str = "local://"
    roles: list[str] = []
    ssh_config: Path | None = None
    ssh_identity_file: Path | None = None
    sudo: bool = False

    @field_validator("connection")
    @classmethod
    def _backend_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(
                f"expected a testinfra connection like local://, ssh://user@host, docker://name; got {value!r}"
            )
        return value


class Database(StrictModel):
    """A database: the source of backup drills and database prerequisites."""

    name: str = Field(pattern=_NAME)
    dsn: str | None = Field(default=None, repr=False)
    roles: list[str] = []
    backup: Backup | None = None


class Waiver(StrictModel):
    """An accepted failure of one checklist item (optionally one subject), until it expires."""

    check: str
    reason: str = Field(min_length=3)
    expires: date

    @property
    def check_id(self) -> str:
        return self.check.split("[", 1)[0]

    @property
    def subject(self) -> str | None:
        if "[" in self.check and self.check.endswith("]"):
            return self.check.split("[", 1)[1][:-1]
        return None

    def covers(self, check_id: str, subject: str | None) -> bool:
        return self.check_id == check_id and (self.subject is None or self.subject == subject)

    def expired(self, today: date | None = None) -> bool:
        return (today or date.today()) > self.expires


class Attestation(StrictModel):
    """A manual checklist item, signed by a person: done (``attested``), or ``not_applicable`` here.

    ``release`` binds it to one release: a run verifying another release (or naming none) does not
    count it, and the sign-off says so. Without ``release`` it holds for every release until
    ``expires``.
    """

    check: str
    by: str = Field(min_length=1)
    at: date
    status: Literal["attested", "not_applicable"] = "attested"
    reason: str | None = Field(default=None, validate_default=True)
    """Why the item does not apply (required with ``status: not_applicable``)."""
    note: str | None = None
    expires: date | None = None
    release: str | None = None

    @field_validator("reason")
    @classmethod
    def _reason_for_not_applicable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("status") == "not_applicable" and not (value or "").strip():
            raise ValueError("status not_applicable needs a reason: why the item does not apply here "
                             "(the sign-off shows it with who decided)")
        return value.strip() if value else value

    @field_validator("release")
    @classmethod
    def _release_id(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("expected a release id (e.g. v1.4.2 or a commit SHA); leave the key out for any release")
        return value.strip() if value else value


class Profile(StrictModel):
    """One environment: what to check (subjects) and how strictly (settings)."""

    name: str = Field(pattern=_NAME)
    environment: str = "staging"
    description: str | None = None
    allow_load: bool = False
    release: str | None = None
    """The release this run verifies (else ``--release`` / GOLIVE_RELEASE); attestations bind to it."""
    timeout: Duration = 10.0
    targets: list[Target] = []
    hosts: list[Host] = []
    databases: list[Database] = []
    checks: ChecksSettings = ChecksSettings()
    waivers: list[Waiver] = []
    attestations: list[Attestation] = []
    secrets: list[str] = []

    _source: Path | None = PrivateAttr(default=None)
    _secret_values: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _unique_names(self) -> Profile:
        for kind in ("targets", "hosts", "databases"):
            seen: set[str] = set()
            for index, subject in enumerate(getattr(self, kind)):
                if subject.name in seen:
                    raise ValueError(f"{kind}[{index}].name: duplicate name {subject.name!r}")
                seen.add(subject.name)
        target_names = {t.name for t in self.targets}
        for index, target in enumerate(self.targets):
            if target.compare_to is not None and (target.compare_to not in target_names
                                                  or target.compare_to == target.name):
                raise ValueError(f"targets[{index}].compare_to: {target.compare_to!r} is not another target "
                                 f"of this profile (known: {', '.join(sorted(target_names - {target.name}))})")
        host_names = {h.name for h in self.hosts}
        for index, db in enumerate(self.databases):
            if db.backup and db.backup.host and db.backup.host not in host_names:
                raise ValueError(
                    f"databases[{index}].backup.host: {db.backup.host!r} is not a host of this profile"
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment.lower() in ("production", "prod")

    @property
    def source(self) -> Path | None:
        """The file this profile was loaded from (None when built in code)."""
        return self._source

    @property
    def secret_values(self) -> frozenset[str]:
        """Values interpolated from the environment or listed as secrets: never printed."""
        return self._secret_values


# --------------------------------------------------------------------------- loading


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


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(path, "", "profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(path, "", f"cannot read the file: {exc}") from None
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileError(path, "", f"invalid YAML: {where}{problem}") from None
    if data is None:
        raise ProfileError(path, "", "the file is empty; expected a mapping with at least 'name'")
    if not isinstance(data, dict):
        raise ProfileError(path, "", f"expected a mapping at the top level; got {type(data).__name__}")
    return data


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


_PATH_KEYS = {"ca_bundle", "ssh_config", "ssh_identity_file", "policy_file", "locustfile", "key_file",
              "identity_file", "schema_file"}
"""Keys naming files on the machine golive runs on (resolved against the profile's directory).
Paths on the checked hosts (``prerequisites.root``, ``paths``, ``secrets``…) stay as written."""


def _load_chain(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ProfileError(chain[-1], "extends", f"cycle in extends: {cycle}")
    data = _mark_origin(_read_yaml(path), path.parent)
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
    base = _load_chain(parent_path, (*chain, path))
    return deep_merge(base, data)


def interpolate(data: Any, env: dict[str, str], file: Path, secrets: set[str], key: str = "") -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}``; a missing variable without default is an error."""
    if isinstance(data, dict):
        return {k: interpolate(v, env, file, secrets, f"{key}.{k}" if key else str(k)) for k, v in data.items()}
    if isinstance(data, list):
        return [interpolate(v, env, file, secrets, f"{key}[{i}]") for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def substitute(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        if var in env:
            value = env[var]
            if value:
                secrets.add(value)
            return value
        if default is not None:
            return default
        raise ProfileError(file, key, f"environment variable {var} is not set (and no ${{{var}:-default}} given)")

    result = _VAR.sub(substitute, data)
    if isinstance(data, _PathFrom):
        return _PathFrom(result, data.origin)
    return result


def _resolve_paths(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _resolve_paths(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_resolve_paths(v) for v in data]
    if isinstance(data, _PathFrom):
        if not data:
            return None
        path = Path(str(data)).expanduser()
        return str(path if path.is_absolute() else (data.origin / path).resolve())
    return data


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(model: type[StrictModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at ``loc`` (for "did you mean" hints)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        for _ in range(3):
            args = getattr(annotation, "__args__", None)
            if isinstance(annotation, type) and issubclass(annotation, StrictModel):
                break
            if not args:
                break
            annotation = next((a for a in args if isinstance(a, type) and issubclass(a, StrictModel)), args[0])
        current = annotation
    return list(getattr(current, "model_fields", {}).keys())


def _explain(exc: ValidationError, file: Path) -> ProfileError:
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    key = _key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        allowed = _allowed_keys(Profile, loc)
        hint = difflib.get_close_matches(unknown, allowed, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        known = f" Known keys here: {', '.join(allowed)}." if allowed and not hint else ""
        return ProfileError(file, key, f"unknown key {unknown!r}{suggestion}{known}")
    if kind == "missing":
        return ProfileError(file, key, "required key is missing")
    message = error["msg"]
    message = message.removeprefix("Value error, ")
    head, sep, rest = message.partition(": ")
    if sep and re.fullmatch(r"[a-z_]+", head) and head in _allowed_keys(Profile, (*loc, head)):
        key, message = (f"{key}.{head}" if key else head), rest  # a model check naming its own key
    if kind.endswith("_type") or kind.endswith("_parsing"):
        got = error.get("input")
        shown = "<hidden>" if isinstance(got, str) and len(got) > 80 else repr(got)
        message = f"{message}; got {shown}"
    if key == "" and ":" in message and message.split(":", 1)[0].replace("[", ".").split(".")[0] in (
        "targets", "hosts", "databases"
    ):
        key, message = message.split(": ", 1)
    return ProfileError(file, key, message)


def load_profile(name_or_path: str | Path, search_dirs: list[Path] | None = None,
                 env: dict[str, str] | None = None) -> Profile:
    """Load, merge, interpolate and validate a profile, or raise ``ProfileError``."""
    dirs = search_dirs if search_dirs is not None else [Path.cwd() / "profiles"]
    path = find_profile(str(name_or_path), dirs)
    raw = _load_chain(path, ())
    secrets: set[str] = set()
    interpolated = interpolate(raw, dict(os.environ if env is None else env), path, secrets)
    data = _resolve_paths(interpolated)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, path) from None
    except ProfileError:
        raise
    except (TypeError, ValueError) as exc:
        raise ProfileError(path, "", f"invalid profile: {exc}") from None
    profile._source = path
    profile._secret_values = frozenset(secrets | set(profile.secrets))
    _check_references(profile, path)
    return profile


_MANUAL_WAIVER = (
    "{id} is a manual item: nothing runs, so there is no failure to waive. Attest it under attestations "
    "(check, by, at), or, when it does not apply here, attest it not applicable: "
    "{{check: {id}, by: NAME, at: DATE, status: not_applicable, reason: WHY}}")


def _check_references(profile: Profile, path: Path) -> None:
    """Waivers and attestations must name checklist ids that exist."""
    from golive.catalog import load_catalog

    catalog = load_catalog()
    for kind in ("waivers", "attestations"):
        for index, entry in enumerate(getattr(profile, kind)):
            check_id = entry.check.split("[", 1)[0]
            if check_id not in catalog:
                hint = difflib.get_close_matches(check_id, list(catalog), n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                raise ProfileError(path, f"{kind}[{index}].check",
                                   f"unknown checklist id {check_id!r}{suggestion} (see `golive checklist`)")
            if kind == "waivers" and catalog[check_id].mode == "manual":
                raise ProfileError(path, f"{kind}[{index}].check", _MANUAL_WAIVER.format(id=check_id))


def dump_profile(profile: Profile, mask: bool = True) -> dict[str, Any]:
    """The effective profile as plain data, with secret values masked (``golive profile show``)."""
    from golive.redact import Redactor

    data = profile.model_dump(mode="json", exclude_none=True, by_alias=True)  # profile syntax: json, not json_body
    if not mask:
        return data
    return Redactor(profile.secret_values).data(data)


Scope = Literal["targets", "hosts", "databases"]
