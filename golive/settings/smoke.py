"""``checks.smoke``: the post-deploy smoke requests.

The CI gate runs right after a deploy, so every key has a default that fits the seeds' services
(``/api/health``, ``/api/health/comprehensive``); a profile adds its own requests under
``endpoints`` and ``protected``. Request headers may carry ``${ENV}`` secrets: the profile loader
remembers them and the redactor masks them in every message and attachment.
"""

# pydantic copies field defaults per instance, so list/dict defaults are safe here.

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel

_ENDPOINT_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _method(value: str) -> str:
    upper = value.upper()
    if upper not in _METHODS:
        raise ValueError(f"expected an HTTP method ({', '.join(_METHODS)}); got {value!r}")
    return upper


class LatencySettings(StrictModel):
    """Sequential samples of the health path (or ``paths``) and the percentile budgets.

    ``p95`` is always judged; ``p50`` and ``p99`` only when set.
    """

    samples: int = Field(20, ge=1, le=1000)
    p50: Duration | None = None
    p95: Duration = 0.5
    p99: Duration | None = None
    paths: list[str] = []


class Expect(StrictModel):
    """What a declared smoke request must answer.

    ``json`` is a subset the JSON body must contain (nested mappings compared key by key);
    ``json_paths`` maps dotted paths (``data.items.0.id``) to the value expected there;
    ``json_has`` lists dotted paths that must exist; ``headers`` maps a response header to a
    substring its value must contain (``"*"``: only present).
    """

    status: int | list[int] = 200
    json_subset: Any = Field(None, alias="json")
    json_paths: dict[str, Any] = {}
    json_has: list[str] = []
    body_contains: list[str] = []
    headers: dict[str, str] = {}
    content_type: str | None = None
    max_latency: Duration | None = None

    @field_validator("body_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def statuses(self) -> list[int]:
        return [self.status] if isinstance(self.status, int) else list(self.status)


class Endpoint(StrictModel):
    """One profile-declared smoke request; each becomes its own test (``test_endpoints[web-<name>]``).

    ``target`` limits it to one target of the profile (default: every target).
    """

    name: str = Field(pattern=_ENDPOINT_NAME)
    method: str = "GET"
    path: str
    headers: dict[str, str] = {}
    json_body: Any = Field(None, alias="json")
    body: str | None = None
    target: str | None = None
    expect: Expect = Expect()

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return _method(value)

    @model_validator(mode="after")
    def _one_body(self) -> Endpoint:
        if self.json_body is not None and self.body is not None:
            raise ValueError("give either json or body, not both")
        return self


class Protected(StrictModel):
    """An endpoint that must refuse anonymous requests (401/403) and accept the credentials.

    ``headers`` are the credentials (e.g. ``Authorization: Bearer ${API_KEY}``); ``accept`` are the
    statuses that count as "accepted" with them (default: any 2xx/3xx).
    """

    path: str
    name: str | None = Field(None, pattern=_ENDPOINT_NAME)
    method: str = "GET"
    headers: dict[str, str] = {}
    json_body: Any = Field(None, alias="json")
    refuse: list[int] = [401, 403]
    accept: list[int] = []
    target: str | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return _method(value)

    @property
    def label(self) -> str:
        """The test id part: the name, or the path made id-safe (``/api/admin`` → ``api-admin``)."""
        if self.name:
            return self.name
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", self.path).strip("-") or "root"


class SmokeSettings(StrictModel):
    """Every key has a default; see the README's profile reference."""

    health_path: str = "/api/health"
    healthy_statuses: list[str] = ["ok", "healthy", "up", "pass"]
    health_status_field: str = "status"
    deep_health_path: str | None = "/api/health/comprehensive"
    component_healthy_statuses: list[str] = ["ok", "healthy", "up", "pass", "connected", "running", "ready"]
    latency: LatencySettings = LatencySettings()
    endpoints: list[Endpoint] = []
    protected: list[Protected] = []
    expected_version: str | None = None
    expected_version_env: str | None = None
    version_source: str = "json:version"
    version_path: str | None = None
    wait_ready: Duration | None = None

    @field_validator("version_source")
    @classmethod
    def _source(cls, value: str) -> str:
        kind, sep, name = value.partition(":")
        if not sep or kind not in ("json", "header") or not name:
            raise ValueError(f"expected 'json:<dotted.field>' or 'header:<Header-Name>'; got {value!r}")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> SmokeSettings:
        for kind, items in (("endpoints", self.endpoints), ("protected", self.protected)):
            seen: set[str] = set()
            for index, item in enumerate(items):
                label = item.name if isinstance(item, Endpoint) else item.label
                if label in seen:
                    raise ValueError(f"{kind}[{index}]: duplicate name {label!r}")
                seen.add(label)
        return self
