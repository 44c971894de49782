"""Profiles: one YAML per environment, validated into a ``Profile`` model.

This module is the model: the profile's keys, their types and the checks each value gets when it
is validated (URLs, host names, environment names, waivers' shape). Reading the files, ``extends``,
``${VAR}`` interpolation and collecting every problem of a file into one ``ProfileError`` are
``golive.profile_load``'s.

Secrets: values that came from ``${VAR}`` are remembered (``Profile.secret_values``) so that the
redaction layer can mask them wherever they would appear.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from golive.durations import Duration
from golive.profile_errors import ProfileError
from golive.settings import ChecksSettings
from golive.settings.backup import Backup
from golive.settings.base import StrictModel, deep_merge

__all__ = ["PRODUCTION", "Attestation", "Database", "Host", "Profile", "ProfileError", "Target", "Waiver",
           "deep_merge", "dump_profile", "is_production_name", "normalize_environment"]

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


def dump_profile(profile: Profile, mask: bool = True) -> dict[str, Any]:
    """The effective profile as plain data, with secret values masked (``golive profile show``)."""
    from golive.redact import Redactor

    data = profile.model_dump(mode="json", exclude_none=True, by_alias=True)  # profile syntax: json, not json_body
    if not mask:
        return data
    return Redactor(profile.secret_values).data(data)

