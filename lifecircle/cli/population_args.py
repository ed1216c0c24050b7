"""The population options of ``analyze``: overrides, a building levels file, elderly share
and speed, and a population file whose rows outside the district are rejected."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from geo.errors import LifecircleError
from lifecircle.cli.sources import print_rejected


def add_saved_population_args(p: argparse.ArgumentParser) -> None:
    """``--population-overrides FILE`` and ``--no-population-overrides``: every command that
    counts residents applies the district's saved corrections unless told not to."""
    p.add_argument(
        "--population-overrides",
        type=Path,
        default=None,
        help="population overrides JSON (default: the district's saved population.json)",
    )
    p.add_argument(
        "--no-population-overrides",
        action="store_true",
        help="ignore the saved population overrides",
    )


def add_population_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--population",
        type=Path,
        help="population file (points or grid) instead of the building proxy",
    )
    add_saved_population_args(p)
    p.add_argument(
        "--building-levels",
        type=Path,
        help="building:levels/height per building (CSV/XLSX/GeoJSON: OSM id or lon/lat)",
    )
    p.add_argument(
        "--elderly-share",
        type=float,
        default=None,
        help="share of residents aged 60+ (0–1): elderly items are counted in elderly residents",
    )
    p.add_argument(
        "--elderly-walk-m-per-min",
        type=float,
        default=None,
        help="walking speed of older residents for the elderly items, e.g. 60 (m/min)",
    )


def analyse_with_population_args(
    args: argparse.Namespace, district: Any, taxonomy: Any, *, speed_kmh: float, progress: Any
) -> Any:
    """The analysis the population options ask for (and one line about what was used)."""
    from dataclasses import replace

    from geo.access.analysis import analyse
    from geo.population.analysis import ElderlySettings, analyse_population
    from geo.population.elderly import elderly_taxonomy

    share = args.elderly_share
    if share is not None and not 0.0 <= share <= 1.0:
        raise LifecircleError(f"--elderly-share must be between 0 and 1, not {share:g}")
    walk = args.elderly_walk_m_per_min
    if args.population is not None:
        from geo.inputs.population import read_population_file

        result = read_population_file(
            args.population, district.network, coord_system=args.crs, bbox=district.meta.bbox
        )
        print_rejected(result.rejected, label=str(args.population))
        used = taxonomy
        if walk is not None:
            used = elderly_taxonomy(taxonomy, walk_m_per_min=walk)
        analysis = analyse(
            district, used, speed_kmh=speed_kmh, homes=result.homes, progress=progress
        )
        report = {
            "source": args.population.name,
            "rows_rejected": len(result.rejected),
            "rejected": [str(r) for r in result.rejected],
        }
        return replace(analysis, population=report)
    overrides = _saved_overrides(args, district)
    if args.building_levels is not None:
        from geo.population.building_file import read_building_file

        found = read_building_file(args.building_levels, district.buildings, coord_system=args.crs)
        print_rejected(found.rejected, label=str(args.building_levels))
        print(
            f"{args.building_levels.name}: {len(found.buildings)} of {found.rows} row(s) "
            "matched a building",
            file=sys.stderr,
        )
        overrides = replace(overrides, buildings={**overrides.buildings, **found.buildings})
    if walk is None:
        walk = overrides.elderly_walk_m_per_min
    analysis, _ = analyse_population(
        district,
        taxonomy,
        overrides=overrides,
        elderly=ElderlySettings(share=share, walk_m_per_min=walk),
        speed_kmh=speed_kmh,
        progress=progress,
    )
    return analysis


def _saved_overrides(args: argparse.Namespace, district: Any) -> Any:
    """The saved corrections the options ask for, and one line on stderr when there are any."""
    from geo.population.overrides import saved_overrides

    overrides, path = saved_overrides(
        district.meta.name,
        path=args.population_overrides,
        use_saved=not args.no_population_overrides,
    )
    if not overrides.is_empty:
        print(
            f"population overrides from {path}: {len(overrides.compounds)} compound(s), "
            f"{len(overrides.buildings)} building(s)",
            file=sys.stderr,
        )
    return overrides


def analyse_with_saved_population(
    args: argparse.Namespace, district: Any, taxonomy: Any, *, speed_kmh: float, progress: Any
) -> Any:
    """The analysis of ``compare``, ``map`` and ``suggest``: the saved corrections applied
    (``--population-overrides``, ``--no-population-overrides``), as ``analyze`` does."""
    from geo.population.analysis import analyse_saved_population

    _saved_overrides(args, district)  # the line saying which corrections apply
    return analyse_saved_population(
        district,
        taxonomy,
        overrides_path=args.population_overrides,
        use_saved=not args.no_population_overrides,
        speed_kmh=speed_kmh,
        progress=progress,
    )


def population_lines(report: dict[str, Any]) -> list[str]:
    """The population report of ``summary.json`` as a few plain lines."""
    lines: list[str] = []
    if "default_floors_share" in report and report["default_floors"] is not None:
        lines.append(
            f"residents: {report['default_floors_share'] * 100:.0f}% of homes use the default "
            f"of {report['default_floors']:g} floors ({report['homes_default_floors']} of "
            f"{report['homes']}); override floors or residents per compound to correct it"
        )
    for row in report.get("overridden_compounds", []):
        lines.append(
            f"compound {row['name'] or row['compound']}: {row['override'] or 'elderly share'} "
            f"overridden, {row['residents_estimated']:.0f} → {row['residents']:.0f} residents"
        )
    for key in report.get("unknown_compounds", []):
        lines.append(f"override for compound {key!r} matches no compound of this district")
    if report.get("checks"):
        lines.append(f"{len(report['checks'])} implausible building value(s) ignored or capped")
    elderly = report.get("elderly") or {}
    for item in elderly.get("items", []):
        share = "no data" if item["share"] is None else f"{item['share'] * 100:.1f}%"
        lines.append(
            f"elderly {item['id']} within {item['distance_m']:.0f} m: "
            f"{item['elderly_served']:.0f} of {item['elderly_residents']:.0f} elderly "
            f"served ({share})"
        )
    return lines
