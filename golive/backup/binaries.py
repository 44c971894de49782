"""Which PostgreSQL installation runs the drill: Debian's /usr/lib/postgresql/N/bin, then the
PostgreSQL that the ``pgserver`` wheel ships, or the profile's ``pg_bin_dir``.

A pg_restore must be at least as new as the pg_dump that wrote the archive, and the scratch server
at least as new as the source server (a dump replays into the same or a newer major). Among those
that qualify the oldest is taken (closest to the source); system installations come first because
they carry the contrib extensions (pg_trgm, ...) that pgserver's build lacks.
"""

from __future__ import annotations

import glob
import subprocess
from dataclasses import dataclass
from pathlib import Path

SYSTEM_GLOB = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class PgInstall:
    """One PostgreSQL installation: its bin directory and major version."""

    bin_dir: Path
    major: int
    system: bool = True

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    @property
    def has_server(self) -> bool:
        return (self.bin_dir / "postgres").exists() and (self.bin_dir / "initdb").exists()


def _major_of(bin_dir: Path) -> int | None:
    try:
        out = subprocess.run([str(bin_dir / "pg_restore"), "--version"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except OSError:
        return None
    for word in out.split():
        head = word.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def _pgserver_bin() -> Path | None:
    from importlib.util import find_spec

    spec = find_spec("pgserver")  # located, not imported (importing it costs and warns)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "pginstall" / "bin"
    return path if path.exists() else None


def installations(pg_bin_dir: str | None = None) -> list[PgInstall]:
    """Every usable installation (the explicit one alone when ``pg_bin_dir`` is set)."""
    found: list[PgInstall] = []
    dirs: list[tuple[Path, bool]]
    if pg_bin_dir:
        dirs = [(Path(pg_bin_dir), True)]
    else:
        dirs = [(Path(d), True) for d in sorted(glob.glob(SYSTEM_GLOB))]
        embedded = _pgserver_bin()
        if embedded is not None:
            dirs.append((embedded, False))
    for bin_dir, system in dirs:
        if not (bin_dir / "pg_restore").exists():
            continue
        major = _major_of(bin_dir)
        if major is not None:
            found.append(PgInstall(bin_dir, major, system))
    return found


def choose(candidates: list[PgInstall], tool_major: int | None, server_major: int | None,
           need_server: bool = True) -> PgInstall | None:
    """The installation that can read a dump by ``tool_major`` from a ``server_major`` source."""
    floor = max(tool_major or 0, server_major or 0)
    usable = [c for c in candidates if c.major >= floor and (c.has_server or not need_server)]
    if not usable:
        return None
    return sorted(usable, key=lambda c: (not c.system, c.major))[0]
