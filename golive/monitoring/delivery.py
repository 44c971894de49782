"""The synthetic alert: does an alert really reach its receiver?

golive posts one alert to Alertmanager (``alertname=GoliveSyntheticAlert``, ``golive_test="true"``,
a ``golive_run`` id of its own, plus the profile's labels so that the route matches), then, for at
most ``wait`` seconds, reads back which receivers Alertmanager's routing chose for it
(``/api/v2/alerts``: routing proven) and Alertmanager's own counters for the integration on
``/metrics``: per attempt ``alertmanager_notification_requests_total`` / ``_failed_total``
(Alertmanager ≥ 0.25: a request that succeeded, or failed), else ``alertmanager_notifications_total``
/ ``_failed_total`` (older: a failure is only counted once the retries give up, so a failing
integration can look delivered until then; the verdict says which counters it read). Finally it
resolves the alert (``endsAt`` now), so nobody keeps a synthetic alert firing. The counters are per
integration, not per alert: another notification of the same integration during the wait counts
too (the routing check keeps that honest).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from golive.monitoring.api import Alertmanager
from golive.monitoring.exposition import ExpositionError, counter_sum
from golive.monitoring.observations import Delivery
from golive.settings.monitoring import AlertDelivery

ALERTNAME = "GoliveSyntheticAlert"
COUNTERS = (
    ("alertmanager_notification_requests_total", "alertmanager_notification_requests_failed_total"),
    ("alertmanager_notifications_total", "alertmanager_notifications_failed_total"),
)
"""Per-attempt counters (Alertmanager ≥ 0.25) first, the per-notification ones otherwise."""


def _counters(am: Alertmanager, integration: str | None) -> tuple[float | None, float | None, str]:
    """(attempts, failures, counter name) for the integration; (None, None, "") when unreadable."""
    def match(labels: dict[str, str]) -> bool:
        return integration is None or labels.get("integration") == integration

    try:
        text = am.metrics_text()
    except ExpositionError:
        return None, None, ""
    for total, failed in COUNTERS:
        attempts = counter_sum(text, total, match)
        if attempts is not None:
            return attempts, counter_sum(text, failed, match) or 0.0, total
    return 0.0, 0.0, COUNTERS[-1][0]


def _alert(labels: dict[str, str], starts: datetime, ends: datetime) -> list[dict[str, object]]:
    return [{
        "labels": labels,
        "annotations": {"summary": "golive synthetic alert: a delivery test of the go-live gate",
                        "description": "Posted by golive to prove the route and the receiver work; "
                                       "it resolves itself. No action needed."},
        "startsAt": starts.isoformat(), "endsAt": ends.isoformat(),
    }]


def deliver(am: Alertmanager, spec: AlertDelivery, run_id: str, poll: float = 1.0,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Post the synthetic alert, watch routing and counters for ``spec.wait`` seconds, resolve it."""
    labels = {**spec.labels, "alertname": ALERTNAME, "golive_test": "true", "golive_run": run_id}
    sent_before, failed_before, counter = _counters(am, spec.integration)
    now = datetime.now(UTC)
    answer = am.post("/api/v2/alerts", _alert(labels, now, now + timedelta(seconds=spec.wait + 120)))
    if answer.status != 200:
        return Delivery(ALERTNAME, False, (), sent_before, None, failed_before, None, 0.0,
                        f"POST /api/v2/alerts answered {answer.status}: {answer.text[:160]}", counter)
    start = clock()
    receivers: tuple[str, ...] = ()
    sent_after, failed_after = sent_before, failed_before
    try:
        while True:
            found = am.alerts([f'golive_run="{run_id}"'])
            receivers = tuple(sorted({r.get("name", "") for a in found for r in a.get("receivers") or []})) or receivers
            sent_after, failed_after, counter = _counters(am, spec.integration)
            attempts = (sent_after or 0) - (sent_before or 0)
            failures = (failed_after or 0) - (failed_before or 0)
            if attempts > failures or (failures and spec.receiver in receivers):
                break  # a notification went out (or the integration failed): judge it
            if clock() - start >= spec.wait:
                break
            sleep(min(poll, max(0.0, spec.wait - (clock() - start))))
    finally:
        ended = datetime.now(UTC)
        am.post("/api/v2/alerts", _alert(labels, now, ended))  # resolved: never left firing
    return Delivery(ALERTNAME, True, receivers, sent_before, sent_after, failed_before, failed_after,
                    clock() - start, "", counter)
