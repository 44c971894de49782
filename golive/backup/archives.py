"""Read and extract tar, tar.gz, tar.zst and zip archives safely, to their last byte.

One extraction into the scratch place serves integrity and restore: extraction reads every member
to its end, and afterwards the rest of the compressed stream is drained so that gzip's trailer
(CRC-32 and length) and zstd's frame checksum are checked too (tarfile stops at the end-of-archive
blocks and would not notice a cut trailer).

Safety: tar members go through the standard library's ``data`` extraction filter (PEP 706): no
absolute names, no ``..`` escapes, no links pointing outside the destination or to absolute paths,
no device files — such an archive fails with the member named, and nothing is written outside the
scratch place. zip has no such filter, so its names and symlink entries are checked before anything
is extracted.
"""

from __future__ import annotations

import contextlib
import gzip
import queue
import stat
import tarfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

_CHUNK = 1 << 20


class UnsafeMember(Exception):
    """A member that would land outside the scratch place (or is a device / absolute link)."""


@dataclass(frozen=True)
class Extracted:
    """The outcome of one extraction: how far it got and, on failure, why."""

    ok: bool
    members: tuple[str, ...]
    seconds: float
    error: str = ""
    unsafe: bool = False


class _Prefetch:
    """Decompress in a second thread while the caller parses and writes (zlib and zstd release the GIL):
    the pipeline ``tar -xzf`` gets from running gzip as its own process. Errors surface in ``read``."""

    def __init__(self, source: IO[bytes], depth: int = 8) -> None:
        self.source = source
        self.chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self.buffer = b""
        self.pos = 0
        self.done = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._fill, daemon=True, name="golive-decompress")
        self.thread.start()

    def _fill(self) -> None:
        try:
            while not self.stop.is_set():
                chunk = self.source.read(_CHUNK)
                self._put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the reader, raised there
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self.stop.is_set():
            try:
                self.chunks.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (tarfile asks for 10 KiB at a time: served from the current chunk by
        offset, without copying the rest of the chunk each time)."""
        while not self.done and (size < 0 or len(self.buffer) - self.pos < size):
            item = self.chunks.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                self.done = True
                break
            self.buffer = self.buffer[self.pos:] + item
            self.pos = 0
        end = len(self.buffer) if size < 0 else min(self.pos + size, len(self.buffer))
        out = self.buffer[self.pos:end]
        self.pos = end
        return out

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


@contextlib.contextmanager
def _stream(path: Path, fmt: str) -> Iterator[IO[bytes]]:
    """The decompressed byte stream of a tar archive (``fmt`` from ``golive.backup.sniff``)."""
    if fmt in ("tar.gz", "tar.zst"):
        with path.open("rb") as raw:
            inner: Any = gzip.GzipFile(fileobj=raw, mode="rb") if fmt == "tar.gz" else _ZstdStream(raw)
            prefetch = _Prefetch(inner)
            try:
                yield prefetch  # type: ignore[misc]
            finally:
                prefetch.close()
    else:
        with path.open("rb") as handle:
            yield handle


def _errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [tarfile.TarError, EOFError, OSError, zlib.error, zipfile.BadZipFile]
    with contextlib.suppress(ImportError):
        import zstandard

        found.append(zstandard.ZstdError)
    return tuple(found)


def extract(path: Path, fmt: str, dest: Path) -> Extracted:
    """Extract ``path`` into ``dest`` (which must exist), reading it to its very end."""
    start = time.monotonic()
    members: list[str] = []
    try:
        if fmt == "zip":
            _extract_zip(path, dest, members)
        else:
            _extract_tar(path, fmt, dest, members)
    except UnsafeMember as exc:
        return Extracted(False, tuple(members), time.monotonic() - start, str(exc), unsafe=True)
    except tarfile.FilterError as exc:
        return Extracted(False, tuple(members), time.monotonic() - start, _filter_reason(exc), unsafe=True)
    except _errors() as exc:
        done = f" after {len(members)} member(s)" if members else ""
        return Extracted(False, tuple(members), time.monotonic() - start,
                         f"unreadable{done}: {_describe(exc)}")
    return Extracted(True, tuple(members), time.monotonic() - start)


def _extract_tar(path: Path, fmt: str, dest: Path, members: list[str]) -> None:
    with _stream(path, fmt) as stream, tarfile.open(fileobj=stream, mode="r|") as archive:
        archive.copybufsize = _CHUNK  # tarfile copies members 16 KiB at a time by default
        for member in archive:
            safe = tarfile.data_filter(member, str(dest))  # raises FilterError for unsafe members
            archive.extract(safe, dest, filter="fully_trusted", set_attrs=True)
            members.append(_norm(member.name) + ("/" if member.isdir() else ""))
        while stream.read(_CHUNK):  # the compressed stream to its end: gzip trailer, zstd checksum
            pass


class _ZstdStream:
    """A zstd stream that raises at a cut frame (zstandard's ``stream_reader`` stops quietly there)."""

    def __init__(self, raw: IO[bytes]) -> None:
        import zstandard

        self._new = zstandard.ZstdDecompressor().decompressobj
        self.raw, self.decomp, self.buffer = raw, self._new(), bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = self.raw.read(_CHUNK)
            if not chunk:
                if not self.decomp.eof and self.decomp_started:
                    raise EOFError("zstd frame ends before its end mark (file truncated)")
                break
            self._feed(chunk)
        size = len(self.buffer) if size < 0 else min(size, len(self.buffer))
        out = bytes(self.buffer[:size])
        del self.buffer[:size]
        return out

    decomp_started = False

    def _feed(self, chunk: bytes) -> None:
        while chunk:
            self.decomp_started = True
            self.buffer += self.decomp.decompress(chunk)
            if not self.decomp.eof:
                return
            chunk = self.decomp.unused_data  # a next frame (zstd -T / appended frames)
            self.decomp = self._new()
            self.decomp_started = False


def _extract_zip(path: Path, dest: Path, members: list[str]) -> None:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        for info in infos:
            _check_zip_member(archive, info)
        for info in infos:
            archive.extract(info, dest)  # reads the member and checks its CRC-32
            members.append(_norm(info.filename) + ("/" if info.is_dir() else ""))


def _check_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    name = info.filename
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeMember(f"member {name!r} has an absolute path")
    if ".." in pure.parts:
        raise UnsafeMember(f"member {name!r} points outside the destination (..)")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        target = archive.read(info).decode(errors="replace")
        if target.startswith("/"):
            raise UnsafeMember(f"member {name!r} is a symlink to an absolute path ({target})")
        if ".." in PurePosixPath(pure.parent, target).parts:
            raise UnsafeMember(f"member {name!r} is a symlink pointing outside the destination ({target})")


def _filter_reason(exc: tarfile.FilterError) -> str:
    member = getattr(exc, "tarinfo", None)
    name = member.name if member is not None else "?"
    if isinstance(exc, tarfile.AbsolutePathError):
        return f"member {name!r} has an absolute path"
    if isinstance(exc, tarfile.OutsideDestinationError):
        return f"member {name!r} points outside the destination (..)"
    if isinstance(exc, tarfile.AbsoluteLinkError):
        return f"member {name!r} is a link to an absolute path ({member.linkname if member else '?'})"
    if isinstance(exc, tarfile.LinkOutsideDestinationError):
        return f"member {name!r} is a link pointing outside the destination ({member.linkname if member else '?'})"
    if isinstance(exc, tarfile.SpecialFileError):
        return f"member {name!r} is a device or special file"
    return f"member {name!r} refused: {exc}"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, EOFError) and "end-of-stream" in text:
        return "compressed stream ends early (file truncated)"
    return text


def _norm(name: str) -> str:
    return str(PurePosixPath(name.replace("\\", "/"))).lstrip("/") or "."


def member_root(members: tuple[str, ...] | list[str]) -> str:
    """The single top-level directory every member sits under ("" when there is none)."""
    tops = {m.split("/", 1)[0] for m in members if m and m != "."}
    if len(tops) != 1:
        return ""
    top = next(iter(tops))
    return top if any(m.startswith(top + "/") for m in members) else ""
