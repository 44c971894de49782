"""The sign-off and the evidence bundle vs the raw tools, measured in the same run on the same machine.

Usage: .venv/bin/python bench/signoff_bench.py [RESULTS] [FILES] [FILE_KB]   (default 5000 3000 8)

Builds a synthetic report dir: a sign-off of RESULTS results (recorded through golive's Recorder,
every catalog item plus one extra check with RESULTS subjects; a tenth of them failing, a tenth
advisory), and an allure-results folder of FILES files of FILE_KB KiB each (random text, so gzip
has real work) plus one 32 MiB attachment. Then measures, interleaved raw/golive/golive/raw
(the machine is shared; its load drifts), and prints the means and the ratios to raw:

1. sign-off: ``golive.signoff.build`` + ``golive.signoff.write_document`` (signoff.json + signoff.md)
   vs raw ``json.dump`` of the same data as plain dicts (what an untyped writer costs);
2. bundle: ``golive.bundle.create`` with an Ed25519 signature vs ``tar -czf`` + ``sha256sum`` of
   every file (a checksummed archive by hand);
3. verify: ``golive.bundle.verify`` with the public key (streamed, to the gzip trailer) vs
   ``tar -xzf`` into a temp dir + ``sha256sum -c`` of the manifest;
4. the peak Python memory of verify (tracemalloc), which must stay small whatever the bundle size.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from golive import bundle  # noqa: E402
from golive.catalog import load_catalog  # noqa: E402
from golive.outcomes import Recorder  # noqa: E402
from golive.profile import Profile  # noqa: E402
from golive.signoff import build, write_document  # noqa: E402


def recorder(results: int) -> Recorder:
    rec = Recorder(Profile.model_validate({"name": "bench"}))
    ids = [i.id for i in load_catalog().values() if i.mode == "automated"]
    for n in range(results):
        status = "failed" if n % 10 == 0 else "advisory" if n % 10 == 1 else "passed"
        check_id = ids[n % len(ids)]
        rec.record(f"checks/test_x.py::test_{check_id}[t{n}]", {
            "id": check_id, "subject": f"t{n}", "status": status, "when": "call",
            "message": f"t{n}: observed value {n} (observed: {n}; expected: at most 10)", "unreachable": False,
            "evidence": json.dumps({"metrics": {"latency_ms": n % 97}, "expiries": [], "notes": []})})
    return rec


def report_dir(root: Path, results: int, files: int, file_kb: int) -> Path:
    folder = root / "reports"
    (folder / "allure-results").mkdir(parents=True)
    write_document(build(recorder(results)), folder)
    chunk = os.urandom(file_kb * 512).hex().encode()  # hex text: compressible about 2:1, like JSON
    for n in range(files):
        (folder / "allure-results" / f"{n:06d}-result.json").write_bytes(chunk)
    (folder / "allure-results" / "big-attachment.html").write_bytes(os.urandom(16 << 20).hex().encode())
    return folder


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    results = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    file_kb = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    with tempfile.TemporaryDirectory(prefix="golive-signoff-bench-") as tmp:
        root = Path(tmp)
        folder = report_dir(root, results, files, file_kb)
        rec = recorder(results)
        key, public = root / "key", root / "key.pub"
        bundle.keygen(key)
        public_key = bundle.load_public(public)
        out_golive, out_raw = root / "golive.tar.gz", root / "raw.tar.gz"

        def signoff_golive() -> None:
            write_document(build(rec), root / "signoff-out")

        plain = build(rec).model_dump(mode="json")

        def signoff_raw() -> None:
            (root / "raw.json").write_text(json.dumps(plain, indent=2))

        def bundle_golive() -> None:
            bundle.create(folder, out_golive, sign_key=key)

        def bundle_raw() -> None:
            with (root / "SHA256SUMS").open("w") as sums:
                subprocess.run("find . -type f -print0 | sort -z | xargs -0 sha256sum", shell=True, cwd=folder,
                               stdout=sums, check=True)
            subprocess.run(["tar", "-czf", str(out_raw), "-C", str(folder), ".", "-C", str(root), "SHA256SUMS"],
                           check=True)

        def verify_golive() -> None:
            assert bundle.verify(out_golive, public_key=public_key).ok

        def verify_raw() -> None:
            target = root / "extract"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            subprocess.run(["tar", "-xzf", str(out_golive), "-C", str(target)], check=True)
            subprocess.run(["sha256sum", "-c", "--quiet", "MANIFEST.sha256"], cwd=target / "golive-evidence",
                           check=True)

        bundle_golive()  # the first bundle, for the raw verify to extract
        pairs = [("sign-off build+write", signoff_raw, signoff_golive), ("bundle", bundle_raw, bundle_golive),
                 ("verify", verify_raw, verify_golive)]
        size = out_golive.stat().st_size
        print(f"report dir: {results} results, {files} files x {file_kb} KiB + 32 MiB attachment; "
              f"bundle {size / 2**20:.1f} MiB")
        for name, raw, golive in pairs:
            times: dict[str, list[float]] = {"raw": [], "golive": []}
            for label, action in (("raw", raw), ("golive", golive), ("golive", golive), ("raw", raw)) * 2:
                times[label].append(timed(action))
            r, g = statistics.mean(times["raw"]), statistics.mean(times["golive"])
            print(f"{name:22} raw {r * 1000:8.1f} ms   golive {g * 1000:8.1f} ms   ratio {g / r:5.2f}x")
        tracemalloc.start()
        verify_golive()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"verify peak Python memory: {peak / 2**20:.2f} MiB for a {size / 2**20:.1f} MiB bundle")


if __name__ == "__main__":
    main()
