"""Residents per home after the user's corrections, and the per-compound table.

The README rule (:mod:`geo.access.homes`): residents = footprint × floors × persons per
m², with floors from ``building:levels``, else ``height`` / 3 m, else a default per building
type, every value within the plausibility caps, and at most ``max_residents_per_building``
per building. On top of it, in this order: ``building:levels``/``height`` from a user file
replace the OSM values of the buildings they match; a compound's floors replace the floors
of all its homes; a compound's residents are shared among its homes in proportion to
their floor area (footprint × floors).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access.homes import (
    PopulationSettings,
    build_homes,
    estimate_levels,
    plausible_height_m,
    plausible_levels,
    select_homes,
)
from geo.district.model import District
from geo.population.compounds import OUTSIDE, assign_compounds, build_compound_areas
from geo.population.overrides import BuildingLevels, PopulationOverrides

LEVEL_SOURCES = ("levels", "height", "file", "default", "override")
"""Where a home's floors come from: OSM ``building:levels``, OSM ``height``, the user's
building file, the default for its building type, or the user's compound override."""

TABLE_COLUMNS = (
    "compound",
    "name",
    "homes",
    "with_levels",
    "with_height",
    "from_file",
    "defaulted",
    "floors_min",
    "floors_mean",
    "floors_max",
    "residents_estimated",
    "residents",
    "override",
    "elderly_share",
)


@dataclass(frozen=True, eq=False)
class Population:
    """Homes with their compound and the source of their floors, and the compound table."""

    homes: gpd.GeoDataFrame
    """:func:`geo.access.homes.build_homes` columns plus ``compound`` and ``levels_source``."""
    compounds: pd.DataFrame
    """One row per compound (:data:`TABLE_COLUMNS`), "outside compounds" last."""
    checks: tuple[str, ...]
    """One message per implausible building value that was ignored or capped."""
    overrides: PopulationOverrides
    settings: PopulationSettings
    unknown_compounds: tuple[str, ...] = field(default=())
    """Overridden compound keys that no longer match a compound of the district."""

    def default_floors(self) -> tuple[float, float | None]:
        """Share of homes whose floors are a default, and the most common default used."""
        src = self.homes["levels_source"].to_numpy()
        defaulted = src == "default"
        if len(src) == 0:
            return 0.0, None
        if not defaulted.any():
            return 0.0, None
        common = Counter(self.homes["levels"].to_numpy()[defaulted].tolist()).most_common(1)
        return float(defaulted.mean()), float(common[0][0])

    def report(self) -> dict[str, Any]:
        """What ``summary.json`` says about the residents: the rule, defaults, overrides."""
        share, floors = self.default_floors()
        cfg = self.settings
        overridden = self.compounds[self.compounds["override"] != ""]
        return {
            "rule": "footprint_m2 × floors × persons_per_m2, capped per building",
            "persons_per_m2": cfg.persons_per_m2,
            "metres_per_level": cfg.metres_per_level,
            "caps": {
                "max_floors": cfg.max_levels,
                "max_height_m": cfg.max_height_m,
                "max_residents_per_building": cfg.max_residents_per_building,
            },
            "homes": len(self.homes),
            "homes_default_floors": int((self.homes["levels_source"] == "default").sum()),
            "default_floors_share": round(share, 6),
            "default_floors": floors,
            "floors_source_counts": {
                s: int((self.homes["levels_source"] == s).sum()) for s in LEVEL_SOURCES
            },
            "buildings_from_file": len(self.overrides.buildings),
            "overridden_compounds": [
                {
                    "compound": str(r.compound),
                    "name": str(r.name),
                    "override": str(r.override),
                    "homes": int(r.homes),
                    "residents_estimated": round(float(r.residents_estimated), 2),
                    "residents": round(float(r.residents), 2),
                }
                for r in overridden.itertuples(index=False)
            ],
            "unknown_compounds": list(self.unknown_compounds),
            "checks": list(self.checks),
        }


def apply_building_levels(
    buildings: gpd.GeoDataFrame, levels: Mapping[str, BuildingLevels]
) -> gpd.GeoDataFrame:
    """A copy of ``buildings`` whose ``levels`` and ``height_m`` are those of ``levels``
    where a building is listed there (both replaced: a file giving only a height is used
    as the height, not overruled by OSM's levels)."""
    if not levels:
        return buildings
    out = buildings.copy()
    ids = out["osm_id"].astype(str)
    listed = ids.isin(set(levels)).to_numpy()
    for column in ("levels", "height_m"):
        given = {k: getattr(v, column) for k, v in levels.items()}
        mapped = ids.map(given).to_numpy(dtype=float)
        out[column] = np.where(listed, mapped, out[column].to_numpy(dtype=float))
    return out


def estimate_population(
    district: District,
    *,
    overrides: PopulationOverrides | None = None,
    settings: PopulationSettings | None = None,
) -> Population:
    """Homes and residents after ``overrides``, with the per-compound table."""
    cfg = settings or PopulationSettings()
    ov = overrides or PopulationOverrides()
    raw = district.buildings
    buildings = apply_building_levels(raw, ov.buildings)
    homes = build_homes(buildings, district.areas, district.network, settings=cfg)
    by_id = buildings.drop_duplicates("osm_id").set_index("osm_id")
    rows = by_id.loc[homes["home_id"]] if len(homes) else by_id.iloc[:0]
    source = _level_sources(rows, cfg, set(ov.buildings))
    raw_rows = raw.drop_duplicates("osm_id").set_index("osm_id")
    checks = _checks(
        raw_rows.loc[homes["home_id"]] if len(homes) else raw_rows.iloc[:0],
        [str(i) for i in homes["home_id"]],
        homes["levels"].to_numpy(dtype=float),
        homes["footprint_m2"].to_numpy(dtype=float),
        cfg,
    )
    compound = assign_compounds(homes, build_compound_areas(district))
    homes = homes.assign(compound=compound, levels_source=source)
    estimated = homes["population"].to_numpy(dtype=float).copy()
    homes, messages, unknown = _apply_compounds(homes, ov, cfg)
    table = _table(homes, estimated, ov, district)
    return Population(
        homes=homes,
        compounds=table,
        checks=tuple(checks + messages),
        overrides=ov,
        settings=cfg,
        unknown_compounds=tuple(unknown),
    )


def _level_sources(rows: pd.DataFrame, cfg: PopulationSettings, from_file: set[str]) -> np.ndarray:
    if len(rows) == 0:
        return np.array([], dtype=object)
    levels = np.isfinite(plausible_levels(rows, cfg))
    height = np.isfinite(plausible_height_m(rows, cfg))
    out = np.where(levels, "levels", np.where(height, "height", "default")).astype(object)
    in_file = np.array([str(i) in from_file for i in rows.index])
    out[in_file & (levels | height)] = "file"
    return out


def check_buildings(district: District, settings: PopulationSettings | None = None) -> list[str]:
    """One message per home whose OSM floors or height are ignored, or whose residents are
    capped (what ``prepare`` prints; no network join needed)."""
    cfg = settings or PopulationSettings()
    homes = select_homes(district.buildings, district.areas)
    if homes.empty:
        return []
    footprint = homes.geometry.to_crs(district.network.crs).area.to_numpy()
    return _checks(
        homes, [str(i) for i in homes["osm_id"]], estimate_levels(homes, cfg), footprint, cfg
    )


def _checks(
    rows: pd.DataFrame,
    home_ids: list[str],
    used: np.ndarray,
    footprint: np.ndarray,
    cfg: PopulationSettings,
) -> list[str]:
    """A message per home whose OSM floors or height were ignored, or whose residents capped."""
    levels = rows["levels"].to_numpy(dtype=float)
    height = rows["height_m"].to_numpy(dtype=float)
    bad_levels = ~np.isnan(levels) & ~np.isfinite(plausible_levels(rows, cfg))
    bad_height = ~np.isnan(height) & ~np.isfinite(plausible_height_m(rows, cfg))
    uncapped = footprint * used * cfg.persons_per_m2
    out: list[str] = []
    for i, home_id in enumerate(home_ids):
        if bad_levels[i]:
            out.append(
                f"{home_id}: building:levels={levels[i]:g} is not a plausible number of floors "
                f"(1–{cfg.max_levels:g}); ignored, {used[i]:g} floors used"
            )
        if bad_height[i]:
            out.append(
                f"{home_id}: height={height[i]:g} m is not plausible (up to "
                f"{cfg.max_height_m:g} m); ignored, {used[i]:g} floors used"
            )
        if uncapped[i] > cfg.max_residents_per_building:
            out.append(
                f"{home_id}: {uncapped[i]:,.0f} residents estimated; capped at "
                f"{cfg.max_residents_per_building:,.0f} per building"
            )
    return out


def _apply_compounds(
    homes: gpd.GeoDataFrame, ov: PopulationOverrides, cfg: PopulationSettings
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    if not ov.compounds:
        return homes, [], []
    compound = homes["compound"].to_numpy()
    footprint = homes["footprint_m2"].to_numpy(dtype=float)
    levels = homes["levels"].to_numpy(dtype=float).copy()
    population = homes["population"].to_numpy(dtype=float).copy()
    source = homes["levels_source"].to_numpy().copy()
    cap = cfg.max_residents_per_building
    messages: list[str] = []
    unknown: list[str] = []
    for key, override in sorted(ov.compounds.items()):
        mask = compound == key
        if not mask.any():
            if override.floors is not None or override.residents is not None:
                unknown.append(key)
            continue
        if override.floors is not None:
            levels[mask] = override.floors
            source[mask] = "override"
            floor_area = footprint[mask] * override.floors
            population[mask] = np.minimum(floor_area * cfg.persons_per_m2, cap)
        if override.residents is not None:
            weight = np.nan_to_num(footprint[mask] * levels[mask], nan=0.0)
            if weight.sum() <= 0:
                weight = np.ones(int(mask.sum()))
            share = override.residents * weight / weight.sum()
            if (share > cap).any():
                messages.append(
                    f"{key}: {override.residents:,.0f} residents put more than "
                    f"{cap:,.0f} in one building; capped at {cap:,.0f} per building"
                )
            population[mask] = np.minimum(share, cap)
    out = homes.assign(levels=levels, population=population, levels_source=source)
    return out, messages, unknown


def _table(
    homes: gpd.GeoDataFrame,
    estimated: np.ndarray,
    ov: PopulationOverrides,
    district: District,
) -> pd.DataFrame:
    names = dict(zip(*_names(district), strict=True))
    frame = pd.DataFrame(
        {
            "compound": homes["compound"].to_numpy(),
            "source": homes["levels_source"].to_numpy(),
            "levels": homes["levels"].to_numpy(dtype=float),
            "footprint": np.nan_to_num(homes["footprint_m2"].to_numpy(dtype=float), nan=1.0),
            "estimated": estimated,
            "residents": homes["population"].to_numpy(dtype=float),
        }
    )
    rows = []
    for key, group in frame.groupby("compound", sort=False):
        override = ov.compounds.get(str(key))
        kind = ""
        if override is not None:
            kind = "residents" if override.residents is not None else ""
            kind = kind or ("floors" if override.floors is not None else "")
        weight = group["footprint"].to_numpy()
        rows.append(
            {
                "compound": str(key),
                "name": names.get(str(key), ""),
                "homes": len(group),
                "with_levels": int((group["source"] == "levels").sum()),
                "with_height": int((group["source"] == "height").sum()),
                "from_file": int((group["source"] == "file").sum()),
                "defaulted": int((group["source"] == "default").sum()),
                "floors_min": float(group["levels"].min()),
                "floors_mean": float(np.average(group["levels"], weights=weight))
                if weight.sum() > 0
                else float(group["levels"].mean()),
                "floors_max": float(group["levels"].max()),
                "residents_estimated": float(group["estimated"].sum()),
                "residents": float(group["residents"].sum()),
                "override": kind,
                "elderly_share": override.elderly_share if override is not None else None,
            }
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    if table.empty:
        return table
    table["_outside"] = table["compound"] == OUTSIDE
    table = table.sort_values(["_outside", "residents"], ascending=[True, False])
    return table.drop(columns="_outside").reset_index(drop=True)


def _names(district: District) -> tuple[list[str], list[str]]:
    areas = build_compound_areas(district)
    return [str(k) for k in areas["key"]], [str(n) for n in areas["name"]]
