"""Pure rules for scheduled jobs (``prereq.cron``) and log rotation (``prereq.logrotate``).

Inputs are ``golive.prereq.observations.CronEntry`` / ``RotationRule`` lists (from crontabs and
timers, from logrotate/newsyslog/app configs); every failing part names the job or log, what was
found (with its source file) and what the profile asks.
"""

from __future__ import annotations

import fnmatch
import re

from golive.prereq.observations import CronEntry, RotationRule
from golive.prereq.schedule import normalize
from golive.settings import prerequisites as s
from golive.sizes import format_size
from golive.verdict import Verdict, combine, fail, ok

_RANK = {"hourly": 0, "daily": 1, "weekly": 2, "monthly": 3, "yearly": 4}


def _job_label(job: s.CronJob) -> str:
    return f"{job.name} job" if job.name else f"job /{job.command}/"


def cron(entries: list[CronEntry], wanted: list[s.CronJob], unreadable: list[str] | None = None) -> Verdict:
    """Each wanted job: a scheduled command matching its regex, with its schedule and user when given."""
    unreadable = unreadable or []
    parts: list[Verdict] = []
    found_lines: list[str] = []
    sources = sorted({e.source for e in entries})
    blind = f"; unreadable: {', '.join(unreadable)}" if unreadable else ""
    for job in wanted:
        regex = re.compile(job.command)
        matching = [e for e in entries if regex.search(e.command)]
        label = _job_label(job)
        if not matching:
            parts.append(fail("cron-missing", f"no scheduled {label} ({len(entries)} job(s) in "
                              f"{', '.join(sources) or 'no crontab'}{blind})", f"{len(entries)} job(s), none matching",
                              f"a job matching /{job.command}/"))
            continue
        if job.schedule:
            want = normalize(job.schedule)
            if not any(normalize(e.schedule) == want for e in matching):
                seen = ", ".join(f"{e.schedule} in {e.source}" for e in matching[:3])
                parts.append(fail("cron-schedule", f"{label} scheduled {seen}", "; ".join(e.schedule for e in matching),
                                  f"schedule {job.schedule}"))
                continue
        if job.user and not any(e.user == job.user for e in matching):
            seen = ", ".join(f"{e.user or '?'} ({e.source})" for e in matching[:3])
            parts.append(fail("cron-user", f"{label} runs as {seen}", ", ".join(e.user or "?" for e in matching),
                              f"user {job.user}"))
            continue
        best = matching[0]
        found_lines.append(f"{label}: {best.schedule} as {best.user or '?'} in {best.source}")
    return combine("cron", parts, "scheduled: " + "; ".join(found_lines))


def _covers(rule: RotationRule, path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, p) or path == p or fnmatch.fnmatchcase(p, path) for p in rule.patterns)


def _rule_parts(path: str, rule: RotationRule, wanted: s.Logrotate) -> list[Verdict]:
    """One sentence per log: every parameter that falls short, with what the profile wants."""
    found: list[str] = []
    wants: list[str] = []
    if wanted.frequency:
        if rule.frequency is None:
            found.append(f"rotates by size at {format_size(rule.size)}" if rule.size else "has no frequency")
            wants.append(f"{wanted.frequency} or more often")
        elif _RANK[rule.frequency] > _RANK[wanted.frequency]:
            found.append(f"rotates {rule.frequency}")
            wants.append(f"{wanted.frequency} or more often")
    if wanted.min_rotate is not None and (rule.rotate or 0) < wanted.min_rotate:
        found.append(f"keeps {rule.rotate or 0} old file(s)")
        wants.append(f"rotate ≥ {wanted.min_rotate}")
    if wanted.compress and not rule.compress:
        found.append("does not compress")
        wants.append("compress")
    if wanted.create_max_mode is not None:
        limit = int(wanted.create_max_mode, 8)
        if rule.create_mode is None:
            found.append("sets no mode for the new file")
            wants.append(f"create {wanted.create_max_mode} (or stricter)")
        elif rule.create_mode & ~limit & 0o7777:
            found.append(f"creates the new file {rule.create_mode:o}")
            wants.append(f"create ≤ {wanted.create_max_mode}")
    if not found:
        return []
    return [fail("rotate-parameters", f"{path} ({rule.mechanism} {rule.source}) " + ", ".join(found),
                 None, ", ".join(wants))]


def logrotate(rules: list[RotationRule], wanted: s.Logrotate, problems: list[str] | None = None) -> Verdict:
    """Each wanted log is covered by a rotation rule with the parameters asked for; each app config
    bounds its files (count and size)."""
    parts: list[Verdict] = []
    file_rules = [r for r in rules if r.mechanism != "app config"]
    covered: list[str] = []
    for path in wanted.paths:
        rule = next((r for r in file_rules if _covers(r, path)), None)
        if rule is None:
            mechanisms = sorted({r.mechanism for r in file_rules}) or ["logrotate"]
            parts.append(fail("logrotate-uncovered", f"log file {path} not covered by "
                              f"{'/'.join(mechanisms)}", f"{len(file_rules)} rule(s), none covering it",
                              f"a {'/'.join(mechanisms)} rule for {path}"))
            continue
        parts += _rule_parts(path, rule, wanted)
        covered.append(f"{path} ({rule.frequency or 'by size'}, rotate {rule.rotate}"
                       f"{', compress' if rule.compress else ''})")
    for problem in problems or []:
        parts.append(fail("app-log-config", problem, "unreadable", "the app's log limits"))
    for rule in (r for r in rules if r.mechanism == "app config"):
        key = rule.patterns[0]
        if rule.rotate is None or rule.rotate < 1:
            parts.append(fail("app-log-files", f"{rule.source}: {key} missing or not a positive number",
                              str(rule.rotate), "a number of log files ≥ 1"))
        elif wanted.min_rotate is not None and rule.rotate < wanted.min_rotate:
            parts.append(fail("app-log-files", f"{rule.source}: {key} = {rule.rotate}", str(rule.rotate),
                              f"≥ {wanted.min_rotate}"))
        covered.append(f"{rule.source} ({rule.rotate} files{', ' + format_size(rule.size) if rule.size else ''})")
    for spec in wanted.app_configs:
        if spec.max_size_key:
            rule = next((r for r in rules if r.mechanism == "app config" and r.source.endswith(spec.path)), None)
            if rule is not None and not rule.size:
                parts.append(fail("app-log-size", f"{rule.source}: {spec.max_size_key} missing or not a size",
                                  "unset", "a maximum log file size"))
    if not parts:
        return ok("logrotate-ok", "logs rotated as required: " + "; ".join(covered))
    return combine("logrotate", parts, "")
