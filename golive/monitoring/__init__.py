"""The monitoring domain's one home: how golive reads the monitoring stack and what it observes.

- ``observations``: the typed observations the rules (``golive.rules.monitoring``) judge;
- ``api``: Prometheus, Alertmanager and Grafana HTTP APIs, one client per service, each request
  under a total deadline (``golive.deadline``);
- ``exposition``: Prometheus text exposition parsed with ``prometheus_client``'s parser;
- ``delivery``: the synthetic alert (post, confirm routing and delivery, resolve);
- ``watch``: the bounded post-deploy watch.

Nothing is imported here: the checks import the module they need (plugin start-up stays cheap).
"""
