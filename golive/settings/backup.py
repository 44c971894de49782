"""``databases[].backup``: where the backups of a database are and what they must satisfy."""

from __future__ import annotations

from pydantic import Field

from golive.durations import Duration
from golive.settings.base import StrictModel


class Backup(StrictModel):
    """Every key but ``location`` has a default; see the README's profile reference."""

    location: str
    host: str | None = None
    max_age: Duration = 86400.0
    rto: Duration = 900.0
    scratch_dsn: str | None = Field(default=None, repr=False)
