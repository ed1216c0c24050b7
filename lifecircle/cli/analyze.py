"""``lifecircle analyze``: distances, coverage, service areas and gaps, written to files."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from geo.progress import scaled
from lifecircle.cli.areas_args import add_area_args, resolve_areas, write_area_outputs
from lifecircle.cli.population_args import (
    add_population_args,
    analyse_with_population_args,
    population_lines,
)
from lifecircle.cli.sources import (
    EXIT_OK,
    add_source_args,
    load_from_args,
    print_rejected,
    progress_bar,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "analyze",
        aliases=["analyse"],
        help="walking distances, coverage, service areas and gaps; writes CSV/JSON/GeoPackage",
    )
    add_source_args(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--speed-kmh", type=float, default=None, help="walking speed (default 4.0)")
    add_population_args(p)
    p.add_argument("--no-geopackage", action="store_true", help="skip the GeoPackage (faster)")
    p.add_argument(
        "--survey",
        type=Path,
        help="a needs survey (CSV, XLSX or GeoJSON): also writes priorities.csv",
    )
    p.add_argument(
        "--survey-crs", default=None, help="coordinate system of --survey (default: --crs)"
    )
    add_area_args(p)
    p.set_defaults(handler=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    from geo.export import write_analysis
    from geo.output_paths import checked_output_folder
    from geo.settings import DEFAULT_WALK_SPEED_KMH

    checked_output_folder(args.out)
    t0 = time.perf_counter()
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    areas = resolve_areas(args, district)
    load_s = time.perf_counter() - t0
    speed = args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH
    bar = progress_bar(args)
    analysis = analyse_with_population_args(
        args, district, taxonomy, speed_kmh=speed, progress=scaled(bar, 0.4, 0.55)
    )
    analysis.timings_s["load"] = load_s
    paths = write_analysis(
        analysis,
        args.out,
        geopackage=not args.no_geopackage,
        progress=scaled(bar, 0.55, 1.0),
    )
    bar.close()
    if args.survey is not None:
        from lifecircle.cli.survey import add_survey_outputs

        paths.update(
            add_survey_outputs(
                analysis, args.survey, coord_system=args.survey_crs or args.crs, out_dir=args.out
            )
        )
    summary = json.loads(paths["summary"].read_text("utf-8"))
    print(
        f"{summary['title_en']}: {summary['nodes']} nodes, {summary['edges']} edges, "
        f"{summary['facilities']} facilities, {summary['homes']} homes "
        f"(~{summary['residents']:.0f} residents), limit {summary['limit_m']:.0f} m"
    )
    for c in summary["categories"]:
        flag = "no data" if c["no_data"] else ("essential" if c["essential"] else "optional")
        print(
            f"  {c['id']:<18} {c['tier_minutes']:>2} min/{c['tier_m']:>5.0f} m  "
            f"served {c['share'] * 100:5.1f}%  not served {c['residents_not_served']:>9.0f}"
            f"  {flag}"
        )
    print(
        f"  life-circle completeness: {summary['completeness'] * 100:.1f}% of residents, over "
        f"the essential items with data; {summary['no_data_count']} essential items have no "
        f"data ({', '.join(summary['no_data_items']) or '-'}): import the street office's list"
        " with --facilities"
    )
    for line in population_lines(summary.get("population", {})):
        print(f"  {line}")
    paths.update(write_area_outputs(args, analysis, areas, paths))
    print(f"  wrote {', '.join(p.name for p in paths.values())} to {args.out}")
    return EXIT_OK
