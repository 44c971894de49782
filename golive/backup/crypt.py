"""Encrypted backups: tell age and OpenPGP files apart from plaintext and decrypt them with the
profile's key into the drill's scratch place.

Tools: the ``age`` and ``gpg`` programs from Debian (packages ``age``, ``gnupg``) — the ones that
wrote the backups in the first place. Both stream (a multi-GB backup is never held in memory, which
``pyrage``'s in-memory API would do), both authenticate what they decrypt (age's STREAM chunks,
OpenPGP's MDC), so a truncated or altered ciphertext fails here. They are judged by exit status and,
for gpg, by its documented machine interface (``--status-fd`` keywords), never by its prose.
gpg runs in a throw-away GNUPGHOME inside the scratch place (the secret key is imported there, the
agent of that home is stopped afterwards); the passphrase goes through a pipe, never argv.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from golive.backup.model import DecryptObservation
from golive.backup.sniff import ENCRYPTED, describe, sniff
from golive.settings.backup import Encryption

AGE = "age"
GPG = "gpg"


def _missing(tool: str) -> str:
    return f"{tool} is not installed (apt-get install {'age' if tool == AGE else 'gnupg'})"


def decrypt(path: Path, key: Encryption | None, scratch: Path, timeout: float = 3600.0) -> DecryptObservation:
    """Decrypt ``path`` into ``scratch`` when it is encrypted; a plaintext file is returned as is."""
    fmt = sniff(path)
    if fmt not in ENCRYPTED:
        return DecryptObservation(str(path), fmt, encrypted=False, ok=True, detail=f"is {describe(fmt)}, not encrypted",
                                  plain=path)
    if key is None:
        return DecryptObservation(str(path), fmt, True, False,
                                  f"is {describe(fmt)}; set backup.encryption with the key that decrypts it")
    problem = _key_problem(key)
    if problem:
        return DecryptObservation(str(path), fmt, True, False, f"cannot be decrypted: {problem}")
    scratch.mkdir(parents=True, exist_ok=True)
    name = path.name
    for suffix in (".age", ".gpg", ".pgp", ".asc"):
        name = name.removesuffix(suffix)
    out = scratch / f"decrypted-{name}"
    start = time.monotonic()
    try:
        ok, detail = (_age if fmt == "age" else _gpg)(path, key, out, scratch, timeout)
    except subprocess.TimeoutExpired:
        ok, detail = False, f"decryption still running after {timeout:g}s; stopped"
    seconds = time.monotonic() - start
    if not ok:
        out.unlink(missing_ok=True)
        return DecryptObservation(str(path), fmt, True, False, f"cannot be decrypted: {detail}", seconds=seconds)
    inner = sniff(out)
    return DecryptObservation(str(path), fmt, True, True, f"is {describe(fmt)} and decrypts to {describe(inner)}",
                              plain=out, inner=inner, seconds=seconds)


def _key_problem(key: Encryption) -> str:
    if key.identity_file is None:
        return ""
    try:
        with Path(key.identity_file).open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        return f"key file {key.identity_file} unreadable: {exc.strerror or exc}"
    if not head.strip():
        return f"key file {key.identity_file} is empty"
    return ""


def _age(path: Path, key: Encryption, out: Path, scratch: Path, timeout: float) -> tuple[bool, str]:
    if shutil.which(AGE) is None:
        return False, _missing(AGE)
    if key.identity_file is None:
        return False, ("an age passphrase file needs a terminal (age reads passphrases only from one); "
                       "encrypt to an identity and give backup.encryption.identity_file")
    done = subprocess.run([AGE, "--decrypt", "-i", str(key.identity_file), "-o", str(out), str(path)],
                          capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "error:" in line]
        why = errors[0].split("error:", 1)[1].strip() if errors else _last(done.stderr)
        return False, f"age could not decrypt it with {Path(key.identity_file).name}: {why}"
    return True, ""


def _gpg(path: Path, key: Encryption, out: Path, scratch: Path, timeout: float) -> tuple[bool, str]:
    if shutil.which(GPG) is None:
        return False, _missing(GPG)
    home = scratch / "gnupg"
    home.mkdir(mode=0o700, exist_ok=True)
    base = [GPG, "--homedir", str(home), "--batch", "--no-tty", "--quiet"]
    try:
        if key.identity_file is not None:
            imported = subprocess.run([*base, "--status-fd", "1", "--import", str(key.identity_file)],
                                      capture_output=True, text=True, timeout=60, check=False,
                                      stdin=subprocess.DEVNULL)
            if "IMPORT_OK" not in imported.stdout and "IMPORTED" not in imported.stdout:
                return False, (f"key file {Path(key.identity_file).name} holds no OpenPGP key gpg can import: "
                               f"{_last(imported.stderr)}")
        argv = [*base, "--yes", "--status-fd", "2", "--pinentry-mode", "loopback", "--passphrase-fd", "0",
                "--output", str(out), "--decrypt", str(path)]
        done = subprocess.run(argv, input=(key.passphrase or "") + "\n", capture_output=True, text=True,
                              timeout=timeout, check=False)
    finally:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, timeout=20,
                           check=False, stdin=subprocess.DEVNULL)
    lines = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("[GNUPG:] ")]
    status = {words[0] for words in lines if words}
    codes = {word for words in lines for word in words[1:]}  # e.g. ERROR ... 11_BAD_PASSPHRASE
    if done.returncode == 0 and "DECRYPTION_OKAY" in status and "DECRYPTION_FAILED" not in status:
        return True, ""
    if "BAD_PASSPHRASE" in status or "MISSING_PASSPHRASE" in status or any(c.endswith("_BAD_PASSPHRASE")
                                                                           for c in codes):
        why = "wrong passphrase" if key.passphrase else "a passphrase is needed (backup.encryption.passphrase)"
    elif "NO_SECKEY" in status or ("ENC_TO" in status and "DECRYPTION_KEY" not in status):
        to = ", ".join(sorted({words[1] for words in lines if words[0] == "ENC_TO" and len(words) > 1}))
        why = f"encrypted to another key ({to}); the key file holds no matching secret key"
    elif "DECRYPTION_FAILED" in status or "BADMDC" in status:
        why = "ciphertext damaged or not decryptable (integrity check failed)"
    else:
        why = _last("\n".join(line for line in done.stderr.splitlines() if not line.startswith("[GNUPG:]")))
    return False, f"gpg could not decrypt it: {why}"


def _last(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no error text"


def remove(path: Path | None) -> None:
    """Remove a decrypted plaintext as soon as the drill is done with it."""
    if path is not None and path.exists() and path.name.startswith("decrypted-"):
        with contextlib.suppress(OSError):
            os.unlink(path)
