"""Where the backups are: a directory or a glob, on this machine or on a profile host reached
through its testinfra connection (``backup.host``). The newest entry by modification time is "the
backup"; a directory holding ``toc.dat`` is one directory-format dump, not a folder of backups.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import posixpath
from pathlib import Path
from typing import Any

from golive.backup.model import BackupFile, Located

_GLOB_CHARS = set("*?[")


def is_glob(location: str) -> bool:
    return bool(_GLOB_CHARS & set(location))


def locate(location: str, host: Any = None) -> Located:
    """Every backup at ``location`` (newest first); ``host`` is a ``golive.profile.Host`` or None."""
    try:
        files = _remote(location, host) if host is not None else _local(location)
    except Exception as exc:  # a listing failure is an observation (unreachable host...)
        where = f" on {host.name}" if host is not None else ""
        return Located(location, (), f"cannot list {location}{where}: {exc}")
    return Located(location, tuple(sorted(files, key=lambda f: f.mtime, reverse=True)))


def _local(location: str) -> list[BackupFile]:
    if is_glob(location):
        paths = [Path(p) for p in glob.glob(os.path.expanduser(location))]
    else:
        root = Path(location).expanduser()
        if not root.exists():
            raise FileNotFoundError("no such file or directory")
        paths = list(root.iterdir()) if root.is_dir() and not (root / "toc.dat").exists() else [root]
    found = []
    for path in paths:
        if path.name.startswith(".") or not (path.is_file() or (path / "toc.dat").exists()):
            continue
        stat = path.stat()
        is_dir = path.is_dir()
        size = sum(p.stat().st_size for p in path.iterdir() if p.is_file()) if is_dir else stat.st_size
        found.append(BackupFile(str(path), stat.st_mtime, size, is_dir))
    return found


def connect_host(host: Any) -> Any:
    """A testinfra host for a profile ``Host`` (ssh_config/identity/sudo carried over)."""
    import testinfra

    kwargs: dict[str, Any] = {}
    if getattr(host, "ssh_config", None):
        kwargs["ssh_config"] = str(host.ssh_config)
    if getattr(host, "ssh_identity_file", None):
        kwargs["ssh_identity_file"] = str(host.ssh_identity_file)
    if getattr(host, "sudo", False):
        kwargs["sudo"] = True
    return testinfra.get_host(host.connection, **kwargs)


def _remote(location: str, host: Any) -> list[BackupFile]:
    remote = connect_host(host)
    if is_glob(location):
        parent, pattern = posixpath.split(location)
        names = [n for n in remote.file(parent).listdir() if fnmatch.fnmatch(n, pattern)]
        paths = [posixpath.join(parent, n) for n in names]
    else:
        root = remote.file(location)
        if not root.exists:
            raise FileNotFoundError("no such file or directory")
        if root.is_directory and not remote.file(posixpath.join(location, "toc.dat")).exists:
            paths = [posixpath.join(location, n) for n in root.listdir()]
        else:
            paths = [location]
    found = []
    for path in paths:
        entry = remote.file(path)
        if posixpath.basename(path).startswith("."):
            continue
        is_dir = entry.is_directory
        if is_dir and not remote.file(posixpath.join(path, "toc.dat")).exists:
            continue
        if not is_dir and not entry.is_file:
            continue
        size = 0 if is_dir else entry.size
        found.append(BackupFile(path, entry.mtime.timestamp(), size, is_dir, remote=True))
    return found


def fetch_local(backup: BackupFile, host: Any, dest: Path) -> Path:
    """A local path holding ``backup``: itself when local, else a copy read through testinfra."""
    if not backup.remote:
        return Path(backup.path)
    if backup.is_dir:
        raise ValueError(f"{backup.path} on {host.name} is a directory-format dump; copy it here to drill it")
    remote = connect_host(host)
    dest.mkdir(parents=True, exist_ok=True)
    local = dest / posixpath.basename(backup.path)
    local.write_bytes(remote.file(backup.path).content)
    return local
