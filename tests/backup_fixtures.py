"""Real backups of every file kind for the backup self-tests and the bench: SQLite online backups,
archives written by the real ``tar``/``zip`` programs, JSON state, Redis RDB/AOF files, and age/gpg
encrypted copies made by the real ``age``/``gpg`` programs.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest


def require(*programs: str) -> None:
    """Skip (locally) when a Debian program is missing; CI installs them (scripts/system-deps.sh)."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (scripts/system-deps.sh installs them)")


def make_sqlite(path: Path, notes: int = 50, users: int = 5) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body TEXT)")
    db.execute("CREATE INDEX notes_user ON notes(user_id)")
    db.executemany("INSERT INTO users(email) VALUES (?)", [(f"u{i}@example.com",) for i in range(users)])
    db.executemany("INSERT INTO notes(user_id, body) VALUES (?, ?)",
                   [(i % users + 1, f"note {i} " + "x" * 200) for i in range(notes)])
    db.commit()
    db.close()
    return path


def sqlite_backup(source: Path, target: Path) -> Path:
    """The seed's way: the online backup API (``db.backup()``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()
    return target


def corrupt_pages(path: Path, target: Path) -> Path:
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data) - 64, page * 2):  # scribble over b-tree pages, keep the header
        data[offset + 8: offset + 40] = bytes(range(32))
    target.write_bytes(bytes(data))
    return target


def make_tree(root: Path, files: int = 20) -> Path:
    """An application data directory: a SQLite file, uploads, config."""
    (root / "uploads").mkdir(parents=True, exist_ok=True)
    (root / "config").mkdir(exist_ok=True)
    make_sqlite(root / "app.db")
    for i in range(files):
        (root / "uploads" / f"img{i}.bin").write_bytes(bytes((i * 7 + j) % 256 for j in range(1000 + i * 37)))
    (root / "config" / "app.json").write_text(json.dumps({"port": 3000}))
    (root / ".env.production").write_text("NODE_ENV=production\n")
    for extra in ("app.db-wal", "app.db-shm"):
        (root / extra).unlink(missing_ok=True)
    return root


def tar_dir(source: Path, target: Path, top: str | None = None, compress: str = "gz") -> Path:
    """``tar -c[z|--zstd]f`` with the real tar, the directory under ``top`` (the seed's layout)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    flag = {"gz": ["-z"], "zst": ["--zstd"], "": []}[compress]
    if top:
        staging = target.parent / f".stage-{target.name}"
        shutil.copytree(source, staging / top)
        subprocess.run(["tar", *flag, "-cf", str(target), "-C", str(staging), top], check=True)
        shutil.rmtree(staging)
    else:
        subprocess.run(["tar", *flag, "-cf", str(target), "-C", str(source), "."], check=True)
    return target


def zip_dir(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["zip", "-q", "-r", "-y", str(target.resolve()), "."], cwd=source, check=True)
    return target


def with_manifest(root: Path) -> Path:
    """``sha256sum`` over every file into SHA256SUMS (as a backup job would)."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    done = subprocess.run(["sha256sum", *files], cwd=root, check=True, capture_output=True, text=True)
    (root / "SHA256SUMS").write_text(done.stdout)
    return root


def evil_tar(target: Path, how: str) -> Path:
    """A tar.gz with one hostile member after a harmless one: ``../`` escape or absolute symlink."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        ok = tarfile.TarInfo("data/ok.txt")
        body = b"harmless\n"
        ok.size = len(body)
        archive.addfile(ok, io.BytesIO(body))
        if how == "traversal":
            bad = tarfile.TarInfo("../golive-escaped.txt")
            payload = b"escaped\n"
            bad.size = len(payload)
            archive.addfile(bad, io.BytesIO(payload))
        else:
            link = tarfile.TarInfo("data/passwd")
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            archive.addfile(link)
    return target


def evil_zip(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("data/ok.txt", "harmless\n")
        archive.writestr("../golive-escaped.txt", "escaped\n")
    return target


def cut(source: Path, target: Path, fraction: float) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def make_state(root: Path, count: int = 6) -> Path:
    (root / "states").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        state = {"id": f"task-{i}", "phase": "done", "steps": [1, 2, 3], "updatedAt": "2026-11-20T10:00:00Z"}
        (root / "states" / f"task-{i}.json").write_text(json.dumps(state))
    (root / "config.json").write_text(json.dumps({"retention": 30, "audit": True}))
    return root


STATE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "phase", "steps"],
    "properties": {"id": {"type": "string"}, "phase": {"enum": ["new", "running", "done"]},
                   "steps": {"type": "array", "items": {"type": "integer"}}},
}


def resp(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def age_keypair(directory: Path, name: str) -> tuple[Path, str]:
    """``age-keygen`` → (identity file, recipient)."""
    directory.mkdir(parents=True, exist_ok=True)
    identity = directory / f"{name}.key"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(line.split(":", 1)[1].strip() for line in identity.read_text().splitlines()
                     if line.startswith("# public key:"))
    return identity, recipient


def age_encrypt(source: Path, target: Path, recipient: str) -> Path:
    subprocess.run(["age", "-r", recipient, "-o", str(target), str(source)], check=True)
    return target


def gpg_symmetric(source: Path, target: Path, passphrase: str, home: Path) -> Path:
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--pinentry-mode", "loopback",
                    "--passphrase-fd", "0", "--symmetric", "--cipher-algo", "AES256", "-o", str(target),
                    str(source)], input=passphrase.encode(), check=True, capture_output=True)
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)
    return target


def gpg_keypair(home: Path, uid: str, target: Path) -> Path:
    """A passphrase-less OpenPGP key made with gpg in ``home``; its secret key exported to ``target``."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    base = ["gpg", "--homedir", str(home), "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""]
    subprocess.run([*base, "--quick-gen-key", uid, "ed25519", "default", "never"], check=True, capture_output=True)
    subprocess.run([*base, "--quick-add-key", _fingerprint(home, uid), "cv25519", "encr", "never"], check=True,
                   capture_output=True)
    with target.open("wb") as out:
        subprocess.run([*base, "--export-secret-keys", uid], check=True, stdout=out)
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)
    return target


def _fingerprint(home: Path, uid: str) -> str:
    done = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--with-colons", "--list-keys", uid],
                          check=True, capture_output=True, text=True)
    return next(line.split(":")[9] for line in done.stdout.splitlines() if line.startswith("fpr:"))


def gpg_encrypt(source: Path, target: Path, uid: str, home: Path) -> Path:
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--trust-model", "always", "-r", uid,
                    "--encrypt", "-o", str(target), str(source)], check=True, capture_output=True)
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)
    return target
