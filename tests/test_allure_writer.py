"""golive's Allure writer writes what allure-pytest's own file logger writes, and Allure 3 renders it.

Two golive runs over the same real nginx targets (passes, failures, advisories, attachments):
one with golive's writer (the default), one with allure-pytest's ``AllureFileLogger``
(``GOLIVE_ALLURE_WRITER=allure-pytest``). Their results are compared file by file after taking
out what differs between any two runs (uuids, timestamps, the host's thread label); then both are
rendered by Allure 3 and the reports' figures compared.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from golive import allure_writer
from tests.harness import GoliveRun, run_golive
from tests.servers.nginx_headers import VARIANTS, headers_lab
from tests.signoff_runs import have_node20

CHOSEN = ("sound", "hsts_missing", "server_tokens", "exposure_env", "http_sound")
RUN_DEPENDENT = {"uuid", "start", "stop", "historyId"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GoliveRun]:
    root = tmp_path_factory.mktemp("allure-writer")
    with headers_lab(root / "lab", {k: VARIANTS[k] for k in CHOSEN}) as lab:
        profile = {"name": "writer", "environment": "staging", "timeout": "5s",
                   "targets": [lab.target("sound", http_variant="http_sound"), lab.target("hsts_missing"),
                               lab.target("server_tokens"), lab.target("exposure_env")]}
        found = {}
        for label, env in (("golive", {}), ("allure-pytest", {"GOLIVE_ALLURE_WRITER": "allure-pytest"})):
            found[label] = run_golive(profile, "-m", "headers or http", tmp_path=root / label, env=env)
            assert found[label].returncode in (0, 1), found[label].output[-3000:]
    return found


RUN_DEPENDENT_TEXT = (re.compile(rb"date: [^\"\r\n]*", re.I), re.compile(rb"golive-[0-9a-f]{8,}"))
"""What differs between two runs inside an attachment: the server's clock, the probes' random tokens."""
TOKEN = re.compile(r"golive-[0-9a-f]{8,}")


def _attachment_digest(results: Path, source: str) -> str:
    data = (results / source).read_bytes()
    for pattern in RUN_DEPENDENT_TEXT:
        data = pattern.sub(b"", data)
    return hashlib.sha256(data).hexdigest()[:16]


def _normal(value: Any, results: Path, names: dict[str, str]) -> Any:
    """A result/container with run-dependent fields out and uuids replaced by what they point at."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            if key in RUN_DEPENDENT:
                continue
            if key == "source":
                found[key] = _attachment_digest(results, item)
            elif key == "children":
                found[key] = sorted(names.get(uuid, uuid) for uuid in item)
            elif key == "labels":
                found[key] = sorted((label["name"], label["value"]) for label in item
                                    if label["name"] not in ("thread", "host"))
            else:
                found[key] = _normal(item, results, names)
        return found
    if isinstance(value, list):
        return [_normal(item, results, names) for item in value]
    if isinstance(value, str):
        return TOKEN.sub("golive-TOKEN", value)
    return value


def _normalised(results: Path) -> dict[str, list[str]]:
    loaded = {path.name: json.loads(path.read_text()) for path in results.glob("*.json")
              if path.name.endswith(("-result.json", "-container.json"))}
    names = {data["uuid"]: data["fullName"] + json.dumps(data.get("parameters", []), sort_keys=True)
             for data in loaded.values() if "fullName" in data}
    found: dict[str, list[str]] = {"result": [], "container": []}
    for file_name, data in loaded.items():
        kind = "result" if file_name.endswith("-result.json") else "container"
        found[kind].append(json.dumps(_normal(data, results, names), sort_keys=True))
    return {kind: sorted(items) for kind, items in found.items()}


def test_results_equal_allure_pytests_own(runs: dict[str, GoliveRun]) -> None:
    ours = runs["golive"].report_dir / "allure-results"
    theirs = runs["allure-pytest"].report_dir / "allure-results"
    mine, reference = _normalised(ours), _normalised(theirs)
    assert len(mine["result"]) == len(reference["result"]) > 40
    assert mine == reference
    attachments = sorted(p.suffix for p in ours.iterdir() if "-attachment" in p.name)
    assert attachments == sorted(p.suffix for p in theirs.iterdir() if "-attachment" in p.name)
    assert not list(ours.glob("*.tmp")), "every file renamed into place"


def test_the_sign_offs_agree(runs: dict[str, GoliveRun]) -> None:
    def items(run: GoliveRun) -> list[tuple[str, str]]:
        return [(i["id"], i["status"]) for i in run.signoff["items"]]

    assert items(runs["golive"]) == items(runs["allure-pytest"])


def test_encoder_output_is_the_same_json() -> None:
    data = {"name": "Strict-Transport-Security enforces HTTPS [web]", "status": "failed", "n": 3,
            "statusDetails": {"message": "web: max-age=300 < 31536000 — ünïcödé ✓", "trace": "x\ny"},
            "labels": [{"name": "story", "value": "web"}], "flag": False}
    assert json.loads(allure_writer.encode(data)) == data


def _rich_items() -> list[Any]:
    """Every kind of object a run reports, with every field shape: empty, False, nested, tuples."""
    from allure_commons.model2 import (
        Attachment,
        Label,
        Link,
        Parameter,
        Status,
        StatusDetails,
        TestAfterResult,
        TestBeforeResult,
        TestResult,
        TestResultContainer,
        TestStepResult,
    )
    from allure_commons.types import ParameterMode

    details = StatusDetails(known=False, flaky=True, message="web: max-age=300", trace="")
    step = TestStepResult(name="fetch", status=Status.FAILED, statusDetails=details, start=1, stop=2,
                          parameters=[Parameter(name="url", value="https://web", excluded=False)],
                          attachments=[Attachment(name="response", source="a-attachment.txt", type="text/plain")],
                          steps=[TestStepResult(name="inner", status=Status.PASSED, steps=[])])
    result = TestResult(name="HSTS [web]", uuid="u1", fullName="checks#hsts", status=Status.FAILED,
                        statusDetails=details, steps=[step], start=0, stop=3, historyId="h", testCaseId="t",
                        titlePath=["checks", "test_headers.py"], description="", descriptionHtml=None,
                        labels=[Label(name="story", value="web"), Label(name="tag", value="")],
                        links=[Link(type="issue", url="https://tracker/1", name="1")],
                        parameters=[Parameter(name="target", value="web", mode=ParameterMode.MASKED.value),
                                    Parameter(name="n", value="0", excluded=True)])
    container = TestResultContainer(uuid="c", children=["u1", "u2"], start=0, stop=1,
                                    befores=[TestBeforeResult(name="target", status=Status.PASSED)],
                                    afters=[TestAfterResult(name="db::close", status=Status.BROKEN,
                                                            statusDetails=details, steps=[step])])
    odd = TestResult(name="odd", uuid="u2", labels=(Label(name="a", value="b"),),  # type: ignore[arg-type]
                     parameters={("k", 1): [Label(name="x", value="y")], "set": {1}},  # type: ignore[arg-type]
                     steps=[])
    return [result, container, odd, TestResult()]


def test_result_dicts_equal_attrs_asdict_with_allures_filter() -> None:
    """``as_dict`` is a faster ``attrs.asdict``: the same keys, order, nesting and collection types."""
    from attr import asdict

    from golive.allure_dict import as_dict

    for item in _rich_items():
        expected = asdict(item, filter=lambda _, v: v or v is False)
        assert repr(as_dict(item)) == repr(expected)  # key order and tuple-or-list too, not only equality
    with pytest.raises(TypeError, match="not an attrs class"):
        as_dict({"name": "x"})


def test_orjson_reads_a_result_into_the_json_of_its_dict() -> None:
    """What the writer encodes at once (``json_default``) is the JSON of ``as_dict``'s dict, byte for
    byte; a dict whose keys are not strings is refused, and the writer then queues the dict."""
    import orjson

    from golive.allure_dict import as_dict, json_default

    *plain, odd, empty = _rich_items()
    for item in (*plain, empty):
        assert orjson.dumps(item, default=json_default) == orjson.dumps(as_dict(item))
    with pytest.raises(TypeError):
        orjson.dumps(odd, default=json_default)
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_default(object())


def test_odd_values_are_written_as_before(tmp_path: Path) -> None:
    """A set is written as the list ``as_dict`` makes of it. A dict with keys that are not strings
    takes the dict's way and fails when the writer encodes it, as it did before ``json_default``:
    the run's clean-up reports it (``flush``)."""
    from allure_commons.model2 import TestResult

    from golive.allure_dict import as_dict
    from golive.allure_writer import AllureWriter

    writer = AllureWriter(tmp_path, sink=False)
    with_set = TestResult(name="odd", uuid="u2", parameters={"set": {1}, "n": [1]})  # type: ignore[arg-type]
    writer.report_result(with_set)
    writer.flush()
    [written] = tmp_path.glob("*-result.json")
    assert json.loads(written.read_text()) == json.loads(json.dumps(as_dict(with_set)))

    writer = AllureWriter(tmp_path / "keys", sink=False)
    writer.report_result(TestResult(name="odd", uuid="u3", parameters={1: "one"}))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        writer.flush()


@pytest.mark.skipif(not have_node20(), reason="node >= 20 and npm needed for Allure 3")
@pytest.mark.xdist_group("allure")
def test_allure3_renders_both_the_same(runs: dict[str, GoliveRun], tmp_path: Path) -> None:
    from golive.cli import main

    summaries = {}
    for label, run in runs.items():
        report_dir = tmp_path / label
        shutil.copytree(run.report_dir, report_dir)
        assert main(["report", str(report_dir)]) == 0
        summary = json.loads((report_dir / "html" / "allure" / "summary.json").read_text())
        summaries[label] = summary["stats"]
    assert summaries["golive"] == summaries["allure-pytest"]
    assert summaries["golive"]["failed"] >= 1 and summaries["golive"]["passed"] >= 20




def test_a_container_of_fixture_noise_is_not_written(tmp_path: Path) -> None:
    """One container per check holds only its passed parameter fixture: the sign-off would prune it
    from disk, so the writer does not write it; a failed fixture's container is written."""
    from allure_commons.model2 import Status, StatusDetails, TestBeforeResult, TestResultContainer

    writer = allure_writer.AllureWriter(tmp_path)
    noise = TestResultContainer(uuid="c1", befores=[TestBeforeResult(name="target", status=Status.PASSED)])
    failed = TestResultContainer(uuid="c2", befores=[
        TestBeforeResult(name="target", status=Status.PASSED),
        TestBeforeResult(name="database", status=Status.BROKEN, statusDetails=StatusDetails(message="refused"))])
    empty = TestResultContainer(uuid="c3")
    for container in (noise, failed, empty):
        writer.report_container(container)
    writer.flush()
    written = sorted(json.loads(p.read_text())["uuid"] for p in tmp_path.glob("*-container.json"))
    assert written == ["c2", "c3"]


def _result(name: str) -> Any:
    from allure_commons.model2 import Status, TestResult

    return TestResult(name=name, uuid=name, status=Status.PASSED, fullName=f"checks#{name}")


def _written(directory: Path) -> list[str]:
    return sorted(json.loads(p.read_text())["name"] for p in directory.glob("*-result.json"))


@pytest.mark.parametrize("sink", [True, False], ids=["sink process", "in the thread"])
def test_what_is_reported_is_on_disk_at_sync_and_at_flush(tmp_path: Path, sink: bool) -> None:
    """With the sink process, or (where none can start) in the writer's thread: ``sync()`` returns
    once every file reported before it is written; ``flush()`` writes the rest and stops."""
    writer = allure_writer.AllureWriter(tmp_path, sink=sink)
    assert (writer._sink is not None) is sink
    for index in range(50):
        writer.report_result(_result(f"r{index:02d}"))
    writer.report_attached_data("evidence text", "a1-attachment.txt")
    source = tmp_path / "source.bin"
    source.write_bytes(b"\x00\x01binary")
    writer.report_attached_file(str(source), "a2-attachment.bin")
    source.unlink()  # a temporary source may be gone before the queue is written
    writer.sync()
    assert _written(tmp_path) == [f"r{index:02d}" for index in range(50)]
    assert (tmp_path / "a1-attachment.txt").read_text() == "evidence text"
    assert (tmp_path / "a2-attachment.bin").read_bytes() == b"\x00\x01binary"
    writer.report_result(_result("last"))
    writer.flush()
    assert "last" in _written(tmp_path)
    assert not list(tmp_path.glob("*.tmp"))
    if sink:
        assert writer._sink is not None and writer._sink.process.returncode == 0


def test_a_sink_that_dies_loses_nothing_after_and_says_so(tmp_path: Path) -> None:
    """The sink killed mid-run: what comes after is written by the thread, and ``flush()`` says the
    results may be incomplete (files in flight to the dead process may be lost), with its exit code."""
    writer = allure_writer.AllureWriter(tmp_path)
    writer.report_result(_result("before"))
    writer.sync()
    assert writer._sink is not None
    writer._sink.process.kill()
    writer._sink.process.wait(5)
    writer.report_result(_result("after"))
    with pytest.raises(OSError, match=r"Allure results may be incomplete: the writer process ended \(exit code -9"):
        writer.flush()
    assert _written(tmp_path) == ["after", "before"]


def test_the_sink_writes_frames_and_refuses_paths(tmp_path: Path) -> None:
    """``golive.allure_sink``: files through a temporary name; a sync answered in order; a name
    with a separator is an error (the sink writes into its directory only), and so is a frame cut
    short (the run learns of it from the sink's exit code)."""
    import io

    from golive import allure_sink

    stream = io.BytesIO(allure_sink.frame(b"F", "one-result.json", b"{}") + allure_sink.frame(b"S")
                        + allure_sink.frame(b"F", "two.txt", b""))
    answers = io.BytesIO()
    allure_sink.serve(str(tmp_path), stream, answers)
    assert answers.getvalue() == b"S"
    assert (tmp_path / "one-result.json").read_bytes() == b"{}" and (tmp_path / "two.txt").read_bytes() == b""
    with pytest.raises(ValueError, match="not a file name"):
        allure_sink.serve(str(tmp_path), io.BytesIO(allure_sink.frame(b"F", "../escape", b"x")), io.BytesIO())
    assert not (tmp_path.parent / "escape").exists()
    whole = allure_sink.frame(b"F", "cut-result.json", b"0123456789")
    for cut in (3, len(whole) - 4):  # inside the header, inside the data: an error, never a quiet end
        with pytest.raises(EOFError, match="input ended inside"):
            allure_sink.serve(str(tmp_path), io.BytesIO(whole[:cut]), io.BytesIO())
    assert not (tmp_path / "cut-result.json").exists()


def test_a_pipe_write_cut_short_is_finished(tmp_path: Path) -> None:
    """A signal in the middle of a large pipe write makes it return early; the writer sends the rest
    (a frame cut short would leave the sink waiting for its end, and the run waiting for the sink)."""
    writer = allure_writer.AllureWriter(tmp_path)
    assert writer._sink is not None
    pipe = writer._sink.process.stdin

    class Short:
        """At most 100 bytes per write, as a pipe write interrupted by a signal."""

        def write(self, data: Any) -> int:
            return pipe.write(bytes(data[:100]))

        def close(self) -> None:
            pipe.close()

    writer._sink.process.stdin = Short()  # type: ignore[assignment]
    writer.report_attached_data("x" * 5000, "big-attachment.txt")
    for index in range(20):
        writer.report_result(_result(f"r{index:02d}"))
    writer.sync()
    writer.flush(timeout=30)
    assert (tmp_path / "big-attachment.txt").read_text() == "x" * 5000
    assert len(_written(tmp_path)) == 20


def test_uuid_source_draws_version_4_uuids_in_their_text_form() -> None:
    import uuid

    from golive.allure_uuids import UuidSource

    draws = [UuidSource()() for _ in range(2000)] + [UuidSource()() for _ in range(2)]
    for drawn in draws:
        parsed = uuid.UUID(drawn)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == drawn
    assert len(set(draws)) == len(draws)  # two sources seeded apart too
