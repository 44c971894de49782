"""A load process made ready for a spec: the spec activated, the target's ``resolve`` installed, and
the user classes loaded — for the master (from the locustfile's path) and for a worker (from the
source the master sent): the same classes, under the same names, on both sides.

Locust's master dispatches users to workers by class name, so both sides must agree. Imported only
inside load processes (it imports locust, which gevent-patches the interpreter).
"""

from __future__ import annotations

import socket
import sys
import types
from typing import Any

from golive.load import activate


def from_spec(spec: dict[str, Any]) -> list[type]:
    """The master's (or a local run's) classes: the profile's ``locustfile``, or golive's scenarios user."""
    from locust.util.load_locustfile import load_locustfile

    _activate(spec)
    path = spec.get("locustfile")
    if path:
        found, _shapes = load_locustfile(path)
        classes = list(found.values())
        if not classes:
            raise RuntimeError(f"no locust User class in {path}")
    else:
        classes = [_scenarios_user()]
    return _configured(classes, spec)


def from_source(spec: dict[str, Any], locustfile: dict[str, str] | None) -> list[type]:
    """A worker's classes: the locustfile source the master sent, executed in memory (never written).

    A locustfile that imports modules of its own needs them installed on the worker's machine;
    golive's own (``golive.load.users``) is there, since the worker is golive.
    """
    from locust.util.load_locustfile import is_user_class

    _activate(spec)
    if locustfile is None:
        return _configured([_scenarios_user()], spec)
    name = locustfile["name"]
    module_name = name.removesuffix(".py") if name != "locust.py" else "locustfile"
    module = types.ModuleType(module_name)
    module.__file__ = f"<golive master>/{name}"
    sys.modules[module_name] = module
    exec(compile(locustfile["source"], module.__file__, "exec"), module.__dict__)
    classes = [value for value in vars(module).values() if is_user_class(value)]
    if not classes:
        raise RuntimeError(f"no locust User class in {name}")
    return _configured(classes, spec)


def install_resolve(hostname: str, address: str) -> None:
    """Connect to ``address`` whenever the target's ``hostname`` is looked up, in this process only
    (like ``curl --resolve``: URL, Host header, SNI and certificate check keep the real name)."""
    import gevent.socket

    original = gevent.socket.getaddrinfo
    wanted = hostname.lower()

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower().rstrip(".") == wanted:
            host = address
        return original(host, *args, **kwargs)

    gevent.socket.getaddrinfo = getaddrinfo
    socket.getaddrinfo = getaddrinfo


def _activate(spec: dict[str, Any]) -> None:
    activate(spec)
    if spec.get("resolve") and spec.get("hostname"):
        install_resolve(spec["hostname"], spec["resolve"])


def _scenarios_user() -> type:
    from golive.load import users

    return type("ProfileScenarios", (users.ProfileUser,), {"abstract": False})


def _configured(classes: list[type], spec: dict[str, Any]) -> list[type]:
    from golive.load import users

    for cls in classes:
        users.configure(cls, spec)
    return classes
