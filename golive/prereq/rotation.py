"""Log rotation rules, read from the files that define them: logrotate, newsyslog, an app's config.

Parsing is pure (``parse_logrotate``, ``parse_newsyslog``, ``app_limits``) and follows each tool's
manual: logrotate reads ``logrotate.conf`` top to bottom, ``include`` pulls a file or every file of
a directory in at that point, and a stanza inherits the global directives in effect where it
appears; ``size`` overrides a time frequency; without any, logrotate rotates at 1 MB and keeps no
old file (checked against ``logrotate -d`` in golive's tests). newsyslog (macOS, BSD) has one line
per log: ``path [owner:group] mode count size when [flags]``. Reading goes through the host's
files (testinfra's File module), relocated under the settings' ``root``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shlex
from collections.abc import Callable
from typing import Any

import yaml

from golive.prereq import darwin
from golive.prereq.connection import rooted
from golive.prereq.observations import RotationRule
from golive.settings import prerequisites as s
from golive.sizes import parse_size

FREQUENCIES = ("hourly", "daily", "weekly", "monthly", "yearly")
_SCRIPTS = ("postrotate", "prerotate", "firstaction", "lastaction", "preremove")
_TABOO = (".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-bak", ".rpmsave", ".rpmorig", ".rpmnew", ".swp",
          ".disabled", "~", ",v", ".bak", ".cfsaved", ".ucf-old", ".ucf-dist", ".ucf-new")
DEFAULT_SIZE = 1024 * 1024
"""What logrotate does without a frequency or size directive: rotate once a log passes 1 MB."""


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split("#", 1)[0].split()


class _State:
    """The directives in effect: logrotate's globals, copied into each stanza and updated by it."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {"frequency": None, "rotate": 0, "compress": False, "create": None,
                                       "size": None}

    def copy(self) -> _State:
        clone = _State()
        clone.values = dict(self.values)
        return clone

    def apply(self, words: list[str]) -> None:
        key, args = words[0].lower(), words[1:]
        if key in FREQUENCIES:
            self.values["frequency"], self.values["size"] = key, None
        elif key == "rotate" and args and args[0].lstrip("-").isdigit():
            self.values["rotate"] = int(args[0])
        elif key in ("compress", "nocompress"):
            self.values["compress"] = key == "compress"
        elif key == "create":
            mode = args[0] if args and re.fullmatch(r"[0-7]{3,4}", args[0]) else None
            self.values["create"] = int(mode, 8) if mode else -1  # -1: created, mode of the old file
        elif key == "nocreate":
            self.values["create"] = None
        elif key == "size" and args:
            with contextlib.suppress(ValueError):
                self.values["size"], self.values["frequency"] = parse_size(args[0]), None

    def rule(self, source: str, patterns: list[str]) -> RotationRule:
        v = self.values
        size = v["size"] if v["size"] is not None or v["frequency"] else DEFAULT_SIZE
        create = None if v["create"] is None or v["create"] < 0 else v["create"]
        return RotationRule(source, tuple(patterns), "logrotate", v["frequency"], v["rotate"], v["compress"],
                            create, size)


Reader = Callable[[str], str | None]
Lister = Callable[[str], list[str] | None]


def parse_logrotate(path: str, read: Reader, listdir: Lister, state: _State | None = None,
                    depth: int = 0) -> list[RotationRule]:
    """Every stanza of the config at ``path`` and what it includes, with its effective directives.

    ``read(path)`` → text or None; ``listdir(path)`` → names or None (not a directory). Paths are
    as the config writes them (the callers relocate them under a root)."""
    text = read(path)
    if text is None or depth > 8:
        return []
    state = state or _State()
    rules: list[RotationRule] = []
    stanza: _State | None = None
    pending: list[str] = []
    in_script = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_script:
            in_script = line != "endscript"
            continue
        if not line or line.startswith("#"):
            continue
        words = _words(line)
        if not words:
            continue
        if stanza is None:
            if words[0] == "include" and len(words) > 1:
                rules += _include(words[1], read, listdir, state, depth)
                continue
            if "{" in line:
                head = line.split("{", 1)[0]
                pending += _words(head)
                stanza = state.copy()
                rest = line.split("{", 1)[1].strip()
                if rest.startswith("}"):
                    rules.append(stanza.rule(path, pending))
                    stanza, pending = None, []
                continue
            if words[0].startswith(("/", "~")) or raw.lstrip().startswith('"/'):
                pending += words  # paths of a stanza whose brace comes later
                continue
            state.apply(words)
            continue
        if words[0] == "}" or line.startswith("}"):
            rules.append(stanza.rule(path, pending))
            stanza, pending = None, []
            continue
        if words[0] in _SCRIPTS:
            in_script = True
            continue
        stanza.apply(words)
    return rules


def _include(target: str, read: Reader, listdir: Lister, state: _State, depth: int) -> list[RotationRule]:
    names = listdir(target)
    if names is None:
        return parse_logrotate(target, read, listdir, state, depth + 1)
    rules: list[RotationRule] = []
    for name in sorted(names):
        if name.startswith(".") or name.endswith(_TABOO):
            continue
        rules += parse_logrotate(f"{target.rstrip('/')}/{name}", read, listdir, state, depth + 1)
    return rules


_NEWSYSLOG_WHEN = [
    (re.compile(r"^@T\d*$|^\$D\d*$|^24$"), "daily"),
    (re.compile(r"^\$W\d"), "weekly"),
    (re.compile(r"^\$M\d|^@\d{2}T"), "monthly"),
    (re.compile(r"^@\d{4}T"), "yearly"),
    (re.compile(r"^1$"), "hourly"),
    (re.compile(r"^168$"), "weekly"),
]


def _newsyslog_frequency(when: str) -> str | None:
    if when == "*":
        return None
    for pattern, frequency in _NEWSYSLOG_WHEN:
        if pattern.match(when):
            return frequency
    if when.isdigit():
        hours = int(when)
        return "hourly" if hours <= 1 else "daily" if hours <= 24 else "weekly" if hours <= 168 else "monthly"
    return None


def parse_newsyslog(path: str, text: str) -> list[RotationRule]:
    """newsyslog.conf(5): ``logfilename [owner:group] mode count size when [flags] [pid_file] [sig]``."""
    rules: list[RotationRule] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("<"):
            continue
        fields = line.split()
        if len(fields) < 5:
            continue
        name, rest = fields[0], fields[1:]
        if rest and (":" in rest[0] or "." in rest[0]) and not re.fullmatch(r"[0-7]{3,4}", rest[0]):
            rest = rest[1:]
        if len(rest) < 4 or not re.fullmatch(r"[0-7]{3,4}", rest[0]) or not rest[1].isdigit():
            continue
        mode, count, size, when = int(rest[0], 8), int(rest[1]), rest[2], rest[3]
        flags = rest[4] if len(rest) > 4 and not rest[4].startswith("/") else ""
        rules.append(RotationRule(
            path, (name,), "newsyslog", _newsyslog_frequency(when), count,
            any(f in flags.upper() for f in "JZXY"), mode,
            int(size) * 1024 if size.isdigit() else None,
        ))
    return rules


def _dotted(data: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _bytes_from(value: Any, key: str) -> int | None:
    """A size from an app's config: ``maxLogFileSizeMB: 10`` (unit in the key name) or ``"20m"``."""
    if isinstance(value, bool) or value is None:
        return None
    unit = re.search(r"(kb|mb|gb)$", key, re.I)
    if isinstance(value, int | float) and unit:
        return int(value * 1024 ** {"kb": 1, "mb": 2, "gb": 3}[unit.group(1).lower()])
    try:
        return parse_size(value)
    except ValueError:
        return None


def app_limits(path: str, text: str | None, spec: s.AppLogLimits) -> RotationRule | str:
    """The app's own limits from its JSON/YAML config, or a sentence saying why they are unknown."""
    if text is None:
        return f"app config {path} missing"
    try:
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        return f"app config {path} does not parse ({str(exc).splitlines()[0][:80]})"
    files = _dotted(data, spec.max_files_key)
    count = int(files) if isinstance(files, int | float) and not isinstance(files, bool) else None
    size = _bytes_from(_dotted(data, spec.max_size_key), spec.max_size_key) if spec.max_size_key else None
    return RotationRule(path, (spec.max_files_key,), "app config", None, count, False, None, size)


def rules(host: Any, root: str | None, spec: s.Logrotate) -> tuple[list[RotationRule], list[str]]:
    """Every rotation rule on the host (logrotate on Linux, newsyslog on macOS/BSD) plus the apps'
    own limits; the second list says what could not be read."""

    def read(path: str) -> str | None:
        handle = host.file(rooted(root, path))
        return handle.content_string if handle.is_file else None

    def listdir(path: str) -> list[str] | None:
        handle = host.file(rooted(root, path))
        return handle.listdir() if handle.is_directory else None

    found: list[RotationRule] = []
    problems: list[str] = []
    if darwin.is_darwin(host) or (host.system_info.type or "").endswith("bsd"):
        drop_ins = sorted(listdir("/etc/newsyslog.d") or [])
        for conf in ["/etc/newsyslog.conf", *(f"/etc/newsyslog.d/{name}" for name in drop_ins)]:
            text = read(conf)
            if text is not None:
                found += parse_newsyslog(rooted(root, conf), text)
    else:
        found += parse_logrotate("/etc/logrotate.conf", read, listdir)
        if read("/etc/logrotate.conf") is None:  # no main config: the drop-ins alone
            for name in sorted(listdir("/etc/logrotate.d") or []):
                found += parse_logrotate(f"/etc/logrotate.d/{name}", read, listdir)
    found = [dataclasses.replace(rule, source=rooted(root, rule.source)) for rule in found]
    for app in spec.app_configs:
        path = rooted(root, app.path)
        handle = host.file(path)
        rule = app_limits(path, handle.content_string if handle.is_file else None, app)
        if isinstance(rule, str):
            problems.append(rule)
        else:
            found.append(rule)
    return found, problems

