"""golive's pytest entry point: its command-line options, and the switch that turns golive on.

Installed golive registers this module in every pytest run of its environment (the ``pytest11``
entry point), so it must cost and change nothing for runs that do not ask for golive: it imports
nothing heavy, registers only options whose names no dependency's plugin uses (locust's plugin
claims ``--host``, testinfra's ``--hosts``/``--connection``/``--sudo``..., hence the ``golive-``
prefix on the subject filters), and loads the real plugin (``golive.plugin``: fixtures, hooks,
sign-off) only when the run asks for golive — ``--profile`` or ``$GOLIVE_PROFILE``.

A golive run must not depend on pytest finding golive's ini file either: ``pytest --profile
/srv/deploy/staging.yaml`` makes pytest's first argument pass take the path for a test path and
pick a rootdir from it, so golive's ``addopts`` are never read. Here golive does itself what those
addopts did (no cache files next to the profile, locust's pytest plugin out of the run) and runs
its bundled checks when no test path was named.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

PROFILE_ENV = "GOLIVE_PROFILE"
PLUGIN = "golive.plugin"
SUBJECT_FILTERS = {"golive_targets": "targets", "golive_hosts": "hosts", "golive_databases": "databases"}
"""Option dest → the kind of subject it narrows (``--golive-target`` narrows ``targets``...)."""
SUBJECT_LISTS = {"targets": ("targets", "tls_endpoints"), "hosts": ("hosts",), "databases": ("databases",)}
"""A kind of subject → the profile lists that hold it (a non-HTTP TLS endpoint is a target too)."""

MARKERS = {
    "prereq": "host prerequisites (testinfra)",
    "security": "security audit: headers + tls + exposure",
    "headers": "HTTP security headers",
    "tls": "TLS certificate, protocols, ciphers (sslyze)",
    "http": "HTTP behaviour: HTTPS redirect, exposed files",
    "smoke": "post-deploy smoke requests",
    "monitoring": "Prometheus / Alertmanager / Grafana probes",
    "load": "load thresholds (locust)",
    "backup": "backup freshness, integrity and restore drill",
    "critical": "critical-path items (the seeds' warning-sign items)",
    "manual": "manual items, attested in the profile",
    "intrusive": "probes that send bursts or unusual requests",
    "golive_check(id)": "set by golive's @check decorator: the checklist id",
}
"""golive's markers; registered in every run (cheap, and the checks carry them even when a run
collects them without a profile, which must end in golive's usage error, not an unknown-marker one)."""

_INERT_IN_GOLIVE_RUNS = ("cacheprovider", "stepwise", "locust")
"""Plugins a golive run blocks: the cache would write .pytest_cache next to the profile when no ini
is found; locust's pytest plugin (installed with locust) adds fixtures and a ``--host`` option the
checks never use."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive", "golive production readiness checks")
    group.addoption("--profile", dest="golive_profile", default=None, metavar="NAME|PATH",
                    help=f"profile to check: a name in ./profiles or a YAML path anywhere (env {PROFILE_ENV}); "
                         "turns golive on")
    group.addoption("--report-dir", dest="golive_report_dir", default=None, metavar="DIR",
                    help="where allure-results, junit.xml and signoff.json/md go (default: ./reports)")
    group.addoption("--allow-load", dest="allow_load", action="store_true", default=False,
                    help="allow load tests against a production profile (which must also say allow_load: true)")
    group.addoption("--golive-target", dest="golive_targets", action="append", default=[], metavar="NAME",
                    help="only check this target (repeatable); with any --golive-* filter, kinds not named "
                         "run no checks")
    group.addoption("--golive-host", dest="golive_hosts", action="append", default=[], metavar="NAME",
                    help="only check this host (repeatable)")
    group.addoption("--golive-database", dest="golive_databases", action="append", default=[], metavar="NAME",
                    help="only check this database (repeatable)")
    group.addoption("--release", dest="golive_release", default=None, metavar="ID",
                    help="the release this run verifies (else the profile's release, else env GOLIVE_RELEASE); "
                         "attestations bound to another release do not count")


def asked(options: Any) -> bool:
    """Whether this run asks for golive: ``--profile`` given or ``$GOLIVE_PROFILE`` set."""
    return bool(getattr(options, "golive_profile", None) or os.environ.get(PROFILE_ENV))


def runs_checks(config: pytest.Config) -> bool:
    """Whether this invocation runs checks (not --collect-only, --help, --markers, --fixtures...)."""
    return not any(getattr(config.option, name, False) for name in
                   ("collectonly", "help", "markers", "showfixtures", "show_fixtures_per_test", "setupplan"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Before conftests and ``pytest_configure``: block what golive's ini would have blocked."""
    options = early_config.known_args_namespace
    if not asked(options):
        return
    from golive import startup_gc

    startup_gc.hold(early_config)  # released when collection ends (golive.plugin)
    for name in _INERT_IN_GOLIVE_RUNS:
        early_config.pluginmanager.set_blocked(name)
    if early_config.inipath is None and not options.rootdir and not options.file_or_dir:
        # No ini found and no test path named: pytest chose its rootdir from a misread argument
        # (the profile's path). golive will run its bundled checks, so root the run where they
        # live: node ids then read checks/test_tls.py::..., wherever the profile is.
        from golive.paths import checks_dir, checks_rootdir

        root = checks_rootdir()
        early_config._rootpath = root  # pytest has no public setter; pinned by tests/test_adoption.py
        early_config._parser.extra_info["rootdir"] = str(root)
        options.confcutdir = str(checks_dir())  # this module is loaded already: no conftest above


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Load golive's plugin for golive runs; leave every other run exactly as it was."""
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if not asked(config.option):
        return
    if config.args_source == pytest.Config.ArgsSource.INVOCATION_DIR:
        # no test path named and no testpaths from an ini: run golive's bundled checks, not the
        # current directory (which may hold anything, or another project's tests)
        from golive.paths import checks_dir

        config.args = [str(checks_dir())]
    if not config.pluginmanager.has_plugin(PLUGIN):
        from golive.tls import early

        early.spawn_if_wanted(config, runs_checks(config))  # first: it warms up while the plugin loads
        config.pluginmanager.import_plugin(PLUGIN)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """golive checks collected without a profile: a usage error, not a run of checks with no subjects."""
    if asked(config.option) or config.pluginmanager.has_plugin(PLUGIN):
        return
    checks = [item for item in items if item.get_closest_marker("golive_check") is not None]
    if checks:
        raise pytest.UsageError(
            f"golive: {len(checks)} golive checks collected but no profile given: "
            f"pass --profile NAME|PATH or set {PROFILE_ENV}"
        )
