"""A recursive walk below a directory: type, mode, owner and group of each entry, in one command.

``chmod -R 750 /opt/app`` or "state files 640 or 600" are promises about every entry of a tree;
testinfra's File module would cost one round trip per attribute per entry. One ``find`` reports
them all: GNU ``find -printf`` on Linux, ``find … -exec stat -f`` on macOS/BSD. The walk is capped
(``head`` stops ``find`` once the cap is passed) so a huge tree costs a bounded time, and the
observation says when it was cut short.
"""

from __future__ import annotations

import shlex
from typing import Any

from golive.prereq import darwin
from golive.prereq.observations import EntryObs, TreeObs

_BSD_TYPES = {"Regular File": "f", "Directory": "d", "Symbolic Link": "l", "Socket": "s",
              "FIFO File": "p", "Character Device": "c", "Block Device": "b"}


def _command(root: str, glob: str | None, cap: int, bsd: bool) -> str:
    name = f" -name {shlex.quote(glob)}" if glob else ""
    if bsd:
        walk = f"find {shlex.quote(root)} -mindepth 1{name} -exec stat -f '%HT|%Mp%Lp|%Su|%Sg|%N' {{}} +"
    else:
        walk = f"find {shlex.quote(root)} -mindepth 1{name} -printf '%y|%m|%u|%g|%p\\n'"
    # head exits after cap+1 lines; find then dies of SIGPIPE: the walk stops there.
    return f"{walk} 2>/dev/null | head -n {cap + 1}"


def walk(host: Any, root: str, glob: str | None, cap: int) -> TreeObs:
    """Every entry below ``root`` (or those whose name matches ``glob``), at most ``cap``."""
    bsd = darwin.is_darwin(host) or (host.system_info.type or "").endswith("bsd")
    result = host.run(_command(root, glob, cap, bsd))
    entries: list[EntryObs] = []
    for line in result.stdout.splitlines():
        parts = line.split("|", 4)
        if len(parts) != 5:
            continue
        kind, mode, user, group, path = parts
        kind = _BSD_TYPES.get(kind, "?") if bsd else kind
        try:
            entries.append(EntryObs(kind, int(mode, 8), user, group, path))
        except ValueError:
            continue
    truncated = len(entries) > cap
    return TreeObs(root, tuple(entries[:cap]), truncated, cap,
                   None if result.rc == 0 or entries else (result.stderr.strip() or f"find exited {result.rc}"))
