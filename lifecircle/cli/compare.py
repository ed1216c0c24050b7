"""``lifecircle compare``: apply a scenario and compare it with the baseline or another."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from geo.progress import scaled
from lifecircle.cli.population_args import add_saved_population_args, analyse_with_saved_population
from lifecircle.cli.sources import (
    EXIT_OK,
    add_source_args,
    load_from_args,
    print_rejected,
    progress_bar,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "compare", help="apply a scenario and compare it with the baseline or another"
    )
    add_source_args(p, online=False)
    p.add_argument("--scenario", type=Path, required=True, help="a scenario GeoJSON file")
    p.add_argument(
        "--against", type=Path, help="compare with this scenario instead of the baseline"
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--speed-kmh", type=float, default=None)
    add_saved_population_args(p)
    p.set_defaults(handler=cmd_compare, place=None)


def _read_scenario(path: Path, taxonomy: Any, district: Any) -> Any:
    from geo.errors import InputFileError
    from geo.limits import Limits, read_limited_bytes
    from geo.scenarios.model import loads_scenario
    from geo.scenarios.plausibility import check_scenario_in_district

    limits = Limits()
    data = read_limited_bytes(path, max_bytes=limits.max_table_bytes, what="scenario file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"the scenario file {path.name} is not UTF-8 text") from exc
    scenario = loads_scenario(text, taxonomy=taxonomy)
    check_scenario_in_district(
        scenario,
        district.meta.bbox,
        margin_m=limits.study_area_margin_m,
        title=district.meta.title_en or district.meta.name,
    )
    return scenario


def cmd_compare(args: argparse.Namespace) -> int:
    from geo.errors import InputFileError
    from geo.export import (
        access_table,
        edges_table,
        facilities_table,
        nodes_table,
        write_csv,
        write_text_atomic,
    )
    from geo.output_paths import checked_output_folder
    from geo.scenarios.apply import apply_scenario
    from geo.scenarios.compare import compare
    from geo.settings import DEFAULT_WALK_SPEED_KMH

    checked_output_folder(args.out)
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    scenario = _read_scenario(args.scenario, taxonomy, district)
    speed = args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH
    bar = progress_bar(args)
    baseline = analyse_with_saved_population(
        args, district, taxonomy, speed_kmh=speed, progress=scaled(bar, 0.4, 0.8)
    )
    bar.close()
    before = baseline
    if args.against is not None:
        before = apply_scenario(baseline, _read_scenario(args.against, taxonomy, district))
    t0 = time.perf_counter()
    after = apply_scenario(baseline, scenario)
    apply_ms = (time.perf_counter() - t0) * 1000
    comparison = compare(before, after)
    out: Path = args.out
    categories: dict[str, Any] = dict(comparison.to_json()["categories"])  # type: ignore[call-overload]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot use {out} as the output folder: {exc.strerror}") from exc
    doc = comparison.to_json()
    doc.update(
        {
            "scenario": scenario.id,
            "title": scenario.meta.title,
            "against": "baseline" if args.against is None else str(args.against),
            "limit_m": after.limit_m,
            "apply_ms": round(apply_ms, 2),
            "interventions": len(scenario.interventions),
        }
    )
    write_text_atomic(out / "comparison.json", json.dumps(doc, ensure_ascii=False, indent=2))
    write_csv(out / "nodes.csv", nodes_table(after))
    write_csv(out / "edges.csv", edges_table(after))
    write_csv(out / "facilities.csv", facilities_table(after))
    write_csv(out / "access.csv", access_table(after))
    print(
        f"{scenario.meta.title}: {len(scenario.interventions)} interventions "
        f"(applied in {apply_ms:.0f} ms)"
    )
    for cid, row in categories.items():
        if row["delta"]:
            print(
                f"  {cid:<18} served {row['served_before']:>9.0f} -> {row['served_after']:>9.0f}"
                f"  ({row['delta']:+.0f}, {row['homes_newly_served']} homes newly served)"
            )
    print(
        f"  completeness {comparison.completeness_before * 100:.1f}% -> "
        f"{comparison.completeness_after * 100:.1f}%"
    )
    print(f"  wrote comparison.json, nodes.csv, edges.csv, facilities.csv, access.csv to {out}")
    return EXIT_OK
