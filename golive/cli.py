"""The ``golive`` command: demo, checklist, profile validate/show, report (and later bundle/diff).

Exit codes: 0 success (demo: verdict GO), 1 checks failed / verdict NO-GO, 4 usage or profile error
(the same as pytest's usage error, so CI treats both alike).
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
        print(f"{item.id:{width}}  {item.severity:9} {item.mode:9} {','.join(item.all_markers):28} {item.title}")
    counts = {m: sum(1 for i in catalog.values() if i.mode == m) for m in ("automated", "planned", "manual")}
    print(f"\n{len(catalog)} items: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return EXIT_OK


def _load_or_report(path: str):  # noqa: ANN202 - Profile | None
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
    show = psub.add_parser("show", help="the effective profile after extends and interpolation, secrets masked")
    show.add_argument("path")
    show.set_defaults(func=cmd_profile_show)

    report = sub.add_parser("report", help="generate the Allure HTML report from a report dir")
    report.add_argument("dir", nargs="?", default="reports")
    report.set_defaults(func=cmd_report)
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
