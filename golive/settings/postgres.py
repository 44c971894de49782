"""PostgreSQL schema state settings (``checks.prerequisites.postgres`` and its role overrides): what the
migrations, indexes, row level security, settings and replicas of a database must be.

Each block turns its check on (``prereq.migrations_applied``, ``prereq.postgres_indexes``,
``prereq.postgres_rls``, ``prereq.postgres_settings``, ``prereq.postgres_replication``); a database
whose effective settings leave a block out does not collect that check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel
from golive.sizes import Size

MigrationTool = Literal["alembic", "flyway", "django", "rails", "prisma", "supabase"]


class Migrations(StrictModel):
    """``migrations``: the tool whose table records what ran, and what the release expects — a
    migrations directory (``migrations_dir``, relative to the profile) or the expected ``head`` id."""

    tool: MigrationTool
    migrations_dir: Path | None = None
    head: str | None = None

    @model_validator(mode="after")
    def _expected(self) -> Migrations:
        if self.migrations_dir is None and not self.head:
            raise ValueError("migrations_dir: give the release's migrations directory or the expected head id")
        if self.migrations_dir is not None and not Path(self.migrations_dir).is_dir():
            raise ValueError(f"migrations_dir: {self.migrations_dir} is not a directory")
        return self


class RequiredIndex(StrictModel):
    """An index the release needs, with its definition: table, columns in order, method, uniqueness."""

    name: str = Field(min_length=1)
    table: str | None = None
    columns: list[str] = []
    method: str | None = None
    unique: bool | None = None


class Rls(StrictModel):
    """``rls``: tables (``schema.table`` or ``table`` in public) or whole schemas whose tables must have
    row level security enabled (``force``: also for the table owner) and at least ``min_policies``."""

    tables: list[str] = []
    schemas: list[str] = []
    force: bool = False
    min_policies: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _something(self) -> Rls:
        if not self.tables and not self.schemas:
            raise ValueError("tables: list the tables (or schemas) that must have row level security")
        return self


class PgSettings(StrictModel):
    """``settings``: the server settings the seeds set, as this database's role sees them.
    ``max_statement_timeout``: statement_timeout must be set (0 = unlimited fails) and at most this;
    ``min_work_mem``/``max_work_mem``: bounds on work_mem; ``min_max_connections``: on max_connections;
    ``min_headroom``: the share of max_connections (less the superuser reserve) still free, in percent;
    ``password_encryption``: the hash new passwords get."""

    max_statement_timeout: Duration | None = None
    min_work_mem: Size | None = None
    max_work_mem: Size | None = None
    min_max_connections: int | None = Field(default=None, ge=1)
    min_headroom: float | None = Field(default=None, ge=0, le=100)
    password_encryption: str | None = None


class Replication(StrictModel):
    """``replication``: at least ``min_replicas`` streaming replicas, each replaying within ``max_lag``."""

    min_replicas: int = Field(default=1, ge=1)
    max_lag: Duration = 30.0
    max_lag_bytes: Size | None = None


FkIndexes = Literal["advisory", "required", "off"]
