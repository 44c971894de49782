"""Profiles: one YAML per environment, validated into a ``Profile`` model.

Loading is: read YAML (bounded, duplicate keys refused, every key's line:column kept:
``golive.profile_yaml``) → follow ``extends`` (deep merge, cycles refused) → interpolate ``${VAR}`` /
``${VAR:-default}`` → resolve paths relative to the file that wrote them → validate with pydantic and
the load-time checks of ``golive.profile_checks`` (files exist, DSNs parse, paths stay on the
target...). Every problem of the file is collected into one ``ProfileError`` naming, for each, the
file, line:column, key path and what was expected; the plugin turns it into ``pytest.UsageError``
(exit 4) before any test is collected.

Secrets: values that came from ``${VAR}`` are remembered (``Profile.secret_values``) so that the
redaction layer can mask them wherever they would appear.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from golive import profile_checks
from golive.durations import Duration
from golive.profile_errors import Locator, Problem, ProfileError, explain
from golive.profile_yaml import YamlError, read_document
from golive.settings import ChecksSettings
from golive.settings.backup import Backup
from golive.settings.base import StrictModel, deep_merge

__all__ = ["PRODUCTION", "Attestation", "Database", "Host", "Profile", "ProfileError", "Target", "Waiver",
           "deep_merge", "dump_profile", "find_profile", "is_production_name", "load_profile",
           "normalize_environment"]

PROFILE_SUFFIXES = (".yaml", ".yml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_HOST = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$")


def _valid_host(host: str) -> bool:
    """A DNS name (letters, digits, ``-``, ``_``, dots) or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST.match(host))


PRODUCTION = "production"
_ENV_ALIASES = {"prod": PRODUCTION, "prd": PRODUCTION, "live": PRODUCTION, "production": PRODUCTION,
                "stage": "staging", "stg": "staging", "staging": "staging", "dev": "development",
                "development": "development"}
_PRODUCTION_WORDS = frozenset({"production", "prod", "prd", "live", "prodn"})
_NOT_PRODUCTION_WORDS = frozenset({"pre", "non", "not"})
_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9 _.:/-]*$")


def normalize_environment(value: Any) -> str:
    """``"Production "``, ``"PROD"``, ``"prd\\n"`` → ``production``: trimmed, case-folded, the usual
    aliases mapped; the safety guards decide on this form only. ASCII only, so that a look-alike
    letter cannot make a production environment pass for another one."""
    if not isinstance(value, str):
        raise ValueError(f"expected an environment name like staging or production; got {value!r}")
    text = " ".join(value.split()).casefold()
    if not text:
        raise ValueError("expected an environment name like staging or production; got an empty value")
    if not _ENV_NAME.match(text):
        raise ValueError(f"expected an environment name of ASCII letters, digits and - _ . : /; got {value!r}")
    return _ENV_ALIASES.get(text, text)


def is_production_name(environment: str) -> bool:
    """Production, whatever the spelling: any word of the name is prod/production/prd/live
    (``prod-eu``, ``eu-live``), unless qualified as not production (``pre-prod``, ``non-prod``)."""
    words = set(re.split(r"[\s_.:/-]+", normalize_environment(environment)))
    return bool(words & _PRODUCTION_WORDS) and not words & _NOT_PRODUCTION_WORDS


# --------------------------------------------------------------------------- models


DEFAULT_CONCURRENCY = 8
"""Subjects observed at once (``golive.observe``): the requests are I/O-bound, so a 2-core CI runner
keeps 8 busy without starving the checks' own thread (profile key ``concurrency``, 1–64)."""
MAX_CONCURRENCY = 64


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
        if re.search(r"[\x00-\x20\x7f]", value) or not _valid_host(parts.hostname):
            raise ValueError(f"invalid host {parts.hostname!r} in URL {value!r} (a space or a character "
                             "no host name can hold)")
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


TLS_PROTOCOLS: dict[str, str | None] = {
    "tls": None,
    "redis": None,
    "postgres": "POSTGRES",
    "smtp": "SMTP",
    "imap": "IMAP",
    "pop3": "POP3",
    "ftp": "FTP",
    "ldap": "LDAP",
    "xmpp": "XMPP",
    "xmpp_server": "XMPP_SERVER",
    "rdp": "RDP",
}
"""``tls_endpoints[].protocol`` → the STARTTLS dialect sslyze speaks first (None: TLS from the first
byte, e.g. Redis' tls-port, SMTPS on 465, any raw TLS port)."""


class TlsEndpoint(StrictModel):
    """A TLS endpoint that is not an HTTPS URL (PostgreSQL, Redis over TLS, SMTP...): it gets the
    tls.* checks of a target (one sslyze scan, STARTTLS first when the protocol needs it)."""

    name: str = Field(pattern=_NAME)
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    protocol: Literal[
        "tls", "redis", "postgres", "smtp", "imap", "pop3", "ftp", "ldap", "xmpp", "xmpp_server", "rdp"
    ] = "tls"
    resolve: str | None = None
    ca_bundle: Path | None = None
    roles: list[str] = []
    timeout: Duration | None = None

    @field_validator("resolve")
    @classmethod
    def _ip_address(cls, value: str | None) -> str | None:
        return Target._ip_address(value)

    @property
    def hostname(self) -> str:
        """The name used for SNI and certificate checks."""
        return self.host

    @property
    def starttls(self) -> str | None:
        """sslyze's STARTTLS protocol name, or None when TLS starts with the first byte."""
        return TLS_PROTOCOLS[self.protocol]

    @property
    def is_https(self) -> bool:
        return False

    @property
    def where(self) -> str:
        via = f" via {self.resolve}" if self.resolve else ""
        return f"{self.protocol} {'STARTTLS ' if self.starttls else ''}{self.host}:{self.port}{via}"


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
    concurrency: int = Field(DEFAULT_CONCURRENCY, ge=1, le=MAX_CONCURRENCY)
    """Subjects observed at once before the checks judge them (``golive.observe``)."""
    targets: list[Target] = []
    hosts: list[Host] = []
    databases: list[Database] = []
    tls_endpoints: list[TlsEndpoint] = []
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
        tls_names = {t.name for t in self.targets}  # tls.* results of both kinds share the sign-off's subjects
        for index, endpoint in enumerate(self.tls_endpoints):
            if endpoint.name in tls_names:
                raise ValueError(f"tls_endpoints[{index}].name: duplicate name {endpoint.name!r} (targets and "
                                 "tls_endpoints share the tls.* checks' subject names)")
            tls_names.add(endpoint.name)
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

    @field_validator("environment", mode="before")
    @classmethod
    def _environment(cls, value: Any) -> str:
        return normalize_environment(value)

    @property
    def is_production(self) -> bool:
        """Whether the production guards apply (``is_production_name``)."""
        return is_production_name(self.environment)

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
    names = _subject_names(profile) if profile is not None else None
    return profile_checks.check_references(data, load_catalog(), names, today)


def _names_subjects(data: Any) -> bool:
    """Whether a waiver or attestation names a subject (``headers.csp[web]``)."""
    if not isinstance(data, dict):
        return False
    entries = [e for kind in ("waivers", "attestations") if isinstance(data.get(kind), list) for e in data[kind]]
    return any(isinstance(e, dict) and isinstance(e.get("check"), str) and "[" in e["check"] for e in entries)


def _subject_names(profile: Profile) -> set[str]:
    """Every subject name a sign-off result can carry: targets, hosts, databases and the subjects
    of the kinds domains register (monitoring services...)."""
    from golive.subjects import all_subject_names

    return all_subject_names(profile)


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


def dump_profile(profile: Profile, mask: bool = True) -> dict[str, Any]:
    """The effective profile as plain data, with secret values masked (``golive profile show``)."""
    from golive.redact import Redactor

    data = profile.model_dump(mode="json", exclude_none=True, by_alias=True)  # profile syntax: json, not json_body
    if not mask:
        return data
    return Redactor(profile.secret_values).data(data)


Scope = Literal["targets", "hosts", "databases"]
