"""The locust user that sends a profile's scenarios (imported only inside the load subprocess).

``ProfileUser`` is a ``FastHttpUser`` (geventhttpclient: several times the req/s of the requests-
based ``HttpUser`` per generator core) whose weighted tasks are the profile's
``checks.load.scenarios``, read from the run spec (``golive.load.current_spec()``: the one a worker
received from its master, or the file the pytest side wrote for the master). The default
locustfile ``load/scenarios.py`` subclasses it; a user's own locustfile may do the same and add
flows of its own.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

from locust import FastHttpUser, between, constant

from golive.load import current_spec


def read_spec() -> dict[str, Any]:
    """The run spec of this process; empty outside a run."""
    return current_spec()


def ssl_context_factory(spec: dict[str, Any]) -> Callable[..., ssl.SSLContext]:
    """An SSL context that trusts the system store plus the profile's ``ca_bundle``.

    geventhttpclient calls the factory as ``factory(cafile=<certifi bundle>)``; the context also
    loads the system default paths and the target's extra CA, so an internal CA verifies. A worker
    on another machine gets the CA as PEM text (``ca_pem``) from the master, not a path.
    """
    import gevent.ssl

    extra = spec.get("ca_bundle")
    pem = spec.get("ca_pem")
    built: dict[str | None, ssl.SSLContext] = {}

    def factory(cafile: str | None = None) -> ssl.SSLContext:
        # One context per process, shared by every user's connections: loading the trust stores costs
        # tens of milliseconds of CPU, which each new user paid again during the ramp-up.
        if cafile not in built:
            context = gevent.ssl.create_default_context()
            if cafile:
                context.load_verify_locations(cafile=cafile)
            if extra:
                context.load_verify_locations(cafile=extra)
            if pem:
                context.load_verify_locations(cadata=pem)
            built[cafile] = context
        return built[cafile]

    return factory


def scenario_task(scenario: dict[str, Any]) -> Callable[[Any], None]:
    """A locust task sending one scenario's request; ``expect_status`` (when set) decides success."""
    method, path, name = scenario["method"], scenario["path"], scenario.get("name") or scenario["path"]
    headers = scenario.get("headers") or None
    body = scenario.get("body")
    json_body = scenario.get("json")
    expected = set(scenario.get("expect_status") or ())

    def send(user: Any) -> None:
        if not expected:
            user.client.request(method, path, name=name, headers=headers, data=body, json=json_body)
            return
        with user.client.request(method, path, name=name, headers=headers, data=body, json=json_body,
                                 catch_response=True) as response:
            if response.status_code in expected:
                response.success()
            else:
                response.failure(f"status {response.status_code}, expected {sorted(expected)}")

    send.__name__ = f"{method} {name}"
    return send


def configure(user_class: type, spec: dict[str, Any]) -> None:
    """Apply the run's TLS and timeouts to a FastHttpUser class the profile did not tune itself."""
    if not spec or not issubclass(user_class, FastHttpUser):
        return
    timeout = float(spec.get("request_timeout", 10.0))
    user_class.network_timeout = timeout
    user_class.connection_timeout = timeout
    if spec.get("verify_tls", True) and user_class.ssl_context_factory is None:
        user_class.insecure = False
        user_class.ssl_context_factory = staticmethod(ssl_context_factory(spec))


def _wait_time(spec: dict[str, Any]) -> Callable[..., float]:
    low, high = spec.get("wait_time", [0.0, 0.0])
    return constant(low) if low == high else between(low, high)


class ProfileUser(FastHttpUser):
    """Sends the profile's scenarios with their weights, waiting ``checks.load.wait_time`` between."""

    abstract = True
    _spec = read_spec()
    wait_time = _wait_time(_spec) if _spec else constant(0)
    tasks = {scenario_task(s): int(s.get("weight", 1)) for s in _spec.get("scenarios", [])} or []
