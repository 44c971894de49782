"""Subject kind of the opt-in pre-deploy dump: only databases whose backup says ``pre_deploy: true``,
so ``backup.pre_deploy`` is not even collected otherwise."""

from __future__ import annotations

from golive.subjects import Subject, register_kind

register_kind("pre_deploy_backups", "database",
              lambda p: [Subject(d.name, d, tuple(d.roles)) for d in p.databases
                         if d.backup is not None and d.backup.pre_deploy])
