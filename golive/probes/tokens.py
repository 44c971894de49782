"""Forged credentials for ``smoke.auth_probes``, crafted with PyJWT (no base64 splicing).

Each probe is one request with one forged credential: none at all, a string that is no JWT, a JWT
that expired an hour ago, one signed with a key the service never saw, and an unsigned one
(``alg: none``, the classic verification bypass). When the profile gives the real signing key, the
expired token is signed with it (so only its expiry is wrong) and a fresh valid token is sent as a
control: it must be accepted, proving that the probes reach the token check at all.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.settings.smoke import AuthProbe

MALFORMED = "golive-probe.not-a.jwt"
LIFETIME = 300
"""Seconds the control token and the forged live tokens claim to be valid."""


@dataclass(frozen=True)
class Credential:
    """One probe: its name, what it is (for messages), and the header value (None: no header)."""

    probe: str
    what: str
    value: str | None
    control: bool = False


def _other_key(algorithm: str) -> Any:
    """A signing key nobody else has, of the algorithm's kind."""
    if algorithm.startswith("HS"):
        return secrets.token_bytes(64)
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if algorithm.startswith("RS"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _real_key(spec: AuthProbe) -> Any:
    if spec.key is not None:
        return spec.key
    if spec.key_file is not None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return load_pem_private_key(Path(spec.key_file).read_bytes(), password=None)
    return None


def credentials(spec: AuthProbe, now: float | None = None) -> list[Credential]:
    """The probes of ``spec`` in order, then the control when golive holds the real key."""
    import jwt

    moment = int(now if now is not None else time.time())
    live = {**spec.claims, "iat": moment, "exp": moment + LIFETIME}
    expired = {**spec.claims, "iat": moment - 7200, "exp": moment - 3600}
    real = _real_key(spec)

    def header(token: str) -> str:
        return f"{spec.scheme} {token}" if spec.scheme else token

    found: list[Credential] = []
    for probe in spec.probes:
        if probe == "no_token":
            found.append(Credential(probe, "no token", None))
        elif probe == "malformed":
            found.append(Credential(probe, "a malformed token", header(MALFORMED)))
        elif probe == "expired" and real is not None:
            found.append(Credential(probe, "an expired JWT signed with the real key",
                                    header(jwt.encode(expired, real, algorithm=spec.algorithm))))
        elif probe == "wrong_key":
            found.append(Credential(probe, "a JWT signed with another key",
                                    header(jwt.encode(live, _other_key(spec.algorithm), algorithm=spec.algorithm))))
        elif probe == "alg_none":
            found.append(Credential(probe, "an alg:none JWT", header(jwt.encode(live, None, algorithm="none"))))
    if real is not None:
        found.append(Credential("control", "a valid JWT (control)",
                                header(jwt.encode(live, real, algorithm=spec.algorithm)), control=True))
    return found


def skipped(spec: AuthProbe) -> list[str]:
    """Probes that cannot run with what the profile gives (said in the verdict, never passed over)."""
    if "expired" in spec.probes and not spec.signs:
        return ["expired (needs key or key_file to sign an expired token with the real key)"]
    return []
