"""A testinfra host that answers from recorded command outputs instead of a machine.

For platforms no machine here can run (macOS) or tools that cannot run here: golive's facts call
testinfra exactly as they do on a real host (its File, SystemInfo, Addr modules and ``host.run``),
and the backend answers each command from a YAML recording::

    commands:
      uname -s: {stdout: "Darwin\\n"}
      launchctl limit maxfiles: {stdout: "\\tmaxfiles    256            unlimited\\n"}
      "re:^test -f /etc/newsyslog\\\\.d/.*": {rc: 1}     # a regex key matches many commands
    files:                                           # shorthand for test -e/-f/-d and cat
      /etc/newsyslog.d/omnitask.conf: "…content…"

A command the recording does not know fails the test with its exact text, so the recording can
only be complete, never silently partial.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import testinfra
import yaml
from testinfra.backend import base


class UnrecordedCommand(AssertionError):
    """The facts asked for a command the recording does not hold."""


class ReplayBackend(base.BaseBackend):
    NAME = "replay"

    def __init__(self, recording: dict[str, Any], **kwargs: Any) -> None:
        self.commands: dict[str, dict[str, Any]] = dict(recording.get("commands") or {})
        self.files: dict[str, str] = {k: str(v) for k, v in (recording.get("files") or {}).items()}
        self.dirs = {str(Path(f).parent) for f in self.files} | set(recording.get("dirs") or [])
        self.asked: list[str] = []
        super().__init__("replay", **kwargs)

    def _file_answer(self, command: str) -> dict[str, Any] | None:
        words = shlex.split(command)
        if len(words) == 3 and words[0] == "test" and words[1] in ("-e", "-f", "-d"):
            path = words[2]
            exists = {"-e": path in self.files or path in self.dirs, "-f": path in self.files,
                      "-d": path in self.dirs}[words[1]]
            return {"rc": 0 if exists else 1}
        if words[:1] == ["cat"] and words[-1] in self.files:
            return {"stdout": self.files[words[-1]]}
        listing = words[-1] if words[:2] == ["ls", "-1A"] or words[:4] == ["ls", "-1", "-q", "--"] else None
        if listing is not None and listing in self.dirs:
            prefix = listing.rstrip("/") + "/"
            names = sorted({f[len(prefix):].split("/")[0] for f in self.files if f.startswith(prefix)})
            return {"stdout": "".join(f"{n}\n" for n in names)}
        return None

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        text = self.get_command(command, *args)
        self.asked.append(text)
        answer = self.commands.get(text)
        if answer is None:
            answer = next((v for k, v in self.commands.items() if k.startswith("re:") and re.search(k[3:], text)),
                          None)
        if answer is None:
            answer = self._file_answer(text)
        if answer is None:
            raise UnrecordedCommand(f"no recorded output for: {text}")
        return self.result(int(answer.get("rc", 0)), self.encode(text), str(answer.get("stdout", "")).encode(),
                           str(answer.get("stderr", "")).encode())


def replay_host(path: Path) -> tuple[Any, ReplayBackend]:
    """A testinfra ``Host`` answering from the recording at ``path``, and its backend."""
    backend = ReplayBackend(yaml.safe_load(path.read_text(encoding="utf-8")))
    return testinfra.host.Host(backend), backend
