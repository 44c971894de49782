"""The default locustfile of golive's load checks, and the template to copy for your own.

golive runs it with locust as a library (``python -m golive.load.run``, never the locust CLI):
``WebsiteUser`` sends the profile's ``checks.load.scenarios`` (default: GET the smoke health path)
with their weights, against the target under test, with the profile's TLS trust (``ca_bundle``),
address override (``resolve``) and timeouts already applied.

To write your own: copy this file, keep ``ProfileUser`` as the base class (or any
``FastHttpUser``; its ``host`` is set to the target's URL), add ``@task`` methods for your flows,
and point the profile at it with ``checks.load.locustfile: path/to/locustfile.py`` (relative to
the profile). Requests are judged by name in per-scenario thresholds:
``"POST /api/login: p95 < 300ms"``.
"""

from __future__ import annotations

from golive.load.users import ProfileUser


class WebsiteUser(ProfileUser):
    """The profile's scenarios, unchanged. Example of a flow of your own::

        @task(2)
        def browse(self):
            self.client.get("/api/items?page=1", name="/api/items")
    """
