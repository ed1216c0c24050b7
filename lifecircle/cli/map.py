"""``lifecircle map``: one standalone HTML map that opens with no internet."""

from __future__ import annotations

import argparse
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
    p = sub.add_parser("map", help="write a standalone HTML map of a district's analysis")
    add_source_args(p)
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--category", help="category to colour streets by (default: the first)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--speed-kmh", type=float, default=None)
    p.add_argument(
        "--basemap",
        default="local",
        choices=["local", "osm", "light", "tianditu", "gaode", "none"],
        help="local (default) draws the district's own OSM data, offline; the others load "
        "tiles from the internet when the file is opened",
    )
    p.add_argument("--survey", type=Path, help="draw a needs survey over the gaps")
    p.add_argument(
        "--survey-crs", default=None, help="coordinate system of --survey (default: --crs)"
    )
    add_saved_population_args(p)
    p.set_defaults(handler=cmd_map)


def cmd_map(args: argparse.Namespace) -> int:
    import sys

    from geo.errors import InputFileError
    from geo.export import write_text_atomic
    from geo.output_paths import checked_output_file
    from geo.settings import DEFAULT_WALK_SPEED_KMH
    from lifecircle.maps import build_map, compute_map_layers
    from lifecircle.maps.offline import standalone_html

    checked_output_file(Path(args.out))  # before the work, not after it
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    speed = args.speed_kmh if args.speed_kmh is not None else DEFAULT_WALK_SPEED_KMH
    bar = progress_bar(args)
    analysis = analyse_with_saved_population(
        args, district, taxonomy, speed_kmh=speed, progress=scaled(bar, 0.4, 0.7)
    )
    bar.close()
    category = args.category or (
        "health_centre" if "health_centre" in taxonomy else taxonomy.ids[0]
    )
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

        from geo.surveys.read import read_survey
        from lifecircle.maps import Legend, needs_layers, needs_legend, shift_for

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
        fmap.add_child(Legend(needs_legend(args.lang)))
    out = Path(args.out)
    if not out.parent.exists():
        raise InputFileError(f"the folder {out.parent} does not exist")
    write_text_atomic(out, standalone_html(fmap))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, opens with no internet)")
    return EXIT_OK
