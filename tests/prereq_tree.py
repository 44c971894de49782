"""Host trees for the prerequisite self-tests: a sound one and one where every file-based item has
its defect, built in a temporary root (the checks' ``root`` setting points at it), plus the
settings a team would write for them.

Sound: data dir 750, secret 600 non-empty, a 90-day certificate with its key (600), a production
env file, backup and certbot cron jobs (cron.d + root's crontab), a logrotate stanza for the app's
logs, daemon.json with log rotation, commands ``docker`` (24.0.7) and ``docker-compose`` (v2.21.0).
Defective: data dir 777 owned by nobody, secret 644 and empty, a certificate expiring in 5 days
with a key of another pair at 644, an env file with development values, only a health-check cron
line, logrotate for nginx only, daemon.json without log-opts, docker 19.03 and compose 1.29.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import secrets
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
    _write(root / "etc/logrotate.conf", "weekly\nrotate 4\ninclude /etc/logrotate.d\n")
    _write(root / "etc/logrotate.d/app", "/var/log/app/*.log {\n  daily\n  rotate 14\n  compress\n}\n")
    _write(
        root / "etc/docker/daemon.json",
        '{"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}\n',
    )
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
    _write(root / "etc/cron.d/health", "*/5 * * * * root /opt/app/scripts/health-check.sh\n")
    _write(root / "etc/logrotate.d/nginx", "/var/log/nginx/*.log {\n  daily\n}\n")
    _write(root / "etc/docker/daemon.json", '{"log-driver": "json-file"}\n')
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
        "paths": [{"path": "/opt/app/data", "type": "directory", "owner": "root", "max_mode": "750"}],
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
        "cron": {"backup_pattern": r"backup", "cert_renewal_pattern": r"certbot renew|acme\.sh"},
        "logrotate": {"paths": ["/var/log/app/app.log"]},
        "docker_daemon": {},
    }
