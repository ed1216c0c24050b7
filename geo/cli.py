"""The ``lifecircle`` command line: headless preparation, analysis, comparison, export.

Every error the core raises on purpose (:class:`geo.errors.LifecircleError`) is printed as
one line and the command exits with status 2; there is never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo.errors import LifecircleError

EXIT_OK = 0
EXIT_BAD_INPUT = 2

Handler = Callable[[argparse.Namespace], int]


def _add_source_args(p: argparse.ArgumentParser, *, online: bool = True) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecircle",
        description="15-minute community life-circle planning (15分钟社区生活圈): "
        "prepare OSM data, analyse walking access, compare scenarios, export.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("prepare", help="parse and cache a district, print a summary")
    _add_source_args(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=cmd_prepare)

    from geo import cli_commands  # the heavier commands live there

    cli_commands.register(sub, _add_source_args)
    return parser


def load_from_args(args: argparse.Namespace) -> Any:
    """Load the district that SOURCE/--place/--bbox name, plus any --facilities."""
    from geo.district import load_district, parse_bbox
    from geo.settings import Settings
    from geo.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(args.taxonomy)
    settings = Settings(use_cache=not args.no_cache)
    bbox = parse_bbox(args.bbox) if args.bbox else None
    place = getattr(args, "place", None)
    if args.source is None:
        if place is None and bbox is None:
            raise LifecircleError(
                "give a SOURCE (a file or a bundled district), or --place / --bbox to download"
            )
        from geo.overpass import load_overpass_district

        district = load_overpass_district(
            place=place, bbox=bbox, taxonomy=taxonomy, settings=settings
        )
    else:
        if place is not None:
            raise LifecircleError("give either SOURCE or --place, not both")
        district = load_district(args.source, taxonomy=taxonomy, settings=settings, bbox=bbox)
    rejected: list[Any] = []
    if args.facilities is not None:
        from geo.coords import parse_coord_system
        from geo.inventory import read_facility_inventory

        result = read_facility_inventory(
            args.facilities,
            coord_system=parse_coord_system(args.crs),
            resolve_category=taxonomy.resolve,
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


def district_summary(district: Any, taxonomy: Any) -> dict[str, Any]:
    net = district.network
    sizes = net.component_sizes()
    counts = district.facility_counts()
    facilities = {c.id: counts.get(c.id, 0) for c in taxonomy.categories}
    on_pieces = 0
    if len(district.facilities):
        idx, _ = net.snap_lonlat(
            district.facilities["lon"].to_numpy(), district.facilities["lat"].to_numpy()
        )
        on_pieces = int((net.nodes["component"].to_numpy()[idx] != 0).sum())
    by_source = district.facilities["source"].value_counts().to_dict()
    return {
        "district": district.meta.name,
        "title": district.meta.title_en,
        "source": district.meta.source,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "components": len(sizes),
        "largest_component_nodes": sizes[0] if sizes else 0,
        "facilities": facilities,
        "facilities_total": len(district.facilities),
        "facilities_by_source": {str(k): int(v) for k, v in by_source.items()},
        "facilities_off_main_network": on_pieces,
        "buildings": len(district.buildings),
        "entrances": len(district.entrances),
        "bbox": list(district.meta.bbox),
        "crs": net.crs,
        "data_date": district.meta.data_date,
        "attribution": district.meta.attribution,
        "timings_s": {k: round(v, 3) for k, v in district.timings_s.items()},
    }


def cmd_prepare(args: argparse.Namespace) -> int:
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    summary = district_summary(district, taxonomy)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{summary['title']}  ({summary['source']})")
    print(
        f"  walking network: {summary['nodes']} nodes, {summary['edges']} edges, "
        f"{summary['components']} connected pieces "
        f"(largest {summary['largest_component_nodes']} nodes)"
    )
    if summary["facilities_off_main_network"]:
        print(
            f"  note: {summary['facilities_off_main_network']} facilities sit on smaller "
            "disconnected pieces of the network; they are kept"
        )
    print(f"  bbox (W,S,E,N): {', '.join(f'{v:.5f}' for v in summary['bbox'])}")
    print(f"  CRS: {summary['crs']}   data date: {summary['data_date']}")
    print(f"  buildings: {summary['buildings']}   entrances/gates: {summary['entrances']}")
    print(f"  facilities: {summary['facilities_total']} ({summary['facilities_by_source']})")
    for c in taxonomy.categories:
        print(f"    {c.id:<18} {summary['facilities'][c.id]:>5}  {c.name_zh} / {c.name_en}")
    cached = "from cache" if district.timings_s.get("cached") else "parsed"
    seconds = district.timings_s.get("load", 0.0) + district.timings_s.get("network", 0.0)
    print(f"  {cached} in {seconds:.2f} s")
    print(f"  {summary['attribution']}")
    return EXIT_OK


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
        print(f"lifecircle: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
