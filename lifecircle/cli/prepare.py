"""``lifecircle prepare``: parse and cache a district, print a summary."""

from __future__ import annotations

import argparse
import json
from typing import Any

from lifecircle.cli.sources import (
    EXIT_OK,
    add_source_args,
    load_from_args,
    print_rejected,
    progress_bar,
)


def register(sub: Any) -> None:
    p = sub.add_parser("prepare", help="parse and cache a district, print a summary")
    add_source_args(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=cmd_prepare)


def district_summary(district: Any, taxonomy: Any) -> dict[str, Any]:
    from geo.population.estimate import check_buildings

    net = district.network
    sizes = net.component_sizes()
    counts = district.facility_counts()
    facilities = {c.id: counts.get(c.id, 0) for c in taxonomy.categories}
    on_pieces = 0
    if len(district.facilities):
        from geo.access.snapping import snap_facilities

        snapped, _ = snap_facilities(
            net,
            district.facilities,
            areas=district.facility_areas,
            entrances=district.entrances,
        )
        idx = snapped["node_pos"].to_numpy()
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
        "repairs": dict(district.meta.repairs),
        "population_checks": check_buildings(district),
        "timings_s": {k: round(v, 3) for k, v in district.timings_s.items()},
    }


def cmd_prepare(args: argparse.Namespace) -> int:
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    summary = district_summary(district, taxonomy)
    progress_bar(args).close()
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
    for line in repair_lines(summary["repairs"]):
        print(f"  {line}")
    checks = summary["population_checks"]
    for line in checks[:MAX_CHECK_LINES]:
        print(f"  {line}")
    if len(checks) > MAX_CHECK_LINES:
        print(f"  ... and {len(checks) - MAX_CHECK_LINES} more implausible building values")
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


MAX_CHECK_LINES = 20

REPAIR_TEXT = {
    "ways_cut_at_edge": "{n} walkable ways cut at the extract edge were split",
    "ways_dropped_no_nodes_present": (
        "{n} walkable ways had no node inside the file and were left out"
    ),
    "ways_without_nodes": "{n} ways with no node references were skipped",
    "ways_too_long": "{n} ways with more nodes than the limit (OSM's own: 2,000) were skipped",
    "features_cut_at_edge": "{n} mapped features cut at the extract edge were left out",
    "relations_partial": "{n} multipolygons lack members; their closed rings were kept",
    "relations_dropped": "{n} multipolygons closed no ring and were left out",
    "pedestrian_areas": "{n} pedestrian squares are walked along their outline",
}


def repair_lines(repairs: dict[str, int]) -> list[str]:
    """One plain line per kind of repair made while reading the source."""
    return [text.format(n=repairs[k]) for k, text in REPAIR_TEXT.items() if repairs.get(k)]
