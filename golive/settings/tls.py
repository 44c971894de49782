"""``checks.tls``: policy for the TLS checks (sslyze)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from golive.durations import Duration
from golive.settings.base import StrictModel

MOZILLA_POLICIES = ("intermediate", "modern", "old")


class TlsSettings(StrictModel):
    """Every key has a default; see the README's profile reference.

    ``policy``: Mozilla's ``intermediate`` (default), ``modern`` or ``old`` configuration, or the
    path of a custom policy JSON (sslyze's Mozilla-profile format); ``policy_file`` is the same as a
    path that is resolved relative to the profile file (preferred).

    ``min_dh_bits`` / ``min_ecdh_bits``: smallest ephemeral DH group and ECDH curve accepted
    (tls.key_exchange); ``early_data``: what an accepted TLS 1.3 0-RTT is (``advisory`` finding,
    ``fail``, or ``accept`` when the application refuses replayable early requests);
    ``require_ocsp_stapling``: a certificate naming an OCSP responder must come with a stapled
    response (else an advisory finding).
    """

    policy: str = "intermediate"
    policy_file: Path | None = None
    min_days_remaining: int = Field(default=30, ge=0)
    require_tls13: bool = False
    allow_cbc: bool = False
    min_rsa_bits: int = Field(default=2048, ge=512)
    min_ec_bits: int = Field(default=256, ge=160)
    min_dh_bits: int = Field(default=2048, ge=512)
    min_ecdh_bits: int = Field(default=224, ge=160)
    early_data: Literal["advisory", "fail", "accept"] = "advisory"
    require_ocsp_stapling: bool = False
    scan_timeout: Duration = 120.0
    connections_per_server: int = Field(default=10, ge=1, le=50)
    concurrent_servers: int = Field(default=10, ge=1, le=100)
    network_retries: int = Field(default=1, ge=0, le=5)

    @field_validator("policy")
    @classmethod
    def _policy(cls, value: str) -> str:
        if value in MOZILLA_POLICIES:
            return value
        if value.endswith(".json"):
            if not Path(value).expanduser().is_file():
                raise ValueError(
                    f"custom policy file {value!r} not found (use policy_file for a path relative to "
                    "the profile)"
                )
            return value
        raise ValueError(
            f"expected one of {', '.join(MOZILLA_POLICIES)} or a policy .json file; got {value!r}"
        )

    @model_validator(mode="after")
    def _policy_file_exists(self) -> TlsSettings:
        if self.policy_file is not None and not Path(self.policy_file).is_file():
            raise ValueError(f"policy_file {str(self.policy_file)!r} not found")
        return self

    @property
    def custom_policy_path(self) -> Path | None:
        """The custom policy JSON, if any (``policy_file`` wins over a path in ``policy``)."""
        if self.policy_file is not None:
            return Path(self.policy_file)
        if self.policy not in MOZILLA_POLICIES:
            return Path(self.policy).expanduser()
        return None

    @property
    def mozilla_name(self) -> str:
        """The Mozilla level that drives the protocol defaults (``intermediate`` for custom files)."""
        return self.policy if self.policy in MOZILLA_POLICIES else "intermediate"

    @property
    def wants_tls13(self) -> bool:
        return self.require_tls13 or self.mozilla_name == "modern"

    @property
    def wants_tls12(self) -> bool:
        return self.mozilla_name != "modern"
