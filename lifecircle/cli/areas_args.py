"""``analyze --areas``: per-area (街道, 社区/居委) summaries next to the district's files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line starts without importing the analysis
    from geo.access.analysis import Analysis
    from geo.areas.boundaries import Areas
    from geo.district.model import District


def add_area_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--areas",
        type=Path,
        help="area boundaries (街道/社区; GeoJSON, GeoPackage or Shapefile): writes areas.csv "
        "and an 'areas' GeoPackage layer; without it, OSM's closed admin_level 8-10 areas",
    )
    p.add_argument(
        "--areas-crs", default=None, help="coordinate system of --areas (default: --crs)"
    )
    p.add_argument("--areas-name", default=None, help="the column of --areas that names the areas")


def resolve_areas(args: argparse.Namespace, district: District) -> Areas | None:
    """The areas to summarise (checked now, so a bad file stops before any output)."""
    from geo.areas.sources import load_areas
    from geo.inputs.coords import parse_coord_system

    return load_areas(
        district,
        path=args.areas,
        coord_system=parse_coord_system(args.areas_crs or args.crs),
        name_column=args.areas_name,
    )


def write_area_outputs(
    args: argparse.Namespace, analysis: Analysis, areas: Areas | None, paths: dict[str, Path]
) -> dict[str, Path]:
    """Write ``areas.csv`` (and the GeoPackage layer) and print one line about them."""
    from geo.areas.export import write_areas
    from geo.areas.summary import OUTSIDE_ID, summarise_areas

    if areas is None:
        print(
            "  areas: none given (--areas FILE) and the extract has no closed administrative "
            "boundaries (admin_level 8-10); no per-area summary"
        )
        return {}
    summary = summarise_areas(analysis, areas)
    written = write_areas(summary, args.out, geopackage=paths.get("geopackage"))
    outside: Any = summary.table.set_index("area_id").loc[OUTSIDE_ID]
    print(
        f"  areas: {areas.describe()}; {int(outside['homes'])} homes "
        f"(~{float(outside['residents']):.0f} residents) outside every area"
    )
    for note in areas.notes:
        print(f"  areas: {note}")
    return written
