"""``lifecircle checkup``: many sources at once on Dask; one table, a report per source."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from geo.redaction import redact_text, secret_values
from lifecircle.cli.report import add_checkup_args, spec_from_args
from lifecircle.cli.sources import EXIT_BAD_INPUT, EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "checkup",
        help="the city check-up of many sources on Dask: indicators.csv, ledger.csv, reports",
    )
    p.add_argument("sources", nargs="+", help="files or bundled districts")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument(
        "--scheduler", help="an existing Dask scheduler, tcp://HOST:PORT (default: a LocalCluster)"
    )
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--timeout-s", type=float, default=20.0, help="seconds to wait for --scheduler")
    p.add_argument(
        "--formats", default="pdf", help="reports per source: pdf, html, xlsx (comma-separated)"
    )
    add_checkup_args(p)
    p.set_defaults(handler=cmd_checkup)


def cmd_checkup(args: argparse.Namespace) -> int:
    from geo.errors import InputFileError
    from lifecircle.batch.checkup import ClusterSettings, run_checkups

    if args.workers < 1:
        raise InputFileError("--workers must be at least 1")
    specs = [spec_from_args(args, source) for source in args.sources]
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    cluster = ClusterSettings(
        scheduler=args.scheduler, workers=args.workers, connect_timeout_s=args.timeout_s
    )
    run = run_checkups(specs, args.out, cluster=cluster, formats=formats)
    for s in run.sources:
        print(
            f"{s['source']}: {s['units']} units, completeness {s['completeness'] * 100:.1f}%, "
            f"{len(s['no_data_items'])} essential items with no data"
        )
    for f in run.failed:
        message = redact_text(f"{f['source']}: {f['error']}", secrets=secret_values(os.environ))
        print(f"lifecircle: error: {message}", file=sys.stderr)
    print(
        f"  wrote indicators.csv ({len(run.result.indicators)} units), ledger.csv "
        f"({len(run.result.ledger)} rows) and {sum(len(v) for v in run.reports.values())} "
        f"reports to {args.out}"
    )
    return EXIT_BAD_INPUT if run.failed else EXIT_OK
