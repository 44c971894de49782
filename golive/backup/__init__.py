"""The backup restore drill: find the newest backup, read it to its end, restore it into a scratch
database on a scratch server, and compare the copy with the source.

One small module per job: ``locate`` (where the backups are, local or through testinfra),
``formats`` (what a file is, which pg_dump wrote it), ``binaries`` (which PostgreSQL installation
can read it), ``integrity`` (read every data block), ``scratch`` (the throw-away server and
databases), ``restore``, ``snapshot`` (what a database holds, read-only), ``drill`` (the
per-session cache the checks share) and ``predeploy`` (a fresh dump before a deploy). Judging is
in ``golive.rules.backup``.
"""
