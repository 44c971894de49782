"""Sealing the run spec between golive's master and its workers with a shared key.

Locust's master/worker channel is plain ZeroMQ: whoever reaches the master's port can join as a
worker and read what it is sent (the scenarios, their headers), and a worker runs the locustfile
source its master sends — so whoever can pose as the master can run code on the worker. With
``checks.load.worker_key`` on the master and the same key on the workers (``GOLIVE_WORKER_KEY``),
the spec travels sealed: Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under a key derived
from the shared secret with HKDF-SHA256 and a fresh salt per run. A worker without the key learns
nothing; a worker with a key opens only specs sealed with it and refuses anything else.

Pure module (``cryptography``, no locust): both sides and the tests use it.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

KEY_ENV = "GOLIVE_WORKER_KEY"
"""Where ``golive load-worker`` reads the shared key (an environment variable: nothing on disk)."""
MIN_KEY_LENGTH = 16
_INFO = b"golive load spec v1"


class SealError(ValueError):
    """A spec that cannot be opened: the message says why (no key, wrong key, not sealed)."""


def _fernet(key: str, salt: bytes) -> Any:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(payload: dict[str, Any], key: str) -> dict[str, str]:
    """``payload`` as a sealed message: ``{"sealed": <Fernet token>, "salt": <base64>}``."""
    salt = os.urandom(16)
    token = _fernet(key, salt).encrypt(json.dumps(payload).encode("utf-8"))
    return {"sealed": token.decode("ascii"), "salt": base64.b64encode(salt).decode("ascii")}


def open_payload(message: dict[str, Any], key: str | None) -> dict[str, Any]:
    """The payload of a ``golive_spec`` message, opened with ``key`` when sealed.

    A worker with a key accepts only sealed specs; one without a key only plain ones.
    """
    sealed = "sealed" in message
    if sealed and not key:
        raise SealError(f"the master's spec is sealed (checks.load.worker_key): start the worker with "
                        f"the same key in ${KEY_ENV}")
    if not sealed:
        if key:
            raise SealError(f"the master's spec is not sealed but this worker has a key (${KEY_ENV}): "
                            "set the same checks.load.worker_key in the profile")
        return message
    from cryptography.fernet import InvalidToken

    try:
        data = _fernet(str(key), base64.b64decode(message["salt"])).decrypt(message["sealed"].encode("ascii"))
    except (InvalidToken, ValueError, KeyError):
        raise SealError(f"wrong worker key: the master's spec does not open with this worker's ${KEY_ENV}") from None
    return json.loads(data)
