"""golive's writer of Allure results: the same files as allure-pytest's, made off the checks' thread.

allure-pytest serialises each result, container and attachment on the test's own thread
(``attrs.asdict`` + ``json.dump`` into a text file, tens of small writes per file), which cost a
2,000-check run about as much as golive and pytest together. ``AllureWriter`` implements the same
allure-commons hooks (``report_result``, ``report_container``, ``report_attached_data``,
``report_attached_file``, ``report_globals``): it reads the same dict as allure-pytest when the
item is reported (``attrs.asdict`` with allure's own filter, read by ``golive.allure_dict``) and,
with orjson, encodes it at once (``json_default``: no copy of the dict in between); without
orjson, the dict is queued and the writer thread encodes it with the standard library (equal JSON
either way, only the whitespace differs). Each file is written with one call, through a temporary
name renamed into place as allure-pytest does.

The files themselves are made by a helper process (``golive.allure_sink``): a thread that makes
thousands of small files beside the checks takes the interpreter lock back after every system call
(four per file), and each of those hand-overs stalled the checks' thread. Measured on 2,000 checks,
files made by the thread as results came cost the run 1.0 s; sent to the sink, they cost one pipe
write per batch. Where no helper process can start, the thread makes the files itself, only when
the run asks (``sync()`` before the sign-off, ``flush()`` at the end) or when ``FLUSH_AT_BYTES``
are queued. An attached file is read when it is attached (its source may be gone by then).

``install(config)`` puts it in place of allure-pytest's ``AllureFileLogger`` for this run's
results directory (after allure-pytest's ``pytest_configure`` registered that logger) and, at
the run's clean-up, flushes every queued file and puts allure-pytest's logger back, so that
allure-pytest's own clean-up finds it where it left it. Everything queued is on disk before the
run's clean-up ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from collections import deque
from pathlib import Path
from typing import Any

try:  # a faster encoder when installed; the standard library otherwise (same JSON, other whitespace)
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the fallback keeps old venvs running
    orjson = None  # type: ignore[assignment]

import allure_commons
from allure_commons import hookimpl

from golive import allure_sink
from golive.allure_dict import as_dict, json_default
from golive.allure_uuids import UuidSource
from golive.helper_process import HelperProcess

ALLURE_INDENT = "ALLURE_INDENT_OUTPUT"


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
    """allure-commons reporter hooks; one background thread sends what they queue to the sink.

    A hook only appends to a queue (no lock hand-off, no thread wake-up per file). With the sink,
    the thread wakes every ``BATCH_EVERY`` seconds and sends everything queued in one pipe write;
    without it, it makes the files itself when ``sync()`` or ``flush()`` asks, or when
    ``FLUSH_AT_BYTES`` are queued (memory stays bounded on a long run with large evidence).
    """

    BATCH_EVERY = 0.05
    FLUSH_AT_BYTES = 32 * 1024 * 1024
    """Queued bytes (attachments and encoded results by size, dicts waiting to be encoded at
    ``ITEM_BYTES``) from which a writer without the sink makes the files while the run goes on."""
    ITEM_BYTES = 2048

    def __init__(self, report_dir: Path, sink: bool = True) -> None:
        self.report_dir = Path(report_dir).absolute()
        self.report_dir.mkdir(parents=True, exist_ok=True)
        self._dir = str(self.report_dir)
        self._pending: deque[tuple[str, Any, Any]] = deque()  # (kind, payload, file name); thread-safe ends
        self._queued_bytes = 0
        self._file_ids = UuidSource()
        self._orjson_option = orjson.OPT_INDENT_2 if orjson is not None and os.environ.get(ALLURE_INDENT) else 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._sink = _Sink.start(self._dir) if sink else None
        self._sent = False
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
        if entries and all(fixture_noise(as_dict(entry)) for entry in entries):
            return
        self._item(container)

    @hookimpl
    def report_globals(self, globals_item: Any) -> None:
        self._item(globals_item)

    def _item(self, item: Any) -> None:
        # read now, as allure-pytest's logger reads it: allure may still change the object after
        # reporting it (a container's after-fixture status), and the file holds what was reported.
        # With orjson, read straight into its JSON (``json_default``); a value orjson cannot encode
        # by itself (a dict whose keys are not strings) takes the dict's way, encoded by the thread.
        file_name = item.file_pattern.format(prefix=self._file_ids())
        if orjson is not None:
            try:
                encoded = orjson.dumps(item, default=json_default, option=self._orjson_option)
            except TypeError:
                pass
            else:
                self._queue(("data", encoded, file_name), len(encoded))
                return
        self._queue(("item", as_dict(item), file_name), self.ITEM_BYTES)

    def _queue(self, entry: tuple[str, Any, Any], size: int) -> None:
        self._pending.append(entry)
        self._queued_bytes += size
        if self._queued_bytes >= self.FLUSH_AT_BYTES:
            self._queued_bytes = 0
            self._wake.set()

    @hookimpl
    def report_attached_data(self, body: str | bytes, file_name: str) -> None:
        self._queue(("data", body, file_name), len(body))

    @hookimpl
    def report_attached_file(self, source: str | Path, file_name: str) -> None:
        body = Path(source).read_bytes()  # now: a temporary source may be gone when the queue is written
        self._queue(("data", body, file_name), len(body))

    # ------------------------------------------------------------------ the thread

    def _drain(self) -> None:
        while True:
            self._wake.wait(self.BATCH_EVERY if self._sink is not None else None)
            self._wake.clear()
            stopping = self._stop.is_set()
            try:
                self._write_pending()
            except BaseException as exc:  # reported by flush(), on the run's thread
                self._error = self._error or exc
            if stopping:
                return

    def _write_pending(self) -> None:
        files: list[tuple[str, bytes]] = []
        while self._pending:
            kind, payload, file_name = self._pending.popleft()
            if kind == "mark":
                self._send(files)
                files = []
                if self._sink is not None:
                    try:
                        self._sink.sync()
                    except OSError:
                        self._sink_lost()
                payload.set()
                continue
            if kind == "item":
                files.append((file_name, encode(payload)))
            else:
                files.append((file_name, payload.encode("utf-8") if isinstance(payload, str) else payload))
        self._send(files)

    def _send(self, files: list[tuple[str, bytes]]) -> None:
        """To the sink in one pipe write; made here when there is no sink (or it just died)."""
        if not files:
            return
        if self._sink is not None:
            try:
                self._sink.send(b"".join(allure_sink.frame(b"F", name, data) for name, data in files))
                self._sent = True
                return
            except OSError:
                self._sink_lost()
        for name, data in files:
            allure_sink.write_atomically(self._dir, name, data)

    def _sink_lost(self) -> None:
        """The sink died: write in this thread from now on; what it had not written yet is lost."""
        sink, self._sink = self._sink, None
        if sink is None:
            return
        if self._sent and self._error is None:
            self._error = OSError(f"Allure results may be incomplete: the writer process ended ({sink.ended()})")
        sink.close(timeout=5)  # its pipes and stderr file

    def sync(self, timeout: float = 60) -> None:
        """Wait until everything reported so far is on disk; the thread keeps writing afterwards.

        The sign-off prunes fixture noise from the containers on disk: a container still queued
        would be written after the pruning, noise and all.
        """
        if not self._thread.is_alive():
            return
        written = threading.Event()
        self._pending.append(("mark", written, None))
        self._wake.set()
        written.wait(timeout)

    def flush(self, timeout: float = 120) -> None:
        """Write everything reported so far, stop the thread and the sink; raise what could not be
        written. Bounded: a sink that stops reading is ended by its PID after ``timeout`` seconds."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive() and self._sink is not None:
            self._sink.helper.stop()  # the thread's blocked pipe call ends with the sink
            self._thread.join(5)
            self._error = self._error or OSError(
                f"Allure results may be incomplete: the writer process did not take them within {timeout:g}s")
        if self._sink is not None:
            problem = self._sink.close()
            if problem and self._error is None:
                self._error = OSError(f"Allure results may be incomplete: {problem}")
        if self._error is not None:
            raise self._error


class _Sink:
    """The ``golive.allure_sink`` process of one writer: frames in, files out, stopped by its PID."""

    def __init__(self, helper: HelperProcess) -> None:
        self.helper = helper
        self.process = helper.process

    @classmethod
    def start(cls, directory: str) -> _Sink | None:
        """The sink, or None when no process can be started here (the thread writes instead)."""
        try:
            helper = HelperProcess("golive.allure_sink", directory, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   bufsize=0)
        except OSError:
            return None
        return cls(helper)

    def send(self, data: bytes) -> None:
        """All of ``data``: a pipe write can be cut short (a signal in the middle of a large one), and
        a frame cut short would leave the sink waiting for its end, and the run for the sink."""
        assert self.process.stdin is not None
        view = memoryview(data)
        while view:
            view = view[self.process.stdin.write(view) or 0:]

    def sync(self) -> None:
        """Return once the sink has written every file sent before."""
        assert self.process.stdout is not None
        self.send(allure_sink.frame(b"S"))
        if self.process.stdout.read(1) != b"S":
            raise OSError(f"Allure results may be incomplete: the writer process ended ({self.ended()})")

    def ended(self, wait: float = 5.0) -> str:
        """How the sink ended: its exit code and the last line it wrote to stderr."""
        return self.helper.ended(wait)

    def close(self, timeout: float = 60) -> str | None:
        """End of input; wait for the sink to write the rest. None when it ended well, else why not."""
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            if not self.helper.wait(timeout):
                self.helper.stop()
                return f"the writer process did not finish within {timeout:g}s"
            if self.process.returncode != 0:
                return f"the writer process failed ({self.ended(0)})"
            return None
        finally:
            with contextlib.suppress(OSError):
                assert self.process.stdout is not None
                self.process.stdout.close()
            self.helper.release()


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
