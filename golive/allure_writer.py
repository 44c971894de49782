"""golive's writer of Allure results: the same files as allure-pytest's, written off the main thread.

allure-pytest serialises each result, container and attachment on the test's own thread
(``attrs.asdict`` + ``json.dump`` into a text file, tens of small writes per file), which cost a
2,000-check run about as much as golive and pytest together. ``AllureWriter`` implements the same
allure-commons hooks (``report_result``, ``report_container``, ``report_attached_data``,
``report_attached_file``, ``report_globals``): it takes the same dict as allure-pytest when the
item is reported (``asdict`` with allure's own filter) and hands it to one writer thread, which
encodes it with orjson when installed (else the standard library: equal JSON either way, only the
whitespace differs) and writes it with one call, through a temporary name renamed into place as
allure-pytest does.

``install(config)`` puts it in place of allure-pytest's ``AllureFileLogger`` for this run's
results directory (after allure-pytest's ``pytest_configure`` registered that logger) and, at
the run's clean-up, flushes every queued file and puts allure-pytest's logger back, so that
allure-pytest's own clean-up finds it where it left it. Everything queued is on disk before the
run's clean-up ends.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
import uuid
from collections import deque
from pathlib import Path
from typing import Any

try:  # a faster encoder when installed; the standard library otherwise (same JSON, other whitespace)
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the fallback keeps old venvs running
    orjson = None  # type: ignore[assignment]

import allure_commons
from allure_commons import hookimpl
from attr import asdict

ALLURE_INDENT = "ALLURE_INDENT_OUTPUT"


def _keep(_: Any, value: Any) -> bool:
    """allure-commons' filter: drop empty fields, keep False."""
    return bool(value) or value is False


def fixture_noise(entry: dict[str, Any]) -> bool:
    """A fixture set-up/tear-down entry (as written) that says nothing: passed or without status,
    no attachments, steps or details. ``allure_env.prune_fixture_noise`` drops these from the
    check pages; a failed or broken fixture, or one that attached evidence, stays."""
    return (entry.get("status") in (None, "passed") and not entry.get("attachments") and not entry.get("steps")
            and not entry.get("statusDetails"))


def encode(data: dict[str, Any]) -> bytes:
    indent = bool(os.environ.get(ALLURE_INDENT))
    if orjson is not None:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0)
    return json.dumps(data, indent=4 if indent else None, ensure_ascii=False).encode("utf-8")


class AllureWriter:
    """allure-commons reporter hooks, written in batches by one background thread.

    A hook only appends to a queue (no lock hand-off, no thread wake-up per file: on a busy
    interpreter each wake-up costs the test thread a switch); the thread wakes every
    ``BATCH_EVERY`` seconds and writes everything queued.
    """

    BATCH_EVERY = 0.05

    def __init__(self, report_dir: Path) -> None:
        self.report_dir = Path(report_dir).absolute()
        self.report_dir.mkdir(parents=True, exist_ok=True)
        self._pending: deque[tuple[str, Any, Any]] = deque()  # append and popleft are thread-safe
        self._names = random.Random(os.urandom(16))
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="golive-allure-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ allure-commons hooks

    @hookimpl
    def report_result(self, result: Any) -> None:
        self._item(result)

    @hookimpl
    def report_container(self, container: Any) -> None:
        # The sign-off prunes fixture noise from the containers on disk (``allure_env``); a
        # container made only of noise (a fixture that passed without evidence: most of them, one
        # per function-scoped fixture of each check) is not written at all, which spares writing,
        # reading back and deleting a file each.
        entries = [*(container.befores or ()), *(container.afters or ())]
        if entries and all(fixture_noise(asdict(entry, filter=_keep)) for entry in entries):
            return
        self._item(container)

    @hookimpl
    def report_globals(self, globals_item: Any) -> None:
        self._item(globals_item)

    def _item(self, item: Any) -> None:
        # the dict is taken now, as allure-pytest's logger takes it: allure may still change the
        # object after reporting it (a container's after-fixture status), and the file holds what
        # was reported
        self._pending.append(("item", item.file_pattern.format(prefix=self._file_id()), asdict(item, filter=_keep)))

    def _file_id(self) -> uuid.UUID:
        """A random version-4 UUID for a file name, as allure-pytest names its files. Drawn from a
        generator seeded once from the OS: ``uuid.uuid4()`` asks the kernel for every name, a system
        call per file that costs a 2,000-check run tenths of a second on some virtual machines;
        a name needs to be unique, not unpredictable."""
        return uuid.UUID(int=self._names.getrandbits(128), version=4)

    @hookimpl
    def report_attached_data(self, body: str | bytes, file_name: str) -> None:
        self._pending.append(("data", body, file_name))

    @hookimpl
    def report_attached_file(self, source: str | Path, file_name: str) -> None:
        self._pending.append(("file", source, file_name))

    # ------------------------------------------------------------------ the thread

    def _drain(self) -> None:
        while True:
            stopping = self._stop.wait(self.BATCH_EVERY)
            while self._pending:
                entry = self._pending.popleft()
                try:
                    self._write(*entry)
                except BaseException as exc:  # reported by flush(), on the run's thread
                    self._error = self._error or exc
            if stopping:
                return

    def _write(self, kind: str, payload: Any, file_name: Any) -> None:
        if kind == "mark":
            payload.set()
        elif kind == "item":
            self._atomic(payload, encode(file_name))
        elif kind == "data":
            self._atomic(file_name, payload.encode("utf-8") if isinstance(payload, str) else payload)
        else:
            temporary = self.report_dir / f"{file_name}.tmp"
            shutil.copy2(payload, temporary)
            os.replace(temporary, self.report_dir / file_name)

    def _atomic(self, name: str, data: bytes) -> None:
        """One write, under a temporary name renamed into place (readers never see half a file)."""
        temporary = self.report_dir / f"{name}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, self.report_dir / name)

    def sync(self, timeout: float = 60) -> None:
        """Wait until everything reported so far is on disk; the thread keeps writing afterwards.

        The sign-off prunes fixture noise from the containers on disk: a container still queued
        would be written after the pruning, noise and all.
        """
        if not self._thread.is_alive():
            return
        written = threading.Event()
        self._pending.append(("mark", written, None))
        written.wait(timeout)

    def flush(self) -> None:
        """Write everything reported so far, stop the thread; raise what it could not write."""
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error


def sync_all() -> None:
    """Every golive writer of this process has written what was reported so far."""
    for plugin in allure_commons.plugin_manager.get_plugins():
        if isinstance(plugin, AllureWriter):
            plugin.sync()


def install(config: Any) -> AllureWriter | None:
    """Replace allure-pytest's file logger of this run's results directory by an ``AllureWriter``."""
    from allure_commons.logger import AllureFileLogger

    report_dir = getattr(config.option, "allure_report_dir", None)
    if not report_dir:
        return None
    target = Path(report_dir).absolute()
    manager = allure_commons.plugin_manager
    loggers = [p for p in manager.get_plugins()
               if isinstance(p, AllureFileLogger) and Path(getattr(p, "_report_dir", "")) == target]
    if not loggers:
        return None
    replaced = [(manager.get_name(p), p) for p in loggers]
    for name, _ in replaced:
        manager.unregister(name=name)
    writer = AllureWriter(target)
    manager.register(writer, f"golive-allure-writer-{id(writer)}")

    def restore() -> None:
        try:
            writer.flush()
        finally:
            manager.unregister(writer)
            for name, logger in replaced:  # allure-pytest's own clean-up unregisters it by object
                manager.register(logger, name)

    config.add_cleanup(restore)
    return writer
