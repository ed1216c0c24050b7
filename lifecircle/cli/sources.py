"""What every data command shares: the SOURCE arguments, loading them, reporting rejected rows."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo.errors import LifecircleError
from geo.progress import scaled
from lifecircle.cli.progress import TerminalProgress

EXIT_OK = 0
EXIT_BAD_INPUT = 2

Handler = Callable[[argparse.Namespace], int]


def add_source_args(p: argparse.ArgumentParser, *, online: bool = True) -> None:
    p.add_argument(
        "source",
        nargs="?",
        help="an .osm/.osm.bz2/.osm.pbf file or a bundled district (lujiazui, wangjing)",
    )
    p.add_argument(
        "--bbox",
        help="study area west,south,east,north in WGS-84 degrees; without SOURCE, "
        "downloads that box from Overpass",
    )
    if online:
        p.add_argument("--place", help="download a place by name from Overpass (needs internet)")
    p.add_argument("--taxonomy", type=Path, help="a taxonomy YAML file (default: bundled)")
    p.add_argument("--facilities", type=Path, help="your own facility list (CSV, XLSX or GeoJSON)")
    p.add_argument(
        "--crs",
        default="wgs84",
        help="coordinate system of --facilities: wgs84, gcj02 (AMap, Tencent) or bd09 (Baidu)",
    )
    p.add_argument("--no-cache", action="store_true", help="parse again, ignoring the cache")
    p.add_argument(
        "--quiet", action="store_true", help="no progress bar (there is none when not a terminal)"
    )


def progress_bar(args: argparse.Namespace) -> TerminalProgress:
    """The command's progress bar on stderr (kept in ``args`` so stages share one)."""
    bar = getattr(args, "_progress", None)
    if bar is None:
        bar = TerminalProgress(quiet=bool(getattr(args, "quiet", False)))
        args._progress = bar
    return bar


def load_from_args(args: argparse.Namespace) -> Any:
    """Load the district that SOURCE/--place/--bbox name, plus any --facilities."""
    from geo.district.loader import load_district
    from geo.osm.bbox import parse_bbox
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(args.taxonomy)
    settings = Settings(use_cache=not args.no_cache)
    bbox = parse_bbox(args.bbox) if args.bbox else None
    place = getattr(args, "place", None)
    if args.source is None:
        if place is None and bbox is None:
            raise LifecircleError(
                "give a SOURCE (a file or a bundled district), or --place / --bbox to download"
            )
        from geo.district.online import load_overpass_district

        district = load_overpass_district(
            place=place, bbox=bbox, taxonomy=taxonomy, settings=settings
        )
    else:
        if place is not None:
            raise LifecircleError("give either SOURCE or --place, not both")
        district = load_district(
            args.source,
            taxonomy=taxonomy,
            settings=settings,
            bbox=bbox,
            progress=scaled(progress_bar(args), 0.0, 0.4),
        )
    rejected: list[Any] = []
    if args.facilities is not None:
        from geo.inputs.coords import parse_coord_system
        from geo.inputs.inventory import read_facility_inventory

        result = read_facility_inventory(
            args.facilities,
            coord_system=parse_coord_system(args.crs),
            resolve_category=taxonomy.resolve,
            study_area=district.meta.bbox,
            study_area_title=district.meta.title_en or district.meta.name,
        )
        rejected = list(result.rejected)
        district = district.with_facilities(result.facilities)
    return taxonomy, settings, district, rejected


def print_rejected(rejected: Sequence[Any], *, label: str) -> None:
    if not rejected:
        return
    print(f"{label}: {len(rejected)} row(s) rejected:", file=sys.stderr)
    for r in rejected:
        print(
            f"  row {r.row}, column '{r.column}': {r.reason} (value: {r.value!r})", file=sys.stderr
        )
