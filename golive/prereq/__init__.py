"""The prerequisite domain's one home: how golive reaches a host and what it observes there.

- ``connection``: one testinfra backend per host (ssh ControlMaster, reachability cached);
- ``observations``: the typed observations the rules (``golive.rules.prereq``) judge;
- ``facts``: host observations through testinfra's modules;
- ``redis_facts`` / ``pg_facts``: a Redis server's and a PostgreSQL database's settings.

Nothing is imported here: the checks import the module they need (plugin start-up stays cheap).
"""
