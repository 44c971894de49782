"""``checks.smoke``: the post-deploy smoke requests.

The CI gate runs right after a deploy, so every key has a default that fits the seeds' services
(``/api/health``, ``/api/health/comprehensive``); a profile adds its own requests under
``endpoints`` and ``protected``. Request headers may carry ``${ENV}`` secrets: the profile loader
remembers them and the redactor masks them in every message and attachment.
"""

# pydantic copies field defaults per instance, so list/dict defaults are safe here.

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel

_ENDPOINT_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_ONE_OR_MANY = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
"""JSON Schema of a key that takes one string or a list of them (``golive profile schema``)."""
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HARD_MAX_BURST = 1000
"""No rate-limit burst sends more requests than this, whatever the profile says."""
HARD_MAX_BODY = 16 * 1024 * 1024
"""No oversized-body probe sends more than 16 MiB."""


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
    body_contains: Annotated[list[str], WithJsonSchema(_ONE_OR_MANY)] = []
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


def _label(name: str | None, path: str) -> str:
    """A test id part: the name, or the path made id-safe (``/api/admin`` → ``api-admin``)."""
    if name:
        return name
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", path).strip("-") or "root"


class _Request(StrictModel):
    """A probe request the profile names: never a write unless it names the method AND a body."""

    path: str = Field(pattern=r"^/")
    method: str = "GET"
    headers: dict[str, str] = {}
    json_body: Any = Field(None, alias="json")
    body: str | None = None
    target: str | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return _method(value)

    @model_validator(mode="after")
    def _writes_are_named(self) -> _Request:
        if self.json_body is not None and self.body is not None:
            raise ValueError("give either json or body, not both")
        if self.method not in _SAFE_METHODS and self.json_body is None and self.body is None:
            raise ValueError(f"method {self.method} writes: name the body it sends (json or body) too")
        return self

    def content(self) -> tuple[bytes | None, Any]:
        """(raw body, JSON body) as the fetcher takes them."""
        return (self.body.encode() if self.body is not None else None), self.json_body


class RateLimitSettings(_Request):
    """``smoke.rate_limit``: a bounded burst to ``path`` must draw ``limited_status`` before
    ``max_requests``, with Retry-After or RateLimit-* headers, and recover afterwards.

    No ``path``: the check has nothing to probe (not applicable). The burst is sequential on one
    connection; more than a handful of requests, so production needs both load switches.
    """

    path: str | None = Field(None, pattern=r"^/")  # type: ignore[assignment]
    max_requests: int = Field(150, ge=2, le=HARD_MAX_BURST)
    limited_status: list[int] = Field([429], min_length=1)
    require_headers: bool = True
    recovery: bool = True
    max_recovery_wait: Duration = Field(60.0, ge=0, le=900)

    @field_validator("limited_status")
    @classmethod
    def _statuses(cls, value: list[int]) -> list[int]:
        bad = [s for s in value if not 400 <= s <= 599]
        if bad:
            raise ValueError(f"expected 4xx/5xx statuses a limiter answers (e.g. 429, 503); got {bad}")
        return value


INPUT_CASES = ("malformed_json", "wrong_content_type", "oversized", "missing_fields")
InputCase = Literal["malformed_json", "wrong_content_type", "oversized", "missing_fields"]


class InputValidation(StrictModel):
    """An endpoint that must refuse bad input with a 4xx: golive derives the bad requests from
    ``json``, a valid example body (malformed JSON, the body as text/plain, the body padded past
    ``oversized_bytes``, the body without each ``required`` field). A write: method and body are
    mandatory, so golive never invents one."""

    path: str = Field(pattern=r"^/")
    name: str | None = Field(None, pattern=_ENDPOINT_NAME)
    method: str
    json_body: dict[str, Any] = Field(alias="json")
    headers: dict[str, str] = {}
    required: list[str] | None = None
    cases: list[InputCase] = list(INPUT_CASES)
    oversized_bytes: int = Field(2 * 1024 * 1024, ge=1024, le=HARD_MAX_BODY)
    target: str | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        upper = _method(value)
        if upper in _SAFE_METHODS:
            raise ValueError(f"expected a method that takes a body (POST, PUT, PATCH, DELETE); got {value!r}")
        return upper

    @model_validator(mode="after")
    def _fields_exist(self) -> InputValidation:
        unknown = [f for f in self.required or [] if f not in self.json_body]
        if unknown:
            raise ValueError(f"required names fields that are not in json: {', '.join(unknown)}")
        if not self.cases:
            raise ValueError("cases is empty: name at least one of " + ", ".join(INPUT_CASES))
        return self

    @property
    def label(self) -> str:
        return _label(self.name, self.path)

    @property
    def required_fields(self) -> list[str]:
        """The fields whose absence must be refused (default: every top-level key, at most 5)."""
        return (self.required if self.required is not None else list(self.json_body))[:5]


JWT_PROBES = ("no_token", "malformed", "expired", "wrong_key", "alg_none")
JwtProbe = Literal["no_token", "malformed", "expired", "wrong_key", "alg_none"]
JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "ES256")


class AuthProbe(_Request):
    """A protected endpoint probed with forged credentials (PyJWT crafts the tokens): no token, a
    malformed one, an expired one, one signed with another key and an ``alg: none`` one must each
    answer ``refuse`` (401/403). With ``key`` (an HS secret, from ``${ENV}``) or ``key_file`` (a
    PEM private key for RS256/ES256) the expired token is signed with the real key and a fresh,
    valid token must be accepted (the control that proves the probes reach the token check)."""

    name: str | None = Field(None, pattern=_ENDPOINT_NAME)
    header: str = "Authorization"
    scheme: str = "Bearer"
    algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = "HS256"
    claims: dict[str, Any] = {"sub": "golive-probe"}
    key: str | None = Field(None, repr=False)
    key_file: str | None = None
    probes: list[JwtProbe] = list(JWT_PROBES)
    refuse: list[int] = [401, 403]

    @model_validator(mode="after")
    def _key_fits(self) -> AuthProbe:
        if self.key is not None and self.key_file is not None:
            raise ValueError("give either key (an HS secret) or key_file (a PEM private key), not both")
        if self.key is not None and not self.algorithm.startswith("HS"):
            raise ValueError(f"key is an HMAC secret; {self.algorithm} needs key_file (a PEM private key)")
        if self.key_file is not None and self.algorithm.startswith("HS"):
            raise ValueError(f"key_file is a PEM private key; {self.algorithm} needs key (the shared secret)")
        if not self.probes:
            raise ValueError("probes is empty: name at least one of " + ", ".join(JWT_PROBES))
        return self

    @property
    def label(self) -> str:
        return _label(self.name, self.path)

    @property
    def signs(self) -> bool:
        """Whether golive holds the real signing key (expired token signed right + the control)."""
        return self.key is not None or self.key_file is not None


class WebSocketSettings(StrictModel):
    """``smoke.websocket``: ``wss://`` (``ws://`` for http targets) upgrade at ``path`` through the
    proxy, a message and a ping round trip within ``latency``, then ``idle`` seconds of silence that
    the connection must survive (0s: not checked). No ``path``: not applicable."""

    path: str | None = Field(None, pattern=r"^/")
    message: str = Field("golive ping", min_length=1, max_length=4096)
    expect_echo: bool = True
    latency: Duration = 1.0
    idle: Duration = Field(0.0, ge=0, le=300)
    headers: dict[str, str] = {}
    subprotocols: list[str] = []
    origin: str | None = None


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
    rate_limit: RateLimitSettings = RateLimitSettings()
    input_validation: list[InputValidation] = []
    auth_probes: list[AuthProbe] = []
    websocket: WebSocketSettings = WebSocketSettings()

    @field_validator("version_source")
    @classmethod
    def _source(cls, value: str) -> str:
        kind, sep, name = value.partition(":")
        if not sep or kind not in ("json", "header") or not name:
            raise ValueError(f"expected 'json:<dotted.field>' or 'header:<Header-Name>'; got {value!r}")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> SmokeSettings:
        groups: tuple[tuple[str, list[Any]], ...] = (
            ("endpoints", self.endpoints), ("protected", self.protected),
            ("input_validation", self.input_validation), ("auth_probes", self.auth_probes))
        for kind, items in groups:
            seen: set[str] = set()
            for index, item in enumerate(items):
                label = item.name if isinstance(item, Endpoint) else item.label
                if label in seen:
                    raise ValueError(f"{kind}[{index}]: duplicate name {label!r}")
                seen.add(label)
        return self
