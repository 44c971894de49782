"""``checks.load``: the bounded locust run and its thresholds.

Thresholds are parsed here, at profile load, so that a typo (``p95 < 500``, ``erorr_rate``) is a
profile error with its key path (``checks.load.thresholds[1]``, exit 4) instead of a failed test
after a minute of load. Bounds (``max_users``, ``max_duration``, ``max_requests``) are checked here
too, against hard caps no profile can raise: a load run must never become a denial of service.
"""

# pydantic copies field defaults per instance, so list/dict defaults are safe here.

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from golive.durations import Duration
from golive.load.address import AddressError, parse_endpoint
from golive.load.thresholds import Threshold, ThresholdError, parse_threshold
from golive.settings.base import StrictModel

HARD_MAX_USERS = 2000
"""No profile can ask for more concurrent users than this (one machine's honest ceiling)."""
HARD_MAX_DURATION = 3600.0
"""No load run lasts more than an hour."""
HARD_MAX_REQUESTS = 10_000_000
"""No load run sends more requests than this."""
HARD_MAX_REMOTE_WORKERS = 256
"""No run waits for more workers on other machines than this."""
HARD_MAX_WORKER_WAIT = 900.0
"""No run waits longer than 15 minutes for its remote workers to connect."""

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Scenario(StrictModel):
    """One request the simulated users send, picked with probability ``weight / sum(weights)``.

    ``name`` is the name in locust's stats (default: the path), so a per-scenario threshold reads
    ``"GET /api/health: p95 < 200ms"`` or ``"<name>: p95 < 200ms"``.
    """

    name: str | None = None
    weight: int = Field(1, ge=1, le=1000)
    method: str = "GET"
    path: str = Field(pattern=r"^/")
    headers: dict[str, str] = {}
    body: str | None = None
    json_body: Any = Field(None, alias="json")
    expect_status: list[int] = []

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        upper = value.upper()
        if upper not in _METHODS:
            raise ValueError(f"expected an HTTP method ({', '.join(_METHODS)}); got {value!r}")
        return upper

    @property
    def stats_name(self) -> str:
        """The name locust records this request under."""
        return self.name or self.path


class ThresholdSpec(StrictModel):
    """The structured form of a threshold: ``{threshold: "error_rate < 5%", abort: true, after: 5s}``."""

    threshold: str
    abort: bool = False
    after: Duration | None = None


def _check_entry(value: Any) -> Any:
    """Parse a threshold as it is loaded, so a bad one is an error at its own index."""
    text = value.get("threshold") if isinstance(value, dict) else value
    if isinstance(text, str):
        try:
            parse_threshold(text)
        except ThresholdError as exc:
            raise ValueError(str(exc)) from None
    return value


ThresholdEntry = Annotated[str | ThresholdSpec, BeforeValidator(_check_entry)]


class LoadSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    users: int = Field(20, ge=1)
    spawn_rate: float = Field(10, gt=0)
    duration: Duration = 15.0
    wait_time: Duration | tuple[Duration, Duration] = (0.0, 0.0)
    scenarios: list[Scenario] = []
    locustfile: str | None = None
    workers: int | str = 0
    remote_workers: int = Field(0, ge=0, le=HARD_MAX_REMOTE_WORKERS)
    master_bind: str | None = Field(None, validate_default=True)
    worker_wait: Duration = 60.0
    worker_key: str | None = Field(None, min_length=16)
    thresholds: list[ThresholdEntry] = ["p95 < 500ms", "error_rate < 1%"]
    abort_grace: Duration = 5.0
    max_users: int = Field(500, ge=1)
    max_duration: Duration = 600.0
    max_requests: int = Field(1_000_000, ge=1)
    verify_tls: bool = True
    request_timeout: Duration = 10.0
    baseline: bool = True
    generator_cpu_limit: float = Field(90.0, gt=0, le=100)

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            if value != "auto":
                raise ValueError(f"expected a number of worker processes or 'auto'; got {value!r}")
            return value
        if not 0 <= value <= 64:
            raise ValueError(f"expected 0..64 worker processes (0: one process, no master); got {value}")
        return value

    @field_validator("master_bind")
    @classmethod
    def _master_bind(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            remote = info.data.get("remote_workers")
            if remote:
                raise ValueError(f"required with remote_workers: {remote} (the HOST:PORT that the workers on "
                                 "other machines connect to, e.g. 10.0.0.5:5557)")
            return value
        try:
            return str(parse_endpoint(value, listen=True))
        except AddressError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("worker_wait")
    @classmethod
    def _worker_wait(cls, value: float) -> float:
        if not 0 < value <= HARD_MAX_WORKER_WAIT:
            raise ValueError(f"expected a duration above 0 and at most {HARD_MAX_WORKER_WAIT / 60:.0f}m; "
                             f"got {value:g}s")
        return value

    @model_validator(mode="after")
    def _bounds(self) -> LoadSettings:
        if self.max_users > HARD_MAX_USERS:
            raise ValueError(f"max_users: {self.max_users} is above the hard cap of {HARD_MAX_USERS}")
        if self.max_duration > HARD_MAX_DURATION:
            raise ValueError(f"max_duration: above the hard cap of {HARD_MAX_DURATION:.0f}s")
        if self.max_requests > HARD_MAX_REQUESTS:
            raise ValueError(f"max_requests: above the hard cap of {HARD_MAX_REQUESTS}")
        if self.users > self.max_users:
            raise ValueError(f"users: {self.users} is above max_users ({self.max_users}); "
                             "raise max_users to allow it")
        if self.duration > self.max_duration:
            raise ValueError(f"duration: {self.duration:g}s is above max_duration ({self.max_duration:g}s)")
        if self.duration <= 0:
            raise ValueError("duration: expected a positive duration")
        low, high = self.wait_bounds
        if low > high:
            raise ValueError("wait_time: expected [min, max] with min <= max")
        return self

    @property
    def wait_bounds(self) -> tuple[float, float]:
        """``wait_time`` as (min, max) seconds: a single value means a constant wait."""
        if isinstance(self.wait_time, tuple):
            return (float(self.wait_time[0]), float(self.wait_time[1]))
        return (float(self.wait_time), float(self.wait_time))

    def parsed_thresholds(self) -> list[Threshold]:
        """The thresholds as ``Threshold`` objects (validated at load, so this cannot fail)."""
        return [_to_threshold(entry, self.abort_grace) for entry in self.thresholds]

    def worker_count(self, cpu_count: int | None) -> int:
        """Worker processes to start: ``auto`` is one per CPU (as locust's ``--processes -1``)."""
        if self.workers == "auto":
            return max(1, cpu_count or 1)
        return int(self.workers)


def _to_threshold(entry: str | ThresholdSpec, grace: float) -> Threshold:
    if isinstance(entry, ThresholdSpec):
        parsed = parse_threshold(entry.threshold, default_grace=grace)
        if entry.abort and not parsed.abort:
            return parsed.with_abort(entry.after if entry.after is not None else grace)
        return parsed
    return parse_threshold(entry, default_grace=grace)
