"""Checks a profile gets when it loads, beyond its types: everything that would otherwise fail
mid-run as a "product defect" (a missing ``ca_bundle``, an unparsable DSN) or, worse, quietly do
the wrong thing (a ``timeout: 0s``; an absolute URL as an endpoint path, which sent the target's
Bearer token in plain HTTP to another port).

Generic by key name, not per setting, so that the keys other domains add get the same checks:

- path-valued keys (``golive.profile_load.PATH_KINDS``): the file or directory exists and is readable
  (a ``ca_bundle`` must hold a PEM certificate);
- ``dsn`` / ``*_dsn``: libpq can parse it (psycopg's conninfo parser);
- ``timeout`` / ``*_timeout``: positive;
- ``url`` / ``*_url``: no whitespace or control character;
- URL paths under ``checks`` (``path``, ``*_path``, ``paths``, ``*_paths``; not the prerequisites'
  or backups' file paths): a path, never an absolute or scheme-relative URL, and the same origin
  as every target after joining;
- waivers and attestations: known checklist ids, known subjects, attestations only for manual
  items and never dated in the future.

Each check works on the raw data (interpolated, paths resolved), flattened once by ``walk``, and
tolerates any shape: a wrong type is the model's error to report, and every problem of the file is
reported at once.
"""

from __future__ import annotations

import difflib
import os
import re
import ssl
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from golive.durations import parse_duration
from golive.profile_errors import Problem

FILE, DIRECTORY, PEM = "file", "directory", "pem"

_NOT_URL_PATHS = ("checks.prerequisites", "checks.backup")
"""Sections whose ``path`` keys are files on a host, not URL paths."""
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def walk(data: Any, key: str = "") -> list[tuple[str, str, Any]]:
    """Every (key path, last key, value) of nested mappings and lists, in document order.

    Iterative: a recursive generator costs a frame per level for every value it yields, which made
    a deep, wide document quadratic."""
    out: list[tuple[str, str, Any]] = []
    stack: list[tuple[str, str, Any]] = [(key, key.rsplit(".", 1)[-1], data)]
    root = True
    while stack:
        path, name, value = stack.pop()
        if not root:
            out.append((path, name, value))
        root = False
        if isinstance(value, dict):
            stack.extend(reversed([(f"{path}.{k}" if path else str(k), str(k), v) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path}[{i}]", name, v) for i, v in enumerate(value)]))
    return out


# --------------------------------------------------------------------------- files


Entries = list[tuple[str, str, Any]]
"""``walk``'s result: (key path, last key, value) of every value of a profile."""


def check_paths(entries: Entries, kinds: dict[str, str]) -> list[Problem]:
    """Path-valued keys (already resolved against the file that wrote them) name something that
    exists and can be read, of the right kind."""
    problems: list[Problem] = []
    for key, name, value in entries:
        kind = kinds.get(name)
        if kind is None or not isinstance(value, str) or not value:
            continue
        problem = _path_problem(Path(value).expanduser(), kind)
        if problem:
            problems.append(Problem(key, problem))
    return problems


def _path_problem(path: Path, kind: str) -> str | None:
    if not path.exists():
        return f"No such {'directory' if kind == DIRECTORY else 'file'}: {path}"
    if kind == DIRECTORY:
        if not path.is_dir():
            return f"{path} is not a directory"
        if not os.access(path, os.R_OK | os.X_OK):
            return f"directory {path} is not readable"
        return None
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        return f"file {path} cannot be read: {exc.strerror or exc}"
    if kind == PEM:
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
        except (ssl.SSLError, ValueError) as exc:
            return f"{path} holds no PEM certificate ({exc.__class__.__name__}: {getattr(exc, 'reason', exc)})"
    return None


# --------------------------------------------------------------------------- values


def check_dsns(entries: Entries) -> list[Problem]:
    """``dsn``/``*_dsn`` values that libpq cannot parse (empty means "not set")."""
    problems: list[Problem] = []
    for key, name, value in entries:
        if (name == "dsn" or name.endswith("_dsn")) and isinstance(value, str) and value.strip():
            from psycopg import conninfo

            try:
                conninfo.conninfo_to_dict(value)
            except Exception as exc:  # psycopg.ProgrammingError and friends: libpq's own message
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                problems.append(Problem(key, f"libpq cannot parse this connection string ({first}); expected "
                                             "postgresql://user@host:port/dbname or 'host=... dbname=...'"))
    return problems


def check_timeouts(entries: Entries) -> list[Problem]:
    """A zero timeout would fail every call at once: timeouts are positive."""
    problems: list[Problem] = []
    for key, name, value in entries:
        if name == "timeout" or name.endswith("_timeout"):
            try:
                seconds = parse_duration(value)
            except ValueError:
                continue  # not a duration: the model says so
            if seconds <= 0:
                problems.append(Problem(key, f"expected a positive duration like 5s; got {value!r}"))
    return problems


def check_urls(entries: Entries) -> list[Problem]:
    """``url``/``*_url`` values with whitespace or control characters (``https://app .example.com``)."""
    problems: list[Problem] = []
    for key, name, value in entries:
        if (name == "url" or name.endswith("_url")) and isinstance(value, str) and _CONTROL.search(value.strip()):
            problems.append(Problem(key, f"URL {value!r} contains a space or control character"))
    return problems


def check_url_paths(data: Any, entries: Entries) -> list[Problem]:
    """URL paths under ``checks`` stay on the target: no absolute or scheme-relative URL, same origin
    as every target after joining."""
    if not isinstance(data, dict):
        return []
    listed = data.get("targets")
    targets = [t["url"] for t in (listed if isinstance(listed, list) else [])
               if isinstance(t, dict) and isinstance(t.get("url"), str)]
    problems: list[Problem] = []
    for key, name, value in entries:
        if (not key.startswith("checks.") or key.startswith(_NOT_URL_PATHS) or not _is_path_key(name)
                or not isinstance(value, str)):
            continue
        problem = _url_path_problem(value, targets)
        if problem:
            problems.append(Problem(key, problem))
    return problems


def _is_path_key(name: str) -> bool:
    return name in ("path", "paths") or name.endswith(("_path", "_paths"))


def _url_path_problem(value: str, targets: list[str]) -> str | None:
    stripped = value.strip()
    if _SCHEME.match(stripped) and not stripped.startswith("/"):
        return (f"expected a path on the target (like /api/health); got the absolute URL {value!r}, "
                "which would send this request (and its headers) to another server")
    if stripped.startswith(("//", "\\", "/\\")):
        return (f"expected a path on the target (like /api/health); got {value!r}, a scheme-relative URL "
                "that names another host")
    for base in targets:
        root = base.rstrip("/") + "/"
        for joined in (urljoin(root, stripped.lstrip("/")), root + stripped.lstrip("/")):
            if _origin(joined) != _origin(base):
                return f"path {value!r} leaves the target's origin once joined with {base!r} ({joined!r})"
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


# --------------------------------------------------------------------------- references


def check_references(data: Any, catalog: dict[str, Any], subject_names: set[str] | None,
                     today: date | None = None) -> list[Problem]:
    """Waivers and attestations name checklist ids that exist (and subjects that do); attestations
    are for manual items and are not dated in the future."""
    if not isinstance(data, dict):
        return []
    today = today or date.today()
    problems: list[Problem] = []
    for kind in ("waivers", "attestations"):
        entries = data.get(kind)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("check"), str):
                continue
            key = f"{kind}[{index}]"
            check_id, _, rest = entry["check"].partition("[")
            item = catalog.get(check_id)
            if item is None:
                hint = difflib.get_close_matches(check_id, list(catalog), n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                problems.append(Problem(f"{key}.check", f"unknown checklist id {check_id!r}{suggestion} "
                                                        "(see `golive checklist`)"))
                continue
            subject = rest[:-1] if rest.endswith("]") else (rest or None)
            if subject is not None and subject_names is not None and subject not in subject_names:
                hint = difflib.get_close_matches(subject, sorted(subject_names), n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                known = ", ".join(sorted(subject_names)) or "none"
                problems.append(Problem(f"{key}.check", f"{entry['check']!r} names the subject {subject!r}, which is "
                                                        f"not in this profile{suggestion} (subjects: {known})"))
            if kind == "waivers" and getattr(item, "mode", "") == "manual":
                problems.append(Problem(f"{key}.check", _MANUAL_WAIVER.format(id=check_id)))
            if kind == "attestations":
                problems += _attestation_problems(key, entry, item, today)
    return problems


_MANUAL_WAIVER = (
    "{id} is a manual item: nothing runs, so there is no failure to waive. Attest it under attestations "
    "(check, by, at), or, when it does not apply here, attest it not applicable: "
    "{{check: {id}, by: NAME, at: DATE, status: not_applicable, reason: WHY}}")


def _attestation_problems(key: str, entry: dict[str, Any], item: Any, today: date) -> list[Problem]:
    problems: list[Problem] = []
    if getattr(item, "mode", "manual") == "automated":
        problems.append(Problem(f"{key}.check", f"{item.id} is an automated check: golive verifies it itself and "
                                                "an attestation cannot replace that; to accept its failure, "
                                                "use a waiver (waivers: [{check, reason, expires}])"))
    signed = _date(entry.get("at"))
    if signed is not None and signed > today:
        problems.append(Problem(f"{key}.at", f"attestation dated {signed.isoformat()}, in the future (today is "
                                             f"{today.isoformat()}); an attestation records a check already done"))
    return problems


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
