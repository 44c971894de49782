"""``databases[].backup``: where the backups of a database are and what they must satisfy."""

from __future__ import annotations

from pydantic import Field

from golive.durations import Duration
from golive.settings.base import StrictModel


class Retention(StrictModel):
    """``backup.retention``: the seeds keep 30 backups and delete them after 30/90 days."""

    keep: int = Field(default=30, ge=1)
    max_age_days: int = Field(default=90, ge=1)
    min_count: int = Field(default=1, ge=0)


class Backup(StrictModel):
    """Every key but ``location`` has a default; see the README's profile reference.

    ``scratch_dsn`` is hidden from reprs (it may carry a password); ``pg_bin_dir`` forces the
    PostgreSQL client/server binaries used for the drill (default: the newest installed that can
    read the dump); ``invariants`` are SQL queries returning one row, run on the source and on the
    restored copy and compared; ``pre_deploy: true`` opts in to ``backup.pre_deploy``.
    """

    location: str
    host: str | None = None
    max_age: Duration = 86400.0
    rto: Duration = 900.0
    scratch_dsn: str | None = Field(default=None, repr=False)
    retention: Retention = Retention()
    invariants: list[str] = Field(default_factory=list)
    pg_bin_dir: str | None = None
    jobs: int = Field(default=2, ge=1, le=64)
    pre_deploy: bool = False
    connect_timeout: Duration = 10.0
