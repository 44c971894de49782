"""Load checks: does the release hold its thresholds under load? (``-m load``, before releases).

One bounded locust run per target (started in the set-up of the first threshold test of that
target, in a subprocess; on this machine, or by a master with workers on other machines), judged by
each threshold of ``checks.load.thresholds`` as its own test.
"""

from __future__ import annotations

from golive.registry import check
from golive.rules import load as rules


@check("load.thresholds", over="load_thresholds")
def test_thresholds(load_threshold, load_run, load_runs, profile, evidence):
    target, threshold = load_threshold
    generator = load_run.summary.get("generator")
    health = rules.generator_health(generator, profile.checks.load.generator_cpu_limit)
    if not health.passed:
        evidence.note(health.about(target.name).reason)
    for note in rules.lost_workers(generator):
        evidence.note(f"{target.name}: {note}")
    verdict = rules.judge(threshold, load_run.summary, load_runs.baseline(target)).about(target.name)
    if verdict.details.get("baseline_missing"):
        evidence.note(verdict.reason)
    evidence.judge(verdict)
