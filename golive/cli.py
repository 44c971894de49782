"""The ``golive`` command: run, demo, init, checklist, profile validate/show, report, bundle,
verify-bundle, diff, approve, verdict.

Exit codes: 0 success (run, demo, verdict: verdict GO), 1 checks failed / verdict NO-GO / bundle
altered / drift found / HTML report tool missing / approval of a NO-GO refused, 4 usage or profile
error (the same as pytest's usage error, so CI treats both alike), 141 output pipe closed early
(``golive checklist | head``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 4
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a tool whose reader went away."""


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
    from golive.paths import profile_search_dirs
    from golive.profile import ProfileError
    from golive.profile_load import load_profile

    try:
        return load_profile(path, profile_search_dirs())
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
    from golive.profile_load import expiry_notes

    for note in expiry_notes(profile):
        print(f"note: {note}")
    return EXIT_OK


def cmd_profile_schema(args: argparse.Namespace) -> int:
    """The profile's JSON Schema (for editor completion through yaml-language-server)."""
    from golive.profile_schema import profile_schema

    text = json.dumps(profile_schema(), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}; first line of a profile: # yaml-language-server: $schema={args.output}")
    else:
        sys.stdout.write(text)
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


def cmd_run(argv: Sequence[str]) -> int:
    """The gate from an installed golive: exit 0 GO, 1 NO-GO, 4 bad input.

    Parsed by ``golive.gate.split_arguments``, not argparse: pytest's options (``-m EXPR``...) may
    come before, after or between golive's own, in either spelling.
    """
    from golive.gate import run, split_arguments

    try:
        own, rest = split_arguments(argv)
    except ValueError as exc:
        print(f"golive run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if "--profile" not in own:
        print("golive run: --profile NAME|PATH is required (golive run --help)", file=sys.stderr)
        return EXIT_USAGE
    return run(own["--profile"], Path(own.get("--report-dir", "reports")), rest)


def cmd_init(args: argparse.Namespace) -> int:
    """Probe a URL and write a starter profile that validates and fits the service."""
    from golive import onboard

    output = Path(args.output) if args.output else Path(f"{args.name or onboard.profile_name(args.url)}.yaml")
    if output.exists() and not args.force:
        print(f"golive init: {output} exists; choose another -o or pass --force", file=sys.stderr)
        return EXIT_USAGE
    try:
        found = onboard.discover(args.url, resolve=args.resolve, ca_bundle=args.ca_bundle, http_url=args.http_url,
                                 timeout=args.timeout)
    except onboard.OnboardError as exc:
        print(f"golive init: {exc}", file=sys.stderr)
        return EXIT_FAILED
    name = args.name or onboard.profile_name(found.url)
    output.write_text(onboard.render(found, name, args.environment), encoding="utf-8")
    print(f"golive init: probed {found.url} with {found.requests} requests")
    print(f"  HTTPS: {found.url}" + (f" (certificate did not verify: {found.tls_error})" if found.tls_error else ""))
    print(f"  plain HTTP: {found.http_url or 'none found'}")
    print(f"  health: {found.health_path or 'none found'}")
    for note in found.notes:
        print(f"  note: {note}")
    profile = _load_or_report(str(output))
    if profile is None:
        return EXIT_USAGE
    print(f"wrote {output}; next: golive run --profile {output}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from golive.report import generate

    return generate(Path(args.dir))


def cmd_bundle(args: argparse.Namespace) -> int:
    from golive import bundle
    from golive.signoff_model import SignOffError

    report_dir, output = Path(args.dir), Path(args.output)
    key = Path(args.sign) if args.sign else None
    if key is not None and key.exists() and not bundle.file_mode_ok(key):
        print(f"golive bundle: warning: {key} is readable by others than its owner (chmod 600 it)", file=sys.stderr)
    try:
        created = bundle.create(report_dir, output, sign_key=key)
    except (SignOffError, bundle.BundleError) as exc:
        print(f"golive bundle: {exc}", file=sys.stderr)
        return EXIT_USAGE
    signed = f"; signed by {created.signing_key}" if created.signing_key else "; UNSIGNED (--sign KEY to sign)"
    print(f"golive bundle: {output} written: {created.files} files{signed}")
    print(f"  bundle sha256   {created.bundle_sha256}  (publish it: golive verify-bundle --expect-sha256 checks it)")
    print(f"  manifest sha256 {created.manifest_sha256}")
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    from golive import bundle

    try:
        private, public, print_ = bundle.keygen(Path(args.output), force=args.force)
    except (bundle.BundleError, OSError) as exc:
        print(f"golive keygen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"golive keygen: private key {private} (mode 600: keep it secret, e.g. a CI secret), "
          f"public key {public} (give it to whoever verifies bundles); {print_}")
    return EXIT_OK


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    from golive import bundle

    file = Path(args.file)
    try:
        key = bundle.load_public(Path(args.public_key)) if args.public_key else None
    except bundle.BundleError as exc:
        print(f"golive verify-bundle: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.expect_sha256 is not None and not _is_sha256(args.expect_sha256):
        print(f"golive verify-bundle: --expect-sha256 wants 64 hex digits; got {args.expect_sha256!r}",
              file=sys.stderr)
        return EXIT_USAGE
    if not file.is_file():
        print(f"golive verify-bundle: {file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    result = bundle.verify(file, public_key=key, expect_sha256=args.expect_sha256)
    for line in bundle.report_lines(file, result):
        print(line)
    return EXIT_OK if result.ok else EXIT_FAILED


def _is_sha256(text: str) -> bool:
    text = text.strip().lower()
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def cmd_diff(args: argparse.Namespace) -> int:
    from golive import diff

    try:
        a, b = diff.load(Path(args.a)), diff.load(Path(args.b))
    except ValueError as exc:
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
    from golive.signoff_model import SignOffError, read

    try:
        document = read(Path(args.dir))
    except SignOffError as exc:
        print(f"golive verdict: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for reason in document.reasons:
        print(f"  {reason}")
    from golive.status import Status

    advisories = document.in_status(Status.ADVISORY)
    if advisories:
        print(f"  {len(advisories)} advisory finding(s), not blocking: {', '.join(i.id for i in advisories)}")
    release = f", release {document.run.release}" if document.run.release else ""
    print(f"VERDICT: {document.verdict} (profile {document.profile}, {document.environment}{release})")
    _print_approvals(Path(args.dir))
    return EXIT_OK if document.go else EXIT_FAILED


def _print_approvals(report_dir: Path) -> None:
    """Who approved this sign-off (informational: the verdict alone decides the exit code)."""
    from golive.approval import ApprovalError, current

    if not report_dir.is_dir():
        return
    try:
        valid, stale = current(report_dir)
    except ApprovalError as exc:
        print(f"  approval: {exc}")
        return
    for entry in valid:
        against = f" AGAINST the NO-GO verdict (override: {entry.override})" if entry.override else ""
        print(f"  approved by {entry.approved_by} at {entry.at:%Y-%m-%d %H:%M}Z{against}")
    if stale:
        print(f"  {len(stale)} approval(s) of an earlier sign-off in this directory ignored (stale)")


def cmd_approve(args: argparse.Namespace) -> int:
    """A person's approval, recorded next to the sign-off; a NO-GO needs --override REASON."""
    from golive.approval import APPROVAL_JSON, ApprovalError, approve
    from golive.signoff_model import SignOffError

    report_dir = Path(args.dir)
    try:
        entry = approve(report_dir, args.by, note=args.note, override=args.override)
    except SignOffError as exc:
        print(f"golive approve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ApprovalError as exc:
        print(f"golive approve: {exc}", file=sys.stderr)
        return EXIT_FAILED
    against = f" AGAINST the NO-GO verdict (override: {entry.override})" if entry.override else ""
    print(f"golive approve: {entry.approved_by} approved the {entry.verdict} sign-off of {entry.profile}"
          f"{against}; recorded in {report_dir / APPROVAL_JSON} and approval.md")
    return EXIT_OK


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
    parser = argparse.ArgumentParser(prog="golive", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=version_line(),
                        help="golive's version and the versions of the tools it drives")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the installed checks against a profile: exit 0 GO, 1 NO-GO, 4 bad input",
                         description="Run golive's checks with pytest. Arguments after the options (or after --) "
                                     "go to pytest: -m MARKEXPR, -k EXPR, -n N, --golive-target NAME, --allow-load.")
    run.add_argument("--profile", required=True, metavar="NAME|PATH", help="profile name in ./profiles or a YAML path")
    run.add_argument("--report-dir", default="reports", metavar="DIR", help="where reports go (default: ./reports)")
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="more pytest arguments")

    init = sub.add_parser("init", help="probe a URL and write a starter profile for it")
    init.add_argument("url", help="the service's base URL (https://app.example.com)")
    init.add_argument("--name", help="profile name (default: from the URL's host)")
    init.add_argument("-o", "--output", help="file to write (default: NAME.yaml)")
    init.add_argument("--environment", default="staging", help="environment name (default: staging)")
    init.add_argument("--http-url", help="the plain-HTTP listener, when not on port 80 beside 443")
    init.add_argument("--resolve", metavar="IP", help="connect to this address, keep the URL's hostname")
    init.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates to trust")
    init.add_argument("--timeout", type=float, default=5.0, help="seconds per request (default: 5)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_init)

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
    schema = psub.add_parser("schema", help="the profile's JSON Schema (editor completion: yaml-language-server)")
    schema.add_argument("-o", "--output", help="write it to this file instead of standard output")
    schema.set_defaults(func=cmd_profile_schema)
    show = psub.add_parser("show", help="the effective profile after extends and interpolation, "
                           "secrets masked")
    show.add_argument("path")
    show.set_defaults(func=cmd_profile_show)

    report = sub.add_parser("report", help="generate the Allure HTML report from a report dir")
    report.add_argument("dir", nargs="?", default="reports")
    report.set_defaults(func=cmd_report)

    bundle = sub.add_parser("bundle", help="pack a report dir into one evidence archive with a "
                            "SHA-256 manifest, signed with --sign KEY")
    bundle.add_argument("dir", nargs="?", default="reports")
    bundle.add_argument("-o", "--output", default="golive-evidence.tar.gz", help="archive to write (tar.gz)")
    bundle.add_argument("--sign", metavar="KEY", help="Ed25519 private key (golive keygen) to sign the manifest")
    bundle.set_defaults(func=cmd_bundle)

    verify = sub.add_parser("verify-bundle", help="re-check every hash of an evidence bundle and its "
                            "signature (exit 1 if altered)")
    verify.add_argument("file")
    verify.add_argument("--public-key", metavar="KEY.pub", help="check the signature with this public key")
    verify.add_argument("--expect-sha256", metavar="HEX", help="the bundle's SHA-256 as published elsewhere")
    verify.set_defaults(func=cmd_verify_bundle)

    keygen = sub.add_parser("keygen", help="create an Ed25519 key pair for signing bundles (KEY, KEY.pub)")
    keygen.add_argument("-o", "--output", required=True, metavar="KEY", help="private key file (KEY.pub next to it)")
    keygen.add_argument("--force", action="store_true", help="replace an existing key")
    keygen.set_defaults(func=cmd_keygen)

    drift = sub.add_parser("diff", help="items whose status differs between two sign-offs (exit 1 if any)")
    drift.add_argument("a", help="signoff.json (or a report dir)")
    drift.add_argument("b", help="signoff.json (or a report dir)")
    drift.add_argument("--json", action="store_true", help="machine-readable output")
    drift.set_defaults(func=cmd_diff)

    approve = sub.add_parser("approve", help="record a person's approval next to the sign-off "
                             "(refuses a NO-GO unless --override REASON)")
    approve.add_argument("dir", help="the report dir holding signoff.json")
    approve.add_argument("--by", required=True, help="who approves (name or e-mail)")
    approve.add_argument("--note", help="a remark kept with the approval")
    approve.add_argument("--override", metavar="REASON",
                         help="approve a NO-GO anyway; the reason is recorded and shown in approval.md")
    approve.set_defaults(func=cmd_approve)

    verdict = sub.add_parser("verdict", help="print the verdict of a report dir; exit 0 on GO, 1 on NO-GO")
    verdict.add_argument("dir", nargs="?", default="reports")
    verdict.set_defaults(func=cmd_verdict)

    load_worker = sub.add_parser("load-worker", help="a load worker on this machine for golive runs whose "
                                 "checks.load.remote_workers wait for it",
                                 description="Serve golive load runs: scenarios, settings and locustfile come "
                                 "from the master and stay in memory. When the profile sets "
                                 "checks.load.worker_key, give the same key in $GOLIVE_WORKER_KEY.")
    load_worker.add_argument("--master", required=True, help="HOST:PORT of golive's load master "
                             "(checks.load.master_bind)")
    load_worker.add_argument("--name", help="this worker's name in the evidence (default: the host name)")
    load_worker.add_argument("--runs", type=int, default=0, help="end after this many runs (default 0: "
                             "serve runs until SIGINT/SIGTERM)")
    load_worker.set_defaults(func=cmd_load_worker)
    return parser


def version_line() -> str:
    """``golive 0.1.0 (pytest 9.1.1, sslyze 6.1.0, ..., Python 3.11.7)``."""
    from golive.allure_env import versions

    found = versions()
    tools = ", ".join(f"{name} {found[name]}" for name in ("pytest", "sslyze", "locust", "pytest-testinfra",
                                                            "httpx", "psycopg", "allure-pytest") if name in found)
    return f"golive {found['golive']} ({tools}, Python {found['python']})"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv[:1] == ["run"] and not {"-h", "--help"} & set(argv[1:argv.index("--") if "--" in argv else None]):
        return _guarded(lambda: cmd_run(argv[1:]))
    args = parser.parse_args(argv)
    if getattr(args, "pytest_args", None) and args.pytest_args[:1] == ["--"]:
        args.pytest_args = args.pytest_args[1:]
    return _guarded(lambda: args.func(args))


def _guarded(command: Callable[[], int]) -> int:
    """Run a command: Ctrl-C, SIGTERM (treated alike, so that every command cleans up, e.g. the demo
    server) and a closed output pipe end it quietly with their exit codes (128 + the signal)."""
    import signal

    from golive.lifecycle import sigterm_as_interrupt

    interruption = None
    try:
        with sigterm_as_interrupt() as interruption:
            code = int(command())
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        name = (interruption.signal if interruption is not None else None) or "SIGINT"
        print(f"interrupted ({name})", file=sys.stderr)
        return 128 + signal.Signals[name].value
    except BrokenPipeError:
        # the reader went away (`golive checklist --json | head`): no traceback; silence the final
        # flush at exit, which would raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
