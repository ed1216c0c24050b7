"""``lifecircle suggest``: where to add the next services (补建选址).

Chooses ``--k`` sites that newly serve the most residents (maximal covering), or the
fewest sites after which ``--target`` of residents are served (set covering), among
candidate sites from the district's data and/or a file, and writes the sites, the
coverage curve and a scenario ready for ``lifecircle compare`` or a vote.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from geo.errors import InputFileError
from lifecircle.cli.population_args import add_saved_population_args, analyse_with_saved_population
from lifecircle.cli.sources import EXIT_OK, add_source_args, load_from_args, print_rejected

DATA_SOURCES_HELP = "plots,buildings,entrances"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "suggest",
        help="suggest sites for new services: k sites, or the fewest for a target share",
    )
    add_source_args(p, online=False)
    p.add_argument("--category", required=True, help="the service to site (a category id)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--k", type=int, help="how many sites to choose (maximal covering)")
    how.add_argument(
        "--target",
        type=float,
        help="share of all residents to serve, e.g. 0.9: the fewest sites (set covering)",
    )
    p.add_argument(
        "--candidates", type=Path, help="candidate sites (CSV, XLSX or GeoJSON; cost optional)"
    )
    p.add_argument(
        "--candidates-crs",
        default="wgs84",
        help="coordinate system of --candidates: wgs84, gcj02 (AMap, Tencent) or bd09 (Baidu)",
    )
    p.add_argument(
        "--data-candidates",
        default=DATA_SOURCES_HELP,
        help=f"candidates from the district's data: any of {DATA_SOURCES_HELP}, or none "
        "(default: all three)",
    )
    p.add_argument("--survey", type=Path, help="weight residents by the needs they stated")
    p.add_argument(
        "--survey-crs", default=None, help="coordinate system of --survey (default: --crs)"
    )
    p.add_argument("--budget", type=float, help="total cost the k sites may not exceed")
    p.add_argument(
        "--method",
        choices=["auto", "exact", "greedy"],
        default="auto",
        help="auto: exact when the instance is small enough, else greedy with its bound",
    )
    p.add_argument("--curve", type=int, help="the curve's largest number of sites (default 10)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_saved_population_args(p)
    p.set_defaults(handler=cmd_suggest, place=None)


def _data_sources(text: str) -> tuple[str, ...]:
    from geo.siting.candidates import DATA_SOURCES
    from geo.siting.settings import SitingError

    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts in ([], ["none"]):
        return ()
    unknown = [p for p in parts if p not in DATA_SOURCES]
    if unknown:
        raise SitingError(
            f"unknown --data-candidates {', '.join(unknown)}; use any of "
            f"{', '.join(DATA_SOURCES)}, or none"
        )
    return tuple(parts)


def _category(taxonomy: Any, text: str) -> str:
    from geo.errors import TaxonomyError

    resolved = taxonomy.resolve(text)
    if resolved is None:
        raise TaxonomyError(f"unknown category '{text}' (known: {', '.join(taxonomy.ids)})")
    return str(resolved)


def cmd_suggest(args: argparse.Namespace) -> int:
    from geo.inputs.coords import parse_coord_system
    from geo.settings import DEFAULT_WALK_SPEED_KMH
    from geo.siting.candidate_files import read_candidate_file
    from geo.siting.candidates import concat_candidates, district_candidates, join_candidates
    from geo.siting.results import suggest_sites
    from geo.siting.settings import SitingError

    if args.k is not None and args.k <= 0:
        raise SitingError(f"--k must be at least 1, not {args.k}")
    if args.target is not None and not (0 < args.target <= 1 and math.isfinite(args.target)):
        raise SitingError(f"--target must be a share above 0 and at most 1, not {args.target}")
    if args.curve is not None and args.curve <= 0:
        raise SitingError(f"--curve must be at least 1, not {args.curve}")
    sources = _data_sources(args.data_candidates)
    taxonomy, _, district, rejected = load_from_args(args)
    print_rejected(rejected, label=str(args.facilities))
    category = _category(taxonomy, args.category)
    frames = [district_candidates(district, sources=sources)] if sources else []
    if args.candidates is not None:
        given = read_candidate_file(
            args.candidates, coord_system=parse_coord_system(args.candidates_crs)
        )
        print_rejected(given.rejected, label=str(args.candidates))
        if len(given.candidates) == 0:
            raise SitingError(f"{args.candidates.name}: no usable candidate row")
        frames.append(given.candidates)
    candidates = join_candidates(district, concat_candidates(frames))
    analysis = analyse_with_saved_population(
        args, district, taxonomy, speed_kmh=DEFAULT_WALK_SPEED_KMH, progress=None
    )
    weight = None
    if args.survey is not None:
        weight = _survey_weight(args, analysis, category)
    suggestion = suggest_sites(
        analysis,
        category,
        candidates,
        k=args.k,
        target=args.target,
        budget=args.budget,
        weight=weight,
        method=args.method,
        curve_sites=args.curve,
    )
    paths = write_suggestion(suggestion, analysis, args.out)
    _report(suggestion, paths, args.out)
    return EXIT_OK


def _survey_weight(args: argparse.Namespace, analysis: Any, category: str) -> Any:
    from geo.siting.weights import need_weights
    from geo.surveys.read import read_survey

    survey = read_survey(
        args.survey,
        taxonomy=analysis.taxonomy,
        district=analysis.district,
        coord_system=args.survey_crs or args.crs,
    )
    if survey.rows_accepted == 0:
        raise InputFileError(f"{args.survey.name}: no survey row was accepted")
    return need_weights(analysis, survey.responses, category)


def write_suggestion(suggestion: Any, analysis: Any, out: Path) -> dict[str, Path]:
    """Write ``sites.csv``, ``sites.geojson``, ``curve.csv``, ``candidates.csv``,
    ``newly_served_homes.csv``, ``scenario.geojson`` and ``suggestion.json`` to ``out``."""
    from geo.export import write_csv, write_text_atomic

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot use {out} as the output folder: {exc.strerror}") from exc
    meta = analysis.district.meta
    paths = {
        name: out / name
        for name in (
            "sites.csv",
            "sites.geojson",
            "curve.csv",
            "candidates.csv",
            "newly_served_homes.csv",
            "scenario.geojson",
            "suggestion.json",
        )
    }
    write_csv(paths["sites.csv"], suggestion.sites_table())
    sites = json.loads(suggestion.sites_gdf().to_json(drop_id=True))
    sites["attribution"] = meta.attribution
    write_text_atomic(paths["sites.geojson"], json.dumps(sites, ensure_ascii=False))
    write_csv(paths["curve.csv"], suggestion.curve)
    write_csv(paths["candidates.csv"], suggestion.candidates_table())
    homes = suggestion.newly_served_homes(analysis).drop(columns="geometry")
    write_csv(paths["newly_served_homes.csv"], homes)
    scenario = suggestion.to_scenario(district=meta.name)
    write_text_atomic(paths["scenario.geojson"], scenario.dumps())
    summary = suggestion.summary()
    summary.update({"district": meta.name, "attribution": meta.attribution})
    write_text_atomic(
        paths["suggestion.json"], json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    )
    return paths


def _report(suggestion: Any, paths: dict[str, Path], out: Path) -> None:
    s = suggestion.solution
    m = suggestion.matrix
    summary = suggestion.summary()
    what = f"k = {s.k}" if s.model == "max_covering" else f"target {s.target:.0%}"
    print(
        f"{suggestion.category_name_en} ({suggestion.category}, {m.tier_m:.0f} m): "
        f"{s.model.replace('_', ' ')}, {what}, {m.n_candidates} candidates"
    )
    if s.note:
        print(f"  {s.note}")
    for row in suggestion.sites_table().itertuples():
        label = row.name or row.candidate_id
        print(
            f"  {row.rank:>2}. {label} ({row.source}, {row.lon:.6f}, {row.lat:.6f}): "
            f"+{row.residents_added:,.0f} residents"
        )
    if s.model == "set_covering":
        bound = f"at least {s.bound:.0f} sites"
    elif m.weighted:
        bound = f"need-weighted objective {s.value:,.0f}, bound {s.bound:,.0f}"
    else:
        bound = f"bound {s.bound:,.0f}"
    print(
        f"  {s.residents_new:,.0f} residents newly served; served "
        f"{summary['share_before']:.1%} -> {summary['share_after']:.1%}; "
        f"{s.method}, optimality gap {s.gap:.2%} ({bound})"
    )
    print(f"  wrote {', '.join(p.name for p in paths.values())} to {out}")
