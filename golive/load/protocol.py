"""What golive's master and workers say to each other, on top of locust's own master/worker protocol.

Locust's messages (``client_ready``, ``spawn``, ``heartbeat``, ``stats``, ``stop``, ``quit``) do the
load; golive adds custom messages (``runner.register_message`` / ``send_message``) so that a worker
needs nothing but golive on its machine:

- master → worker ``golive_spec`` (:data:`SPEC`), sent as soon as the worker connects: the run
  spec (scenarios, TLS trust as PEM text, timeouts, ``resolve``) and the locustfile's source —
  sealed with ``checks.load.worker_key`` when the profile sets one (``golive.load.seal``). The
  worker keeps both in memory: no profile on its machine, no secret written to its disk.
- worker → master ``golive_ready`` (:data:`READY`): the user classes loaded, with the worker's
  name, host, pid and CPU count; or ``golive_refused`` (:data:`REFUSED`) with the reason (a
  locustfile that does not import there) — the master then counts it out and tells it to quit.
- master → worker ``golive_stop_now`` (:data:`STOP_NOW`) before locust's ``quit`` when golive is
  interrupted: stop users at once instead of letting their current task finish.
- worker → master, inside locust's own ``stats`` report: :data:`FINAL` marks the report sent after
  the worker's users stopped, so an interrupted master waits for exactly those, not a fixed time.

Pure module (no locust import): the payload is built from the spec the pytest side wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SPEC = "golive_spec"
READY = "golive_ready"
REFUSED = "golive_refused"
STOP_NOW = "golive_stop_now"
FINAL = "golive_final"
"""Key a worker adds to locust's stats report: true on the report sent after its users stopped."""

WORKER_KEYS = ("target", "host", "hostname", "resolve", "verify_tls", "request_timeout", "wait_time",
               "scenarios")
"""The parts of the run spec a worker needs; the rest (bounds, thresholds, paths) stays with the master."""


def worker_payload(spec: dict[str, Any]) -> dict[str, Any]:
    """The ``golive_spec`` message: what a worker on any machine needs to run this spec's users.

    Files named by the spec live on the master's machine, so their contents travel instead: the
    locustfile's source and the ``ca_bundle`` as PEM text.
    """
    run = {key: spec.get(key) for key in WORKER_KEYS}
    ca_bundle = spec.get("ca_bundle")
    run["ca_pem"] = Path(ca_bundle).read_text(encoding="utf-8") if ca_bundle else None
    locustfile = spec.get("locustfile")
    source = None
    if locustfile:
        path = Path(locustfile)
        source = {"name": path.name, "source": path.read_text(encoding="utf-8")}
    return {"spec": run, "locustfile": source}
