"""The ``lifecircle`` command line: headless preparation, analysis, comparison, export.

Each command lives in its own module with a ``register`` function; this module only builds
the parser and runs the chosen handler. Every error the core raises on purpose
(:class:`geo.errors.LifecircleError`) is printed as one line and the command exits with
status 2; there is never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from geo.errors import LifecircleError
from geo.redaction import redact_text, secret_values
from lifecircle.cli import analyze, bench, compare, dashboard, prepare, suggest, survey
from lifecircle.cli import checkup as checkup_command
from lifecircle.cli import map as map_command
from lifecircle.cli import report as report_command
from lifecircle.cli import topic as topic_command
from lifecircle.cli import vote_sheet as vote_sheet_command
from lifecircle.cli.sources import EXIT_BAD_INPUT, EXIT_OK, Handler

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecircle",
        description="15-minute community life-circle planning (15分钟社区生活圈): "
        "prepare OSM data, analyse walking access, compare scenarios, export.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (prepare, analyze, map_command, compare, suggest, dashboard, survey, bench):
        command.register(sub)
    for command in (topic_command, vote_sheet_command):  # deliberation (议事)
        command.register(sub)
    for command in (report_command, checkup_command):
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    try:
        return handler(args)
    except LifecircleError as exc:
        # Never echo a key or a URL password (an Overpass or database URL) to the terminal.
        message = redact_text(str(exc), secrets=secret_values(os.environ))
        print(f"lifecircle: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the output was piped into head or less, which closed early
        sys.stderr.close()
        return 141


if __name__ == "__main__":
    sys.exit(main())
