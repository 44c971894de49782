"""Host trees for the prerequisite self-tests: a sound one and one where every file-based item has
its defect, built in a temporary root (the checks' ``root`` setting points at it), plus the
settings a team would write for them.

Sound: data dir 750 (and every entry below it), JSON state files 640/600, secret 600 non-empty, a
90-day certificate with its key (600), a production env file, backup and certbot cron jobs at their
schedules (cron.d + root's crontab), logrotate stanzas (daily, 14, compress, create 0640) for the
app's and the worker's logs, an app config bounding its own logs, daemon.json with bounded log
rotation and overlay2, commands ``docker`` (24.0.7) and ``docker-compose`` (v2.21.0), an apt tree
with nothing pending, a healthy SQLite database and valid JSON state.
Defective: data dir 777 owned by nobody with a 666 state file, secret 644 and empty, a certificate
expiring in 5 days with a key of another pair at 644, an env file with development values, a backup
job at the wrong schedule and no certbot job, logrotate for nginx and (weekly, 2, no compress,
0644) for the worker only, an app config without log limits, daemon.json with a 1g × 50 log budget
and no storage driver, docker 19.03 and compose 1.29, an apt tree with a pending security update
and a pending reboot, a corrupt SQLite database and broken JSON state.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import secrets
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ENV_SECRET = "enc-key-" + "k" * 40
"""The ENCRYPTION_KEY value of the sound env file: must never appear in any report."""


def _cert(days: int) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.golive.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _write(path: Path, text: str | bytes, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    os.chmod(path, mode)
    return path


def _script(path: Path, output: str) -> str:
    _write(path, f"#!/bin/sh\necho '{output}'\n", 0o755)
    return str(path)


def build_sound(root: Path) -> dict[str, Any]:
    """The sound tree; returns the role settings (root + command paths) that go with it."""
    data = root / "opt/app/data"
    data.mkdir(parents=True)
    os.chmod(data, 0o750)
    _write(root / "opt/app/data/states/phase-1.json", '{"phase": 1, "status": "done"}', 0o640)
    _write(root / "opt/app/data/states/phase-2.json", '{"phase": 2, "status": "running"}', 0o600)
    os.chmod(root / "opt/app/data/states", 0o750)
    _sqlite(root / "opt/app/data/app.db")
    os.chmod(root / "opt/app/data/app.db", 0o640)
    _write(root / "opt/app/secrets/db_password", secrets.token_hex(16), 0o600)
    cert, key = _cert(90)
    _write(root / "etc/ssl/app/cert.pem", cert)
    _write(root / "etc/ssl/app/key.pem", key, 0o600)
    _write(
        root / "opt/app/.env.production",
        "\n".join(
            [
                "# production",
                "NODE_ENV=production",
                f"ENCRYPTION_KEY={ENV_SECRET}",
                "export DATABASE_URL='postgresql://app@db:5432/app'",
                "LOG_LEVEL=warn",
                "",
            ]
        ),
        0o600,
    )
    _write(root / "etc/cron.d/app-backup", "SHELL=/bin/sh\n0 2 * * * root /opt/app/scripts/backup.sh\n")
    _write(
        root / "var/spool/cron/crontabs/root",
        "# m h dom mon dow command\n0 3 * * * certbot renew -q\n",
        0o600,
    )
    _write(root / "etc/logrotate.conf", "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n")
    stanza = "  daily\n  rotate 14\n  compress\n  delaycompress\n  notifempty\n  create 0640 root adm\n"
    _write(root / "etc/logrotate.d/app", f"/var/log/app/*.log /var/log/worker/*.log {{\n{stanza}}}\n")
    _write(root / "opt/app/config/production.json",
           json.dumps({"orchestrator": {"logging": {"maxLogFileSizeMB": 10, "maxLogFiles": 5}}}))
    _write(
        root / "etc/docker/daemon.json",
        '{"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}, "storage-driver": "overlay2"}\n',
    )
    apt_tree(root, installed="1.0-1+deb12u1")
    return {
        "root": str(root),
        "commands": [
            {
                "name": _script(root / "bin/docker", "Docker version 24.0.7, build afdd53b"),
                "min_version": "20.10",
            },
            {
                "name": _script(root / "bin/docker-compose", "Docker Compose version v2.21.0"),
                "min_version": "2.0",
            },
            {"name": "python3", "min_version": "3.9"},
            {"name": "ssh", "min_version": "8.0", "version_command": "ssh -V"},
        ],
    }


def build_defective(root: Path) -> dict[str, Any]:
    data = root / "opt/app/data"
    data.mkdir(parents=True)
    _write(root / "opt/app/data/states/phase-1.json", '{"phase": 1, "status": "done"}', 0o666)
    _write(root / "opt/app/data/states/phase-2.json", '{"phase": 2, "status": ', 0o600)
    _sqlite(root / "opt/app/data/app.db")
    _corrupt(root / "opt/app/data/app.db")
    os.chmod(data, 0o777)
    nobody = pwd.getpwnam("nobody")
    os.chown(data, nobody.pw_uid, nobody.pw_gid)
    _write(root / "opt/app/secrets/db_password", "", 0o644)
    cert, _ = _cert(5)
    _, other_key = _cert(90)
    _write(root / "etc/ssl/app/cert.pem", cert)
    _write(root / "etc/ssl/app/key.pem", other_key, 0o644)
    _write(
        root / "opt/app/.env.production",
        "\n".join(
            [
                "NODE_ENV=development",
                "DEBUG=true",
                "ENCRYPTION_KEY=short-key",
                "STRIPE_KEY=your_stripe_key_here",
                "",
            ]
        ),
    )
    _write(root / "etc/cron.d/health", "*/5 * * * * root /opt/app/scripts/health-check.sh\n"
           "0 */6 * * * root /opt/app/scripts/backup.sh\n")
    _write(root / "etc/logrotate.d/nginx", "/var/log/nginx/*.log {\n  daily\n}\n")
    _write(root / "etc/logrotate.d/worker",
           "/var/log/worker/*.log {\n  weekly\n  rotate 2\n  create 0644 root root\n}\n")
    _write(root / "opt/app/config/production.json", json.dumps({"orchestrator": {"logging": {"level": "debug"}}}))
    _write(root / "etc/docker/daemon.json",
           '{"log-driver": "json-file", "log-opts": {"max-size": "1g", "max-file": "50"}}\n')
    apt_tree(root, installed="1.0-1")
    _write(root / "var/run/reboot-required", "*** System restart required ***\n")
    _write(root / "var/run/reboot-required.pkgs", "linux-image-6.1.0-golive\n")
    return {
        "root": str(root),
        "commands": [
            {
                "name": _script(root / "bin/docker", "Docker version 19.03.1, build 74b1e89"),
                "min_version": "20.10",
            },
            {
                "name": _script(root / "bin/docker-compose", "docker-compose version 1.29.2, build 5becea4c"),
                "min_version": "2.0",
            },
            {"name": "golive-absent-command"},
        ],
    }


def file_settings() -> dict[str, Any]:
    """The top-level prerequisites (same paths on every host; each role's ``root`` relocates them)."""
    return {
        "paths": [
            {"path": "/opt/app/data", "type": "directory", "owner": "root", "max_mode": "750", "recursive": True},
            {"path": "/opt/app/data/states", "glob": "*.json", "max_mode": "640"},
        ],
        "secrets": [{"path": "/opt/app/secrets/db_password", "max_mode": "600", "owner": "root"}],
        "certificates": [{"cert": "/etc/ssl/app/cert.pem", "key": "/etc/ssl/app/key.pem", "min_days": 30}],
        "env_files": [
            {
                "path": "/opt/app/.env.production",
                "required": ["NODE_ENV", "ENCRYPTION_KEY", "DATABASE_URL"],
                "forbidden": {"DEBUG": ["true", "1", "yes"]},
                "min_length": {"ENCRYPTION_KEY": 32},
                "production_values": {"NODE_ENV": "production"},
            }
        ],
        "cron": {"jobs": [{"command": "backup", "schedule": "0 2 * * *", "user": "root", "name": "backup"},
                          {"command": r"certbot renew|acme\.sh", "schedule": "0 3 * * *",
                           "name": "certificate renewal"}]},
        "logrotate": {"paths": ["/var/log/app/app.log", "/var/log/worker/worker.log"], "frequency": "daily",
                      "min_rotate": 5, "compress": True, "create_max_mode": "640",
                      "app_configs": [{"path": "/opt/app/config/production.json",
                                       "max_files_key": "orchestrator.logging.maxLogFiles",
                                       "max_size_key": "orchestrator.logging.maxLogFileSizeMB"}]},
        "docker_daemon": {"storage_driver": "overlay2"},
        "security_updates": {},
        "data_files": [{"path": "/opt/app/data/app.db", "kind": "sqlite"},
                       {"path": "/opt/app/data/states/*.json", "kind": "json"}],
    }


def _sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, body TEXT)")
        db.executemany("INSERT INTO tasks (body) VALUES (?)", [(f"task {i} " + "x" * 200,) for i in range(400)])
        db.execute("CREATE INDEX tasks_body ON tasks (body)")
    db.close()


def _corrupt(path: Path) -> None:
    """Overwrite the middle of the database's pages (header intact): ``PRAGMA integrity_check``
    reports the damage instead of "ok"."""
    data = bytearray(path.read_bytes())
    for offset in range(4096 + 100, len(data) - 4096, 4096):
        data[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


REPO_VERSION = "1.0-1+deb12u1"
"""The version of ``golive-demo-lib`` the apt trees' local security repository offers."""


def apt_tree(root: Path, installed: str) -> None:
    """An apt tree under ``root`` (what ``apt-get -o Dir=ROOT`` reads): a dpkg status with
    ``golive-demo-lib`` at ``installed`` and a local ``file:`` repository, labelled Debian-Security
    like the real bookworm-security suite, offering it at ``REPO_VERSION``; then a real
    ``apt-get update`` fetches its lists (loopback only: a file: URI)."""
    for sub in ("etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "var/lib/dpkg",
                "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    fields = ("Priority: optional\nSection: libs\nInstalled-Size: 10\nMaintainer: golive <golive@example.invalid>\n"
              "Architecture: all\nDescription: golive test library\n")
    (root / "var/lib/dpkg/status").write_text(
        f"Package: golive-demo-lib\nStatus: install ok installed\n{fields}Version: {installed}\n")
    (root / "var/lib/dpkg/available").touch()
    repo = root / "srv/apt-repo"
    for arch in ("all", "amd64", "arm64"):
        packages = repo / f"dists/bookworm-security/main/binary-{arch}/Packages"
        packages.parent.mkdir(parents=True, exist_ok=True)
        packages.write_text(f"Package: golive-demo-lib\n{fields}Version: {REPO_VERSION}\n"
                            f"Filename: pool/golive-demo-lib_{REPO_VERSION}_all.deb\nSize: 1000\n"
                            "SHA256: " + "0" * 64 + "\n")
    date = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S UTC")
    (repo / "dists/bookworm-security/Release").write_text(
        "Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\nCodename: bookworm-security\n"
        f"Version: 12\nDate: {date}\nArchitectures: amd64 arm64 all\nComponents: main\n")
    (root / "etc/apt/sources.list").write_text(f"deb [trusted=yes] file:{repo} bookworm-security main\n")
    subprocess.run(
        ["apt-get", "-q", "-o", f"Dir={root}", "-o", f"Dir::State::status={root}/var/lib/dpkg/status",
         "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root", "update"],
        check=True, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
    )
