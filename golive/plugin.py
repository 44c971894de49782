"""golive's pytest plugin: hooks only; each delegates to the module that owns the logic.

Loaded by ``golive.activation`` (the pytest entry point, which owns the options) only for runs that
ask for golive, so that none of this touches another project's pytest run.

- ``pytest_configure``: load and validate the profile once (exit 4 on errors), stash it, set up the
  report directory and allure output, and register the domain fixture modules.
- ``pytest_generate_tests``: parametrize every ``@check`` over its subjects.
- ``pytest_collection_modifyitems``: drop checks without subjects (not applicable, no noise).
- ``pytest_runtest_makereport``: record id, subject, outcome, message and evidence in
  ``user_properties`` (xdist carries them to the controller); apply waivers.
- ``pytest_runtest_logreport`` (controller): collect outcomes.
- ``pytest_sessionfinish`` / ``pytest_terminal_summary`` (controller): sign-off and summary.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from golive import evidence_labels, lifecycle, observe_plugin, startup_gc
from golive import outcomes as outcome_rules
from golive.activation import PROFILE_ENV, SUBJECT_FILTERS, SUBJECT_LISTS, runs_checks
from golive.evidence import USER_PROPERTY, Evidence
from golive.profile import Profile, ProfileError
from golive.profile_load import load_profile
from golive.redact import Redactor
from golive.registry import spec_of
from golive.reports import ShortReports, index_teardown_reports
from golive.stash import CHECK_ID, REDACTOR, REPORT_DIR, SHOWN_PARAMETERS, SUBJECT
from golive.status import Status
from golive.subjects import subjects_for

PROFILE = pytest.StashKey[Profile | None]()
RECORDER = pytest.StashKey["outcome_rules.Recorder"]()
NOT_APPLICABLE = pytest.StashKey[set[str]]()
EVIDENCE = pytest.StashKey[Evidence]()
INTERRUPTION = pytest.StashKey[lifecycle.Interruption]()


def _profile_search_dirs(config: pytest.Config) -> list[Path]:
    from golive.paths import profile_search_dirs

    return profile_search_dirs(Path(str(config.rootpath)) / "profiles")


def _load(config: pytest.Config) -> Profile | None:
    name = config.getoption("golive_profile") or os.environ.get(PROFILE_ENV)
    if not name:
        return None
    try:
        profile = load_profile(name, _profile_search_dirs(config))
    except ProfileError as exc:
        raise pytest.UsageError(f"golive profile error: {exc}") from None
    return _filtered(profile, config)


def _filtered(profile: Profile, config: pytest.Config) -> Profile:
    """Apply the subject filters (--golive-target/-host/-database).

    With any filter given, each kind keeps only the subjects named for it, and kinds nobody named
    keep none: ``--golive-target web`` runs web's checks and no host or database check. An unknown
    name is a usage error listing the known ones.
    """
    wanted = {kind: config.getoption(option) for option, kind in SUBJECT_FILTERS.items()}
    if not any(wanted.values()):
        return profile
    update: dict[str, Any] = {}
    for kind, names in wanted.items():
        lists = [name for name in SUBJECT_LISTS[kind] if name in type(profile).model_fields]
        known = {s.name for name in lists for s in getattr(profile, name)}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise pytest.UsageError(
                f"golive: --golive-{kind[:-1]} {', '.join(unknown)}: not in profile {profile.name!r} "
                f"(known {kind}: {', '.join(sorted(known)) or 'none'})"
            )
        for name in lists:
            update[name] = [s for s in getattr(profile, name) if s.name in names]
    filtered = profile.model_copy(update=update)
    filtered._source = profile.source
    filtered._secret_values = profile.secret_values
    return filtered


LOADGROUP_INPUT = "golive_loadgroup"
# allure-pytest's entry point: ``-p no:allure_pytest`` gives a run with the sign-off but no Allure results
ALLURE_PLUGIN = "allure_pytest"
ALLURE_ACTIVE = pytest.StashKey[bool]()
ALLURE_READS_SHOWN = pytest.StashKey[bool]()
"""allure-pytest's listener reads the subject's name from the item's stash (``golive.allure_listener``);
otherwise it is set through ``allure.dynamic.parameter`` at each check's set-up."""


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist (controller): tell each worker when golive switched the run to --dist loadgroup."""
    node.workerinput[LOADGROUP_INPUT] = getattr(node.config.option, "dist", "no") == "loadgroup"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _start_run(config: pytest.Config, report_dir: Path) -> None:
    """Controller, before anything is read or written: lock the report directory (a second run
    refuses), withdraw the previous run's verdict, turn SIGTERM into Ctrl-C (``golive.lifecycle``)."""
    if not runs_checks(config):
        return
    lock = lifecycle.ReportDirLock(report_dir)
    try:
        lock.acquire(what=" ".join(str(a) for a in config.invocation_params.args)[:200])
    except lifecycle.ReportDirBusy as exc:
        raise pytest.UsageError(f"golive: {exc}") from None
    config.add_cleanup(lock.release)
    lifecycle.withdraw_previous(report_dir)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    report_dir = Path(config.getoption("golive_report_dir") or Path.cwd() / "reports").resolve()
    config.stash[REPORT_DIR] = report_dir
    interruption = lifecycle.Interruption()
    config.stash[INTERRUPTION] = interruption
    # SIGTERM as Ctrl-C, everywhere (a worker's own SIGINT handling stays xdist's)
    signals = (signal.SIGTERM,) if _is_worker(config) else lifecycle.HANDLED
    config.add_cleanup(lifecycle.install_interrupt_handlers(interruption, signals))
    if not _is_worker(config):
        _start_run(config, report_dir)
    profile = _load(config)
    config.stash[PROFILE] = profile
    config.stash[NOT_APPLICABLE] = set()
    redactor = Redactor(profile.secret_values if profile else ())
    config.stash[REDACTOR] = redactor
    config.stash[ALLURE_ACTIVE] = config.pluginmanager.has_plugin(ALLURE_PLUGIN)
    for module in _fixture_modules():
        if not config.pluginmanager.has_plugin(module):
            # registered, not import_plugin'ed: fixture modules import each other (their helpers), and
            # pytest's assertion rewriting of plugins would warn about every one already imported
            config.pluginmanager.register(importlib.import_module(module), module)
    if profile is None:
        return
    config.add_cleanup(redactor.install_logging())  # captured logs, --log-level output, allure's log
    if getattr(config.option, "dist", "no") == "load":
        # xdist turns -n into --dist load; golive groups checks by subject (see generate_tests).
        config.option.dist = "loadgroup"
    if _is_worker(config) and config.workerinput.get(LOADGROUP_INPUT):  # type: ignore[attr-defined]
        # workers re-parse the command line, which did not say loadgroup: the controller tells them
        config.option.loadgroup = True
    results = report_dir / "allure-results"
    if not _is_worker(config):
        if results.exists():
            lifecycle.discard(results)  # also without allure: stale results must not pass for this run's
        if config.stash[ALLURE_ACTIVE]:
            results.mkdir(parents=True, exist_ok=True)
        if getattr(config.option, "xmlpath", None) is None:
            config.option.xmlpath = str(report_dir / "junit.xml")
    if getattr(config.option, "allure_report_dir", None) is None:
        config.option.allure_report_dir = str(results)
    observe_plugin.register(config, profile)
    config.pluginmanager.register(ShortReports(CHECK_ID, config.stash[REDACTOR]), "golive-short-reports")
    recorder = outcome_rules.Recorder(profile)
    recorder.interruption = interruption
    if not _is_worker(config):
        from golive.run_scope import scope_of

        recorder.scope = scope_of(config, profile, config.stash[REDACTOR])
    config.stash[RECORDER] = recorder
    if not _is_worker(config):
        config.pluginmanager.register(ControllerHooks(config, recorder), "golive-signoff")
        if runs_checks(config):
            from golive import signoff

            # until this run writes its verdict, the report dir says NO-GO: "not finished"
            signoff.write_document(signoff.running(profile, recorder.scope, recorder.started_at), report_dir)


def pytest_sessionstart(session: pytest.Session) -> None:
    """After every plugin's configure: the terminal's failure summary looks teardown reports up in an
    index (``golive.reports``), golive writes the Allure results (``golive.allure_writer``), and
    allure-pytest's listener skips the subject parameters' noise (``golive.allure_listener``)."""
    config = session.config
    if config.pluginmanager.has_plugin("dsession"):  # xdist's controller collects nothing
        startup_gc.release(config)
    if config.stash.get(PROFILE, None) is None:
        return
    index_teardown_reports(config.pluginmanager.get_plugin("terminalreporter"))
    config.stash[ALLURE_READS_SHOWN] = False
    if config.stash[ALLURE_ACTIVE] and os.environ.get(ALLURE_WRITER_ENV) != "allure-pytest":
        from golive import allure_listener, allure_writer

        allure_writer.install(config)
        allure_listener.install(config)
        config.stash[ALLURE_READS_SHOWN] = allure_listener.shows_stashed_parameters(config)


ALLURE_WRITER_ENV = "GOLIVE_ALLURE_WRITER"
"""``allure-pytest`` keeps allure-pytest's own file logger and listener (to compare, in tests and benches)."""


def _fixture_modules() -> list[str]:
    import golive.fixtures as package

    return [f"golive.fixtures.{m.name}" for m in pkgutil.iter_modules(package.__path__)]


def pytest_report_header(config: pytest.Config) -> str | None:
    profile = config.stash.get(PROFILE, None)
    if profile is None:
        return None
    return (f"golive profile: {profile.name} ({profile.environment}) from {profile.source}; "
            f"{len(profile.targets)} targets, {len(profile.hosts)} hosts, {len(profile.databases)} databases")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    spec = spec_of(metafunc.function)
    if spec is None or spec.over is None:
        return
    profile = metafunc.config.stash.get(PROFILE, None)
    if profile is None:
        return  # reported once, as a usage error, after collection
    from golive.subjects import get_kind

    kind = get_kind(spec.over)
    found = subjects_for(spec.over, profile, spec.roles)
    if not found:
        metafunc.config.stash[NOT_APPLICABLE].add(spec.id)
    # Test ids are built from profile values (an endpoint's path, a threshold's scenario): redacted, as
    # they end up in node ids, junit.xml, allure results and the terminal.
    redactor = metafunc.config.stash[REDACTOR]
    ids = [redactor.text(s.id) for s in found]
    # xdist_group: under -n (golive's --dist loadgroup) every check of one subject runs on one worker,
    # so a host keeps one connection, a TLS endpoint is scanned once and a URL fetched once.
    metafunc.parametrize(kind.argname, [pytest.param(s.value, id=test_id, marks=pytest.mark.xdist_group(
        f"{outcome_rules.GROUP_PREFIX}{s.name}")) for s, test_id in zip(found, ids, strict=True)], scope="session")
    metafunc.function.__dict__.setdefault("_golive_subject_names", {})
    for s, test_id in zip(found, ids, strict=True):
        metafunc.function._golive_subject_names[test_id] = s.name


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: label only the checks that will run
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    checks = [item for item in items if spec_of(getattr(item, "function", None)) is not None]
    if checks and config.stash.get(PROFILE, None) is None:
        raise pytest.UsageError(
            f"golive: {len(checks)} checks collected but no profile given: "
            f"pass --profile NAME|PATH or set {PROFILE_ENV}"
        )
    kept: list[pytest.Item] = []
    for item in items:
        spec = spec_of(getattr(item, "function", None))
        if spec is None:
            kept.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        if spec.over is not None and (callspec is None or spec.id in config.stash[NOT_APPLICABLE]):
            continue  # empty parameter set: no subject of this kind in the profile
        item.stash[CHECK_ID] = spec.id
        if callspec is not None:
            names = getattr(item.function, "_golive_subject_names", {})
            item.stash[SUBJECT] = names.get(callspec.id, callspec.id)
        else:
            item.stash[SUBJECT] = ""
        if config.stash[ALLURE_ACTIVE]:
            evidence_labels.mark(item, spec.id, item.stash[SUBJECT])
            if callspec is not None:
                item.stash[SHOWN_PARAMETERS] = dict.fromkeys(callspec.params, item.stash[SUBJECT])
        kept.append(item)
    items[:] = kept


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def golive_config(request: pytest.FixtureRequest) -> pytest.Config:
    """The pytest config (for --allow-load and the report dir)."""
    return request.config


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest) -> Profile:
    """The loaded profile, filtered by --golive-target/-host/-database."""
    loaded = request.config.stash.get(PROFILE, None)
    if loaded is None:
        raise pytest.UsageError(f"golive: no profile given: pass --profile NAME|PATH or set {PROFILE_ENV}")
    return loaded


@pytest.fixture(scope="session")
def settings(profile: Profile) -> Any:
    """The profile's ``checks:`` settings."""
    return profile.checks


@pytest.fixture(scope="session")
def redactor(request: pytest.FixtureRequest) -> Redactor:
    """The session's redactor (knows the profile's secrets)."""
    return request.config.stash[REDACTOR]


@pytest.fixture(scope="session")
def http(profile: Profile, request: pytest.FixtureRequest) -> Any:
    """One HTTP fetcher per session (per xdist worker): responses cached per subject, shared with
    the observation phase (``golive.observe``), closed when the session ends."""
    return observe_plugin.of(request.config).http


class CurrentEvidence:
    """The running check's ``Evidence``, behind one session-wide handle.

    Why not a function-scoped fixture: allure-pytest writes a container file for every
    function-scoped fixture of every test, a third of all the files a large run writes. Checks run
    one at a time in a process, so the plugin points this handle at each check's own ``Evidence``
    in ``pytest_runtest_setup``.
    """

    def __init__(self) -> None:
        self.current: Evidence | None = None

    def __getattr__(self, name: str) -> Any:
        if self.current is None:
            raise RuntimeError("the evidence fixture is only available inside a golive check")
        return getattr(self.current, name)


CURRENT_EVIDENCE = pytest.StashKey[CurrentEvidence]()


@pytest.fixture(scope="session")
def evidence(request: pytest.FixtureRequest) -> CurrentEvidence:
    """Evidence of the current check (attachments, metrics, expiry dates), redacted."""
    return request.config.stash.setdefault(CURRENT_EVIDENCE, CurrentEvidence())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if CHECK_ID in item.stash:
        item.stash[EVIDENCE] = Evidence(item.config.stash[REDACTOR],
                                        attachments=item.config.stash[ALLURE_ACTIVE])
        item.config.stash.setdefault(CURRENT_EVIDENCE, CurrentEvidence()).current = item.stash[EVIDENCE]
        callspec = getattr(item, "callspec", None)
        config = item.config
        if callspec is not None and config.stash[ALLURE_ACTIVE] and not config.stash.get(ALLURE_READS_SHOWN, False):
            evidence_labels.subject_parameters(item.stash[SUBJECT], callspec.params)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    handle = item.config.stash.get(CURRENT_EVIDENCE, None)
    if handle is not None:
        handle.current = None


def pytest_runtest_call(item: pytest.Item) -> None:
    if CHECK_ID in item.stash and item.config.stash[ALLURE_ACTIVE]:
        evidence_labels.title(item.stash[CHECK_ID], item.stash[SUBJECT])


# --------------------------------------------------------------------------- outcomes


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Innermost wrapper, so that allure (an outer wrapper) sees the redacted exception and report."""
    report: pytest.TestReport = yield
    config = item.config
    redactor = config.stash[REDACTOR]
    if report.sections:  # captured stdout/stderr/log: junit.xml, allure attachments, the terminal
        report.sections = [(title, redactor.text(content)) for title, content in report.sections]
    if call.excinfo is not None:
        outcome_rules.redact_exception(call.excinfo.value, redactor)
        if report.longrepr is not None and CHECK_ID not in item.stash:
            report.longrepr = outcome_rules.redact_longrepr(report.longrepr, redactor)
    if CHECK_ID not in item.stash:
        return report
    profile = config.stash.get(PROFILE, None)
    check_id, subject = item.stash[CHECK_ID], item.stash[SUBJECT]
    message = outcome_rules.message_of(call.excinfo, report, redactor) if call.excinfo else ""
    unreachable = _unreachable(call)
    if report.failed and call.excinfo is not None and message:
        report.longrepr = outcome_rules.short_longrepr(report, message, redactor, unreachable)
    status = outcome_rules.status_of(report, call)
    if unreachable and status is Status.FAILED:
        status = Status.ERROR  # the check could not observe its property: not a product defect
    ev = item.stash.get(EVIDENCE, None)
    if report.when == "call" and ev is not None:
        if status is Status.PASSED and ev.status is not None:
            status = ev.status  # advisory: pytest passed, the sign-off shows the finding
        message = message or ev.message  # passes say what was observed too
    if report.when == "call" or report.failed or report.skipped:
        if profile is not None and status is Status.FAILED:
            waiver = outcome_rules.active_waiver(profile, check_id, subject)
            if waiver is not None:
                report.outcome = "skipped"
                report.wasxfail = f"waived until {waiver.expires}: {waiver.reason}"
                status = Status.WAIVED
        payload = {
            "id": check_id, "subject": subject, "status": status, "when": report.when,
            "message": message, "unreachable": unreachable,
            "evidence": ev.payload() if ev else None,
        }
        report.user_properties.append((USER_PROPERTY, outcome_rules.encode(payload)))
    return report


def _unreachable(call: pytest.CallInfo[None]) -> bool:
    if call.excinfo is None:
        return False
    value = call.excinfo.value
    return bool(getattr(value, "unreachable", False)) or "unreachable" in str(value).split("\n", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """After -m/-k deselection: the checks this process will run (workers report them at the end)."""
    config = session.config
    startup_gc.release(config)  # held since golive.activation: the run's long-lived objects are built
    collected = [(item.stash[CHECK_ID], item.stash[SUBJECT], item.nodeid)
                 for item in session.items if CHECK_ID in item.stash]
    if _is_worker(config):
        config.workeroutput["golive_collected"] = collected  # type: ignore[attr-defined]
        config.workeroutput["golive_not_applicable"] = sorted(config.stash[NOT_APPLICABLE])  # type: ignore
        return
    recorder = config.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.collected(collected, config.stash[NOT_APPLICABLE])


class ControllerHooks:
    """Hooks that run where the sign-off is written (the only process without xdist, else the
    controller). A plugin object, so that its state lives on the session and not in globals."""

    def __init__(self, config: pytest.Config, recorder: outcome_rules.Recorder) -> None:
        self.config = config
        self.recorder = recorder
        self.signoff: Any = None  # the written golive.signoff_model.SignOff

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == USER_PROPERTY:
                self.recorder.record(report.nodeid, outcome_rules.decode(value))

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Ctrl-C or SIGTERM (see ``golive.lifecycle``): the sign-off records the interruption."""
        if not self.recorder.interruption.interrupted:  # raised by another handler (the load runner's)
            self.recorder.interruption.record(getattr(excinfo.value, "signal_name", None) or "SIGINT")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """What each worker collected: what did not run is known even if the worker never reports."""
        self.recorder.expected.update(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}) or {}
        collected = [tuple(x) for x in output.get("golive_collected", [])]
        self.recorder.collected(collected, set(output.get("golive_not_applicable", [])))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from golive import signoff

        if self.config.option.collectonly:
            return
        self.signoff = signoff.write(self.recorder, self.config.stash[REPORT_DIR],
                                     allure=self.config.stash[ALLURE_ACTIVE])

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        from golive import signoff

        if self.signoff is None:
            return
        for line in signoff.summary_lines(self.signoff, self.config.stash[REPORT_DIR]):
            terminalreporter.write_line(line)
