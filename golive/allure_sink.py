"""The process that writes golive's Allure files: ``python -m golive.allure_sink DIR``.

Thousands of small files cost thousands of system calls (create, write, close, rename each). Made
by a thread of the run, each call hands the interpreter lock back and forth with the checks'
thread, which stalled the checks (``golive.allure_writer``). Made by this process, they cost the
run one pipe write per batch. Standard library only, so that it starts in milliseconds.

Protocol on stdin, one frame after another: a kind byte, the name's and the data's lengths (two
unsigned 32-bit big-endian integers), the name (UTF-8), the data.
- ``F``: write the data to ``DIR/name``, through ``name.tmp`` renamed into place (a reader never
  sees half a file, as allure-pytest's own logger does it);
- ``S``: answer one byte ``S`` on stdout once every earlier file is written (the run's sync).
End of input: exit 0. A file it cannot write: the error on stderr, exit 1 (the run reports it).
"""

from __future__ import annotations

import os
import struct
import sys
from typing import BinaryIO

HEADER = struct.Struct(">cII")
CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def frame(kind: bytes, name: str = "", data: bytes = b"") -> bytes:
    encoded = name.encode("utf-8")
    return HEADER.pack(kind, len(encoded), len(data)) + encoded + data


def write_atomically(directory: str, name: str, data: bytes) -> None:
    final = f"{directory}{os.sep}{name}"
    temporary = f"{final}.tmp"
    descriptor = os.open(temporary, CREATE, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)
    os.replace(temporary, final)


def _read_exactly(stream: BinaryIO, size: int, what: str) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) < size:
        raise EOFError(f"input ended inside {what}")
    return data


def serve(directory: str, stream: BinaryIO, answers: BinaryIO) -> None:
    """Frames until the input ends between two of them; one cut short is an error, not an end."""
    while header := stream.read(HEADER.size):
        if len(header) < HEADER.size:
            raise EOFError("input ended inside a frame's header")
        kind, name_size, data_size = HEADER.unpack(header)
        name = _read_exactly(stream, name_size, "a frame's name").decode("utf-8")
        data = _read_exactly(stream, data_size, f"the frame of {name!r}")
        if kind == b"F":
            if os.sep in name or name in ("", ".", ".."):
                raise ValueError(f"not a file name: {name!r}")
            write_atomically(directory, name, data)
        elif kind == b"S":
            answers.write(b"S")
            answers.flush()
        else:
            raise ValueError(f"unknown frame kind {kind!r}")


def main(argv: list[str]) -> int:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's; it closes our input
    try:
        serve(argv[1], sys.stdin.buffer, sys.stdout.buffer)
    except Exception as exc:  # reported to the run through stderr and the exit code
        print(f"golive allure sink: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
