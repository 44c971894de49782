"""The ``golive`` command: demo, checklist, profile validate/show, report, bundle, verify-bundle, diff.

Exit codes: 0 success (demo, verdict: verdict GO), 1 checks failed / verdict NO-GO / bundle altered /
drift found / HTML report tool missing, 4 usage or profile error (the same as pytest's usage error, so
CI treats both alike).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4


def _repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def cmd_checklist(args: argparse.Namespace) -> int:
    from golive.catalog import load_catalog

    catalog = load_catalog()
    if args.json:
        rows = [{"id": i.id, "title": i.title, "category": i.category, "severity": i.severity,
                 "markers": list(i.all_markers), "seeds": list(i.seeds), "mode": i.mode,
                 "description": i.description} for i in catalog.values()]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max((len(i) for i in catalog), default=10)
    print(f"{'id':{width}}  {'severity':9} {'mode':9} {'markers':28} title")
    for item in catalog.values():
        markers = ",".join(item.all_markers)
        print(f"{item.id:{width}}  {item.severity:9} {item.mode:9} {markers:28} {item.title}")
    counts = {m: sum(1 for i in catalog.values() if i.mode == m) for m in ("automated", "planned", "manual")}
    print(f"\n{len(catalog)} items: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return EXIT_OK


def _load_or_report(path: str):  # -> Profile | None (imported lazily)
    from golive.profile import ProfileError, load_profile

    try:
        return load_profile(path, [Path.cwd() / "profiles", _repo_root() / "profiles"])
    except ProfileError as exc:
        print(f"golive profile error: {exc}", file=sys.stderr)
        return None


def cmd_profile_validate(args: argparse.Namespace) -> int:
    profile = _load_or_report(args.path)
    if profile is None:
        return EXIT_USAGE
    print(f"{profile.source}: valid profile {profile.name!r} ({profile.environment}): "
          f"{len(profile.targets)} targets, {len(profile.hosts)} hosts, {len(profile.databases)} databases, "
          f"{len(profile.waivers)} waivers, {len(profile.attestations)} attestations")
    expired = [w.check for w in profile.waivers if w.expired()]
    if expired:
        print(f"note: expired waivers (they no longer waive): {', '.join(expired)}")
    return EXIT_OK


def cmd_profile_show(args: argparse.Namespace) -> int:
    from golive.profile import dump_profile

    profile = _load_or_report(args.path)
    if profile is None:
        return EXIT_USAGE
    print(yaml.safe_dump(dump_profile(profile, mask=True), sort_keys=False), end="")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from golive.demo_run import run_demo

    return run_demo(report_dir=Path(args.report_dir), flaws=args.flaw or [], pytest_args=args.pytest_args,
                    serve_only=args.serve)


def cmd_report(args: argparse.Namespace) -> int:
    from golive.report import generate

    return generate(Path(args.dir))


def cmd_bundle(args: argparse.Namespace) -> int:
    from golive import bundle

    report_dir = Path(args.dir)
    if not (report_dir / "signoff.json").exists():
        print(f"golive bundle: {report_dir / 'signoff.json'} does not exist: run the gate first",
              file=sys.stderr)
        return EXIT_USAGE
    if args.approved_by or args.release_version:
        bundle.apply_approval(report_dir, args.approved_by, args.release_version)
    output = Path(args.output)
    digest = bundle.create(report_dir, output)
    print(f"golive bundle: {output} written (manifest sha256 {digest}; check it with golive verify-bundle)")
    return EXIT_OK


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    from golive import bundle

    result = bundle.verify(Path(args.file))
    for line in bundle.report_lines(Path(args.file), result):
        print(line)
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_diff(args: argparse.Namespace) -> int:
    from golive import diff

    try:
        a, b = diff.load(Path(args.a)), diff.load(Path(args.b))
    except (OSError, ValueError) as exc:
        print(f"golive diff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = diff.compare(a, b)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(diff.table(result, args.a, args.b), end="")
    return EXIT_FAILED if result["differences"] else EXIT_OK


def cmd_verdict(args: argparse.Namespace) -> int:
    """The CI gate: exit 0 on GO, 1 on NO-GO, whatever pytest's exit code was."""
    path = Path(args.dir) / "signoff.json"
    if not path.exists():
        print(f"golive verdict: {path} does not exist: the gate did not run (or was --collect-only)",
              file=sys.stderr)
        return EXIT_USAGE
    document = json.loads(path.read_text(encoding="utf-8"))
    for reason in document.get("reasons", []):
        print(f"  {reason}")
    print(f"VERDICT: {document['verdict']} (profile {document['profile']}, {document['environment']})")
    return EXIT_OK if document["verdict"] == "GO" else EXIT_FAILED


def cmd_load_worker(args: argparse.Namespace) -> int:
    """A locust worker for golive runs on this machine: scenarios and settings come from the master."""
    from golive.load.address import AddressError, parse_endpoint
    from golive.load.agent import serve

    try:
        master = parse_endpoint(args.master, listen=False)
    except AddressError as exc:
        print(f"golive load-worker: --master: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.runs < 0:
        print("golive load-worker: --runs: expected 0 (no limit) or more", file=sys.stderr)
        return EXIT_USAGE
    return serve(master, name=args.name, runs=args.runs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="golive", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="start the embedded demo target and run the full gate against it")
    demo.add_argument("--report-dir", default="reports", help="where reports go (default: reports/)")
    demo.add_argument("--flaw", action="append", help="start the demo target with this flaw (repeatable)")
    demo.add_argument("--serve", action="store_true", help="only serve the demo target until Ctrl-C")
    demo.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments after --")
    demo.set_defaults(func=cmd_demo)

    checklist = sub.add_parser("checklist", help="print the checklist catalog")
    checklist.add_argument("--json", action="store_true", help="machine-readable output")
    checklist.set_defaults(func=cmd_checklist)

    profile = sub.add_parser("profile", help="validate or show a profile")
    psub = profile.add_subparsers(dest="profile_command", required=True)
    validate = psub.add_parser("validate", help="validate a profile (exit 4 with file and key on errors)")
    validate.add_argument("path")
    validate.set_defaults(func=cmd_profile_validate)
    show = psub.add_parser("show", help="the effective profile after extends and interpolation, "
                           "secrets masked")
    show.add_argument("path")
    show.set_defaults(func=cmd_profile_show)

    report = sub.add_parser("report", help="generate the Allure HTML report from a report dir")
    report.add_argument("dir", nargs="?", default="reports")
    report.set_defaults(func=cmd_report)

    bundle = sub.add_parser("bundle", help="pack a report dir into one evidence archive with a "
                            "SHA-256 manifest")
    bundle.add_argument("dir", nargs="?", default="reports")
    bundle.add_argument("-o", "--output", default="golive-evidence.tar.gz", help="archive to write (tar.gz)")
    bundle.add_argument("--approved-by", help="fill the approval block (else GOLIVE_APPROVED_BY)")
    bundle.add_argument("--release-version", help="release version for the approval block "
                        "(else GOLIVE_RELEASE_VERSION, GITHUB_SHA, CI_COMMIT_SHA)")
    bundle.set_defaults(func=cmd_bundle)

    verify = sub.add_parser("verify-bundle", help="re-check every hash of an evidence bundle "
                            "(exit 1 if altered)")
    verify.add_argument("file")
    verify.set_defaults(func=cmd_verify_bundle)

    drift = sub.add_parser("diff", help="items whose status differs between two sign-offs (exit 1 if any)")
    drift.add_argument("a", help="signoff.json (or a report dir)")
    drift.add_argument("b", help="signoff.json (or a report dir)")
    drift.add_argument("--json", action="store_true", help="machine-readable output")
    drift.set_defaults(func=cmd_diff)

    verdict = sub.add_parser("verdict", help="print the verdict of a report dir; exit 0 on GO, 1 on NO-GO")
    verdict.add_argument("dir", nargs="?", default="reports")
    verdict.set_defaults(func=cmd_verdict)

    load_worker = sub.add_parser("load-worker", help="a load worker on this machine for golive runs whose "
                                 "checks.load.remote_workers wait for it")
    load_worker.add_argument("--master", required=True, help="HOST:PORT of golive's load master "
                             "(checks.load.master_bind)")
    load_worker.add_argument("--name", help="this worker's name in the evidence (default: the host name)")
    load_worker.add_argument("--runs", type=int, default=0, help="end after this many runs (default 0: "
                             "serve runs until SIGINT/SIGTERM)")
    load_worker.set_defaults(func=cmd_load_worker)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "pytest_args", None) and args.pytest_args[:1] == ["--"]:
        args.pytest_args = args.pytest_args[1:]
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
