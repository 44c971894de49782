"""``databases[].backup``: where the backups of a database are, what kind they are and what they must
satisfy."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel


class Kind(StrEnum):
    """The drill a backup gets (``backup.kind``); every kind runs the same five checks."""

    PG_DUMP = "pg_dump"
    PGBACKREST = "pgbackrest"
    SQLITE = "sqlite"
    ARCHIVE = "archive"
    JSON_STATE = "json_state"
    REDIS = "redis"


FILE_KINDS = frozenset({Kind.SQLITE, Kind.ARCHIVE, Kind.JSON_STATE})
"""Kinds whose ``source`` is a live file or directory on the machine golive runs on."""


class Retention(StrictModel):
    """``backup.retention``: the seeds keep 30 backups and delete them after 30/90 days."""

    keep: int = Field(default=30, ge=1)
    max_age_days: int = Field(default=90, ge=1)
    min_count: int = Field(default=1, ge=0)


class Encryption(StrictModel):
    """``backup.encryption``: the newest backup must be encrypted (age or OpenPGP) and decrypt with
    this key; the drill then runs on the plaintext in its scratch place.

    ``identity_file``: an age identity file (``age-keygen`` output) or an OpenPGP secret key file
    (``gpg --export-secret-keys``), resolved relative to the profile; ``passphrase``: the OpenPGP
    passphrase (of the key, or of a ``gpg --symmetric`` file); hidden from reprs.
    """

    identity_file: Path | None = None
    passphrase: str | None = Field(default=None, repr=False)
    required: bool = True

    @model_validator(mode="after")
    def _some_key(self) -> Encryption:
        if self.identity_file is None and not self.passphrase:
            raise ValueError("identity_file: give the key that decrypts the backups (an age identity "
                             "file or an OpenPGP secret key), or passphrase for gpg --symmetric backups")
        return self


class PgBackRest(StrictModel):
    """``backup.pgbackrest``: the stanza and, optionally, the configuration file and restore target."""

    stanza: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    config: str | None = None
    target_time: str | None = None
    verify: bool = True

    @field_validator("target_time")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from datetime import datetime

        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected an ISO 8601 timestamp with a time zone, like 2026-11-20T02:00:00+00:00; "
                             f"got {value!r}") from None
        if moment.tzinfo is None:
            raise ValueError(f"give the time zone (…+00:00 or Z): {value!r} is ambiguous")
        return value.strip()


class JsonSchemaRule(StrictModel):
    """One ``schemas`` entry: state files matching ``glob`` must validate against ``schema_file``
    (checked when the profile loads: a missing or invalid schema is bad input, not a backup defect)."""

    glob: str = Field(min_length=1)
    schema_file: Path

    @field_validator("schema_file")
    @classmethod
    def _valid_schema(cls, value: Path) -> Path:
        import json

        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import validator_for

        try:
            schema = json.loads(Path(value).read_text())
            validator_for(schema).check_schema(schema)
        except OSError as exc:
            raise ValueError(f"cannot read {value}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ValueError(f"{value} is not JSON: {exc}") from None
        except SchemaError as exc:
            raise ValueError(f"{value} is not a valid JSON Schema: {exc.message}") from None
        return value


class Backup(StrictModel):
    """Every key but ``location`` has a default; see the README's profile reference.

    ``kind``: the drill (default ``pg_dump`` when the database has a ``dsn``, else detected from the
    newest file: SQLite, Redis RDB, tar/zip archive). ``source``: what the restored copy is compared
    with — the live SQLite file, the live directory of an archive or of the JSON state, a
    ``redis://`` URL (pg_dump and pgbackrest compare with ``dsn``). ``scratch_dsn`` is hidden from
    reprs (it may carry a password); ``pg_bin_dir`` forces the PostgreSQL binaries; ``invariants``
    are SQL queries returning one row, run on the source and on the restored copy and compared;
    ``pre_deploy: true`` opts in to ``backup.pre_deploy``.
    """

    location: str
    kind: Kind | None = None
    source: str | None = Field(default=None, repr=False)
    host: str | None = None
    max_age: Duration = 86400.0
    rto: Duration = 900.0
    scratch_dsn: str | None = Field(default=None, repr=False)
    retention: Retention = Retention()
    invariants: list[str] = Field(default_factory=list)
    pg_bin_dir: str | None = None
    jobs: int = Field(default=2, ge=1, le=64)
    pre_deploy: bool = False
    connect_timeout: Duration | None = None
    encryption: Encryption | None = None
    pgbackrest: PgBackRest | None = None
    contents: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    archive_root: str | None = None
    manifest: str = "SHA256SUMS"
    require_manifest: bool = False
    schemas: list[JsonSchemaRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _kind_needs(self) -> Backup:
        kind = self.kind
        if kind == Kind.PGBACKREST and self.pgbackrest is None:
            raise ValueError("pgbackrest: kind pgbackrest needs pgbackrest: {stanza: NAME}")
        if self.pgbackrest is not None and kind not in (Kind.PGBACKREST, None):
            raise ValueError(f"pgbackrest: only for kind pgbackrest (kind is {kind})")
        if kind in FILE_KINDS and not self.source and not (kind == Kind.ARCHIVE and self.contents):
            raise ValueError(f"source: kind {kind} needs the live file or directory the restored copy "
                             "is compared with" + (" (or contents: the member globs it must hold)"
                                                   if kind == Kind.ARCHIVE else ""))
        if self.pre_deploy and kind in (*FILE_KINDS, Kind.REDIS) and not self.source:
            raise ValueError(f"source: pre_deploy snapshots the source; kind {kind} needs it")
        if kind == Kind.REDIS and not (self.source or "").startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("source: kind redis needs the live server's URL (redis://[:password@]host:port)")
        if self.schemas and kind != Kind.JSON_STATE:
            raise ValueError("schemas: only for kind json_state")
        if self.host and kind not in (None, Kind.PG_DUMP):
            raise ValueError(f"host: reading backups through a host is for pg_dump only (kind is {kind})")
        if self.encryption is not None and self.pgbackrest is not None and not self.encryption.passphrase:
            raise ValueError("encryption: a pgBackRest repository is encrypted by pgBackRest itself "
                             "(repo1-cipher-type); give its repo1-cipher-pass as encryption.passphrase")
        if self.pre_deploy and kind == Kind.PGBACKREST:
            raise ValueError("pre_deploy: a pgbackrest backup before a deploy is `pgbackrest backup`; "
                             "golive takes pre-deploy snapshots for pg_dump, sqlite, archive, json_state, redis")
        return self

    @property
    def resolved_kind(self) -> Kind | None:
        """The configured kind (None: decided by the database's dsn or the newest file)."""
        return self.kind
