"""A Redis server's effective configuration, read through redis-py (TLS, ACL, Sentinel included).

Two connections, each with the profile's timeout: one *without* credentials (does the server
refuse anonymous commands?) and one with the URL's credentials for ``INFO server`` (version),
``CONFIG GET`` of the settings judged and, when asked, ``ACL LIST``. ``rediss://`` URLs use TLS,
verified against the system trust store or the profile's ``ca_bundle``. Sentinels are asked
``SENTINEL MASTER`` and ``SENTINEL CKQUORUM`` (the command Redis documents for "can this master
fail over"). Passwords come from the profile's URLs and are only ever sent to the server: messages
name ``redis://host:port`` without credentials.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from golive.prereq.observations import RedisObs, SentinelObs
from golive.settings import prerequisites as s

CONFIG_KEYS = ("appendonly", "save", "maxmemory", "maxmemory-policy", "protected-mode")


class RedisError(Exception):
    """Unreachable Redis or an unexpected answer; ``unreachable`` for connection failures.
    ``about(subject)`` puts the subject's name in front (the plugin then shows the sentence as is)."""

    def __init__(self, message: str, unreachable: bool = False, subject: str = "") -> None:
        super().__init__(f"{subject}: {message}" if subject else message)
        self.unreachable = unreachable
        self.subject = subject
        self.reason = message

    def about(self, subject: str) -> RedisError:
        return RedisError(self.reason, self.unreachable, subject)


def redacted_url(url: str) -> str:
    """``redis://host:port`` without the credentials (for messages)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (26379 if 'sentinel' in parts.scheme else 6379)}"


def _client(url: str, timeout: float, ca_bundle: str | None, anonymous: bool = False) -> Any:
    import redis

    options: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout,
                               "retry_on_timeout": False, "decode_responses": True}
    parts = urlsplit(url)
    if parts.scheme == "rediss":
        options["ssl_cert_reqs"] = "required"
        if ca_bundle:
            options["ssl_ca_certs"] = ca_bundle
    if anonymous:
        return redis.Redis(host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
                           ssl=parts.scheme == "rediss", **options)
    return redis.Redis.from_url(url, **options)


def _words(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _anonymous_allowed(url: str, timeout: float, ca_bundle: str | None) -> bool:
    import redis

    client = _client(url, timeout, ca_bundle, anonymous=True)
    try:
        client.ping()
        return True
    except (redis.AuthenticationError, redis.ResponseError):
        return False  # NOAUTH / "Authentication required": the server refuses anonymous commands
    except redis.ConnectionError as exc:
        raise RedisError(f"redis {redacted_url(url)} unreachable: {_words(exc)}", True) from None
    finally:
        client.close()


def _acl_users(client: Any) -> dict[str, tuple[str, ...]]:
    """``ACL LIST``: ``user default on nopass ~* &* +@all`` → ``{"default": ("on", "nopass", …)}``."""
    users: dict[str, tuple[str, ...]] = {}
    for line in client.execute_command("ACL", "LIST"):
        words = str(line).split()
        if len(words) >= 2 and words[0] == "user":
            users[words[1]] = tuple(w for w in words[2:] if not w.startswith((">", "#")))  # never the hashes
    return users


def _sentinel(url: str, master: str, timeout: float, ca_bundle: str | None) -> SentinelObs:
    import redis

    shown = redacted_url(url)
    client = _client(url, timeout, ca_bundle)
    try:
        info = client.sentinel_master(master)
        try:
            client.execute_command("SENTINEL", "CKQUORUM", master)
            ckquorum, quorum_ok = "OK", True
        except redis.ResponseError as exc:
            ckquorum, quorum_ok = _words(exc), False
        flags = str(info.get("flags", "")) if isinstance(info, dict) else ""
        others = info.get("num-other-sentinels") if isinstance(info, dict) else None
        quorum = info.get("quorum") if isinstance(info, dict) else None
        return SentinelObs(shown, True, flags, None if others is None else int(others) + 1,
                           None if quorum is None else int(quorum), ckquorum, quorum_ok)
    except redis.ResponseError as exc:
        return SentinelObs(shown, False, error=_words(exc))
    except redis.RedisError as exc:
        return SentinelObs(shown, False, error=f"unreachable: {_words(exc)}")
    finally:
        client.close()


def observe(spec: s.Redis, timeout: float) -> RedisObs:
    """Anonymous PING, then (authenticated) version, CONFIG values, ACL users and the sentinels."""
    import redis

    url = spec.url
    anonymous = _anonymous_allowed(url, timeout, spec.ca_bundle)
    client = _client(url, timeout, spec.ca_bundle)
    try:
        version = str(client.info("server").get("redis_version", "")) or None
        config: dict[str, str] = {}
        for key in CONFIG_KEYS:
            config.update({str(k): str(v) for k, v in client.config_get(key).items()})
        acl = _acl_users(client) if spec.acl is not None else None
    except redis.AuthenticationError as exc:
        raise RedisError(f"redis {redacted_url(url)}: authentication refused ({_words(exc)})") from None
    except redis.ConnectionError as exc:
        raise RedisError(f"redis {redacted_url(url)} unreachable: {_words(exc)}", True) from None
    except redis.ResponseError as exc:
        raise RedisError(f"redis {redacted_url(url)}: {_words(exc)}") from None
    finally:
        client.close()
    sentinels: tuple[SentinelObs, ...] = ()
    if spec.sentinel is not None:
        sentinels = tuple(_sentinel(u, spec.sentinel.master, timeout, spec.ca_bundle) for u in spec.sentinel.urls)
    return RedisObs(anonymous, config, version, urlsplit(url).scheme == "rediss", acl, sentinels)
