"""``python -m golive.demo serve ...`` (run the demo target) and ``python -m golive.demo flaws``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from golive.demo.flaws import FLAWS, VERSION


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m golive.demo",
                                     description="golive's embedded demo target")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve",
                                help="serve the demo target (HTTPS + plain-HTTP redirect) until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--https-port", type=int, default=0, help="HTTPS port (0: a free one)")
    serve.add_argument("--http-port", type=int, default=0, help="plain-HTTP port (0: a free one)")
    serve.add_argument("--state-dir", type=Path, default=Path(".golive/demo"),
                       help="where the CA, certificate and key live (default .golive/demo)")
    serve.add_argument("--flaws", default="", help="comma-separated flaws (see: python -m golive.demo flaws)")
    serve.add_argument("--version", default=VERSION, help=f"release version to report (default {VERSION})")
    serve.add_argument("--ready-file", type=Path, help="write the chosen ports here as JSON once listening")
    serve.add_argument("--exit-with-parent", action="store_true",
                       help="stop when the process that started the server is gone (golive starts it so)")
    commands.add_parser("flaws", help="list the flaws the demo target can be started with")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "flaws":
        width = max(map(len, FLAWS))
        for name, description in FLAWS.items():
            print(f"{name:<{width}}  {description}")
        return 0
    from golive.demo.server import ServeOptions, run

    flaws = tuple(f for f in args.flaws.split(",") if f.strip())
    try:
        return run(ServeOptions(state_dir=args.state_dir, host=args.host, https_port=args.https_port,
                                http_port=args.http_port, flaws=flaws, version=args.version,
                                ready_file=args.ready_file,
                                exit_with_parent=args.exit_with_parent))
    except ValueError as exc:
        print(f"golive demo: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"golive demo: cannot listen: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
