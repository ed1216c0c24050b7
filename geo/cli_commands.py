"""Sub-commands beyond ``prepare`` (analysis, comparison, export, benchmark)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK = 0


def register(sub: Any, add_source_args: Callable[..., None]) -> None:
    """Add the analysis commands to the ``lifecircle`` parser."""
    p = sub.add_parser(
        "analyze",
        aliases=["analyse"],
        help="walking distances, coverage, service areas and gaps; writes CSV/JSON/GeoPackage",
    )
    add_source_args(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--speed-kmh", type=float, default=None, help="walking speed (default 4.0)")
    p.add_argument(
        "--population",
        type=Path,
        help="population file (points or grid) instead of the building proxy",
    )
    p.add_argument("--no-geopackage", action="store_true", help="skip the GeoPackage (faster)")
    p.add_argument(
        "--survey",
        type=Path,
        help="a needs survey (CSV, XLSX or GeoJSON): also writes priorities.csv",
    )
    p.add_argument(
        "--survey-crs", default=None, help="coordinate system of --survey (default: --crs)"
    )
    p.set_defaults(handler=cmd_analyze)

    p = sub.add_parser("map", help="write a standalone HTML map of a district's analysis")
    add_source_args(p)
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--category", help="category to colour streets by (default: the first)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--speed-kmh", type=float, default=None)
    p.add_argument(
        "--basemap", default="none", choices=["osm", "light", "tianditu", "gaode", "none"]
    )
    p.add_argument("--survey", type=Path, help="draw a needs survey over the gaps")
    p.add_argument(
        "--survey-crs", default=None, help="coordinate system of --survey (default: --crs)"
    )
    p.set_defaults(handler=cmd_map)

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
    p.set_defaults(handler=cmd_compare, place=None)

    p = sub.add_parser("dashboard", help="open the dashboard in your browser (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost")
    p.set_defaults(handler=cmd_dashboard)

    from geo import survey_cli

    survey_cli.register(sub)

    from bench.engine import add_arguments, run

    p = sub.add_parser("bench", help="time the distance engine against networkx and pandana")
    add_arguments(p)
    p.set_defaults(handler=run)


def cmd_analyze(args: argparse.Namespace) -> int:
    from geo.analysis import analyse
    from geo.cli import load_from_args, print_rejected
    from geo.export import write_analysis
    from geo.residents import homes_from_population_file
    from geo.settings import DEFAULT_WALK_SPEED_KMH

    t0 = time.perf_counter()
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    load_s = time.perf_counter() - t0
    homes = None
    if args.population is not None:
        homes = homes_from_population_file(args.population, district.network, coord_system=args.crs)
    speed = args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH
    analysis = analyse(district, taxonomy, speed_kmh=speed, homes=homes)
    analysis.timings_s["load"] = load_s
    paths = write_analysis(analysis, args.out, geopackage=not args.no_geopackage)
    if args.survey is not None:
        from geo.survey_cli import add_survey_outputs

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
        print(
            f"  {c['id']:<18} {c['tier_minutes']:>2} min/{c['tier_m']:>5.0f} m  "
            f"served {c['share'] * 100:5.1f}%  not served {c['residents_not_served']:>9.0f}"
        )
    print(f"  life-circle completeness: {summary['completeness'] * 100:.1f}% of residents")
    print(f"  wrote {', '.join(p.name for p in paths.values())} to {args.out}")
    return EXIT_OK


def cmd_dashboard(args: argparse.Namespace) -> int:
    import subprocess
    import sys

    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        f"--server.port={args.port}",
        f"--server.address={args.address}",
        "--server.enableStaticServing=true",
        "--runner.postScriptGC=false",
        "--browser.gatherUsageStats=false",
    ]
    print(f"lifecircle dashboard: http://{args.address}:{args.port}  (Ctrl+C to stop)")
    return subprocess.call(cmd)


def cmd_map(args: argparse.Namespace) -> int:
    import sys

    from dashboard.maps import build_map, compute_map_layers
    from dashboard.offline import standalone_html
    from geo.analysis import analyse
    from geo.cli import load_from_args, print_rejected
    from geo.errors import InputFileError
    from geo.export import _write_text_atomic
    from geo.settings import DEFAULT_WALK_SPEED_KMH

    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    speed = args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH
    analysis = analyse(district, taxonomy, speed_kmh=speed)
    category = args.category or ("clinic" if "clinic" in taxonomy else taxonomy.ids[0])
    taxonomy.get(category)
    fmap = build_map(
        analysis,
        compute_map_layers(analysis, category),
        category=category,
        lang=args.lang,
        basemap=args.basemap,
        speed_kmh=speed,
        layer_control=args.survey is None,
    )
    if args.survey is not None:
        import folium

        from dashboard.maps import needs_layers, shift_for
        from geo.survey import read_survey

        survey = read_survey(
            args.survey,
            taxonomy=taxonomy,
            district=district,
            coord_system=args.survey_crs or args.crs,
        )
        print(survey.report(), file=sys.stderr)
        for group in needs_layers(
            survey.responses, taxonomy=taxonomy, lang=args.lang, shift=shift_for(args.basemap)
        ):
            group.add_to(fmap)
        folium.LayerControl(collapsed=False).add_to(fmap)
    out = Path(args.out)
    if not out.parent.exists():
        raise InputFileError(f"the folder {out.parent} does not exist")
    _write_text_atomic(out, standalone_html(fmap))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, opens with no internet)")
    return EXIT_OK


def _read_scenario(path: Path, taxonomy: Any) -> Any:
    from geo.errors import InputFileError
    from geo.scenario import loads_scenario

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError(f"scenario file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read the scenario file {path.name}: {exc}") from exc
    return loads_scenario(text, taxonomy=taxonomy)


def cmd_compare(args: argparse.Namespace) -> int:
    from geo.analysis import analyse
    from geo.cli import load_from_args, print_rejected
    from geo.comparison import apply_scenario, compare
    from geo.errors import InputFileError
    from geo.export import (
        _write_text_atomic,
        edges_table,
        facilities_table,
        nodes_table,
        write_csv,
    )
    from geo.settings import DEFAULT_WALK_SPEED_KMH

    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    scenario = _read_scenario(args.scenario, taxonomy)
    speed = args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH
    baseline = analyse(district, taxonomy, speed_kmh=speed)
    before = baseline
    if args.against is not None:
        before = apply_scenario(baseline, _read_scenario(args.against, taxonomy))
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
    _write_text_atomic(out / "comparison.json", json.dumps(doc, ensure_ascii=False, indent=2))
    write_csv(out / "nodes.csv", nodes_table(after))
    write_csv(out / "edges.csv", edges_table(after))
    write_csv(out / "facilities.csv", facilities_table(after))
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
    print(f"  wrote comparison.json, nodes.csv, edges.csv, facilities.csv to {out}")
    return EXIT_OK
