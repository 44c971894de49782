"""No secret leaves golive (issue 15 item 9): a token planted in every place a profile can hold one
never appears in any file golive writes, in the evidence bundle, or on the terminal.

One real run against the demo target (TLS, headers, smoke, load through locust, a backup drill on an
unreachable database) with ``--log-level=DEBUG`` (httpx logs every request URL), then ``golive
bundle``; every output file, every bundle member and the run's own output are searched for the token
in plain, URL-encoded, base64 and JSON-escaped forms, and for 10-character pieces of it.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from golive.redact import base64_cores
from tests.conftest import demo_profile
from tests.harness import REPO, manual_attestations, run_golive
from tests.servers.base import free_port

TOKEN = "Zq9+Plant3d/T0ken=4f7aXw"
"""The planted token (a ``${VAR}`` value): ``+``, ``/`` and ``=`` make every encoding differ."""
LISTED = "Lit3ral-S3cret-Entry-77"
"""A value the profile lists under ``secrets:``."""


def planted_forms(secret: str) -> dict[str, str]:
    """What a leak of ``secret`` could look like in a file."""
    raw = secret.encode()
    forms = {
        "plain": secret, "url-encoded": quote(secret, safe=""), "url-encoded-path": quote(secret),
        "form-encoded": quote_plus(secret), "form-decoded": secret.replace("+", " "),
        "json-escaped": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "head-10": secret[:10], "tail-10": secret[-10:],
    }
    for index, core in enumerate(sorted(base64_cores(raw))):
        forms[f"base64-embedded-{index}"] = core
    return forms


def leaked_profile(demo: Any, dead_port: int) -> dict[str, Any]:
    web = demo.target_dict("web")
    tok = demo.target_dict("tok", url=f"{demo.https_url}/base/${{PLANT}}?access=${{PLANT}}")
    return demo_profile(
        demo, name="leaks", targets=[web, tok], secrets=[LISTED],
        databases=[{"name": "db", "dsn": f"host=127.0.0.1 port={dead_port} dbname=shop user=app "
                    "password='${PLANT}'",
                    "backup": {"location": "/nonexistent/golive-backups", "scratch_dsn":
                               f"postgresql://app:{quote(TOKEN, safe='')}@127.0.0.1:{dead_port}/scratch"}}],
        checks={
            "smoke": {
                "endpoints": [
                    {"name": "items", "path": "/api/models/available?access=${PLANT}",
                     "headers": {"X-Api-Key": "${PLANT}", "X-Trace": "${PLANT}", "X-Listed": LISTED},
                     "expect": {"json": {"token": "${PLANT}", "listed": LISTED}}},
                    {"name": "hook", "method": "POST", "path": "/api/hooks/deploy",
                     "headers": {"Authorization": "Bearer ${PLANT}"}, "json": {"token": "${PLANT}"},
                     "expect": {"json": {"accepted": True}}},
                ],
                "protected": [{"path": "/api/private/${PLANT}", "headers": {"Authorization": "Bearer ${PLANT}"}}],
            },
            "load": {"users": 2, "spawn_rate": 10, "duration": "2s", "wait_time": "50ms",
                     "scenarios": [{"path": "/api/health?access=${PLANT}",
                                    "headers": {"Authorization": "Bearer ${PLANT}"}}],
                     "thresholds": ["p95 < 500ms", "error_rate < 100%"]},
        },
        attestations=manual_attestations(),
    )


def scan(chunks: dict[str, bytes], secrets: list[str]) -> list[str]:
    """Every (file, form) where a form of a secret occurs."""
    hits = []
    for name, data in chunks.items():
        text = data.decode("utf-8", errors="replace")
        for secret in secrets:
            for form_name, form in planted_forms(secret).items():
                if form in text:
                    at = text.index(form)
                    hits.append(f"{name}: {form_name} {form!r} in ...{text[max(0, at - 60):at + 60]!r}...")
    return hits


def test_a_planted_token_leaks_nowhere(demo_target: Any, tmp_path: Path) -> None:
    demo = demo_target()
    profile = leaked_profile(demo, free_port())
    run = run_golive(profile, "--log-level=DEBUG", "-p", "no:randomly", tmp_path=tmp_path,
                     env={"PLANT": TOKEN}, timeout=600)
    assert run.signoff["verdict"] == "NO-GO", run.output[-3000:]
    # the planted places were really exercised
    nodeids = [r["nodeid"] for item in run.signoff["items"] for r in item["results"]]
    assert any("test_auth_required[web-api-private-***]" in n for n in nodeids), nodeids
    assert (run.report_dir / "load").is_dir(), run.output[-3000:]
    assert any(p.name == "locust_report.html" for p in run.report_dir.rglob("*")), "no load report written"

    bundle = tmp_path / "evidence.tar.gz"
    packed = subprocess.run([sys.executable, "-m", "golive.cli", "bundle", str(run.report_dir), "-o", str(bundle)],
                            cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert packed.returncode == 0, packed.stderr

    chunks: dict[str, bytes] = {"<terminal output>": run.output.encode(), "<bundle stdout>": packed.stdout.encode()}
    for path in sorted(run.report_dir.rglob("*")):
        if path.is_file() and path != bundle:
            chunks[str(path.relative_to(run.report_dir))] = path.read_bytes()
    with tarfile.open(bundle, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                extracted = tar.extractfile(member)
                assert extracted is not None
                chunks[f"bundle:{member.name}"] = extracted.read()
                if member.name.endswith((".gz", ".zip")):  # nested archives are searched too
                    chunks[f"bundle:{member.name}:decompressed"] = _decompress(chunks[f"bundle:{member.name}"])
    hits = scan(chunks, [TOKEN, LISTED])
    files = len(chunks)
    print(f"\nplanted-secret grep: {files} files/members scanned "
          f"({sum(1 for n in chunks if n.startswith('bundle:'))} bundle members), {len(hits)} hits")
    assert files > 50
    assert hits == [], "\n".join(hits[:40])


def _decompress(data: bytes) -> bytes:
    import gzip
    import zipfile

    try:
        return gzip.decompress(data)
    except OSError:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return b"\n".join(archive.read(n) for n in archive.namelist())
