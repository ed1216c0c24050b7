"""``lifecircle report``: the city check-up report of one source (PDF, HTML or XLSX)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lifecircle.cli.population_args import add_saved_population_args
from lifecircle.cli.sources import EXIT_OK


def add_checkup_args(p: argparse.ArgumentParser) -> None:
    """Arguments shared by ``report`` and ``checkup``: taxonomy, facilities, units."""
    p.add_argument("--taxonomy", type=Path, help="a taxonomy YAML file (default: bundled)")
    p.add_argument("--facilities", type=Path, help="your own facility list (CSV, XLSX, GeoJSON)")
    p.add_argument(
        "--crs", default="wgs84", help="coordinate system of --facilities: wgs84, gcj02, bd09"
    )
    p.add_argument(
        "--units",
        type=Path,
        help="unit boundaries (GeoJSON, Shapefile or GeoPackage); default: named compounds "
        "and admin areas (admin_level 8-10) from OSM",
    )
    p.add_argument(
        "--units-crs", default="wgs84", help="coordinate system of --units: wgs84, gcj02, bd09"
    )
    p.add_argument(
        "--unit-kinds",
        default="compound,community,subdistrict",
        help="OSM units to use (compound, community, subdistrict)",
    )
    p.add_argument("--speed-kmh", type=float, default=None, help="walking speed (default 4.0)")
    p.add_argument("--no-cache", action="store_true", help="parse again, ignoring the cache")
    add_saved_population_args(p)


def spec_from_args(args: argparse.Namespace, source: str) -> Any:
    from geo.checkup.pipeline import CheckupSpec
    from geo.settings import DEFAULT_WALK_SPEED_KMH

    return CheckupSpec(
        source=source,
        taxonomy=str(args.taxonomy) if args.taxonomy else None,
        facilities=str(args.facilities) if args.facilities else None,
        facilities_crs=args.crs,
        units_file=str(args.units) if args.units else None,
        units_crs=args.units_crs,
        unit_kinds=tuple(k.strip() for k in args.unit_kinds.split(",") if k.strip()),
        speed_kmh=args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH,
        use_cache=not args.no_cache,
        population_overrides=str(args.population_overrides) if args.population_overrides else None,
        use_population_overrides=not args.no_population_overrides,
    )


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="the city check-up (城市体检) report of one source: .pdf, .html or .xlsx",
    )
    p.add_argument("source", help="an .osm/.osm.bz2/.osm.pbf file or a bundled district")
    p.add_argument("--out", type=Path, required=True, help="report.pdf, report.html or .xlsx")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language")
    add_checkup_args(p)
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from geo.checkup.pipeline import run_checkup
    from geo.errors import InputFileError
    from lifecircle.reports.document import ReportInputs
    from lifecircle.reports.writers import REPORT_SUFFIXES, write_report

    if args.out.suffix.lower() not in REPORT_SUFFIXES:
        raise InputFileError(f"--out {args.out.name}: a report is .pdf, .html or .xlsx")
    from geo.output_paths import checked_output_file

    checked_output_file(args.out)
    analysis, units, checkup = run_checkup(spec_from_args(args, args.source))
    write_report(ReportInputs(analysis, units, checkup, lang=args.lang), args.out)
    cov = analysis.coverage
    print(
        f"{analysis.district.meta.title(args.lang)}: {len(units)} units, "
        f"{len(checkup.ledger)} ledger rows; completeness {cov.completeness * 100:.1f}% over the "
        f"essential items with data, {len(cov.no_data)} essential items with no data"
    )
    print(f"  wrote {args.out}")
    return EXIT_OK
