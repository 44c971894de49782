"""Load checks: does the release hold its thresholds under load? (``-m load``, before releases).

One bounded locust run per target (started by the first threshold test of that target, in a
subprocess), judged by each threshold of ``checks.load.thresholds`` as its own test.
"""

from __future__ import annotations

import pytest

from golive.fixtures.load import attach_run
from golive.registry import check
from golive.rules import load as rules


@check("load.thresholds", over="load_thresholds")
def test_thresholds(load_threshold, profile, golive_config, load_runs, evidence):
    target, threshold = load_threshold
    guard = rules.production_guard(profile.is_production, profile.allow_load,
                                   bool(golive_config.getoption("allow_load")))
    if not guard.passed:
        pytest.skip(guard.about(target.name).message)
    run = load_runs(target)
    attach_run(run, evidence, load_runs.attached)
    assert run.ok, f"{target.name}: {run.error}"
    health = rules.generator_health(run.summary.get("generator"), profile.checks.load.generator_cpu_limit)
    if not health.passed:
        evidence.note(health.about(target.name).reason)
    verdict = rules.judge(threshold, run.summary, load_runs.baseline(target)).about(target.name)
    if verdict.details.get("baseline_missing"):
        evidence.note(verdict.reason)
    evidence.judge(verdict)
