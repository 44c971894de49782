"""Load testing with locust, kept out of the pytest process.

Importing locust monkey-patches the whole interpreter with gevent, which breaks sslyze's threads,
httpx and xdist; so the pytest side (``golive.load.runner``, ``golive.load.baseline``,
``golive.load.thresholds``) never imports it, and the run itself happens in a subprocess
(``python -m golive.load.run``) that uses locust as a library and writes a JSON summary built from
locust's stats objects. Nothing here imports locust at module level.
"""

SPEC_ENV = "GOLIVE_LOAD_SPEC"
"""Environment variable naming the run spec (JSON) inside the load subprocess and its workers."""
