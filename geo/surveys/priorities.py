"""Where to act first: rank where residents' stated needs meet the gaps of the analysis.

:func:`rank_priorities` scores each (unit, category) pair, where a unit is an H3 hexagon
or a residential compound::

    demand       = Σ need of the unit's responses for the category
    gap          = residents of the unit not served by the category within its tier
    need_share   = demand / (largest demand of any pair)          in [0, 1]
    gap_share    = gap / (largest gap of any pair)                in [0, 1]
    score        = gap_share × (0.25 + 0.75 × need_share)         in [0, 1]

so stated need only counts where there is a real gap (no gap: score 0, whatever the
requests), a gap nobody asked about still ranks but at no more than a quarter of the
score it would have with the strongest stated need, and a pair with both ranks highest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.access.analysis import Analysis
from geo.access.gaps import DEFAULT_H3_RESOLUTION, gap_hexagons
from geo.surveys.compounds import build_compounds
from geo.surveys.result import DEFAULT_SCORE_RANGE

__all__ = [
    "COMPOUND_SNAP_M",
    "PRIORITY_COLUMNS",
    "UNVOICED_GAP_WEIGHT",
    "UnitKind",
    "rank_priorities",
]

UnitKind = Literal["hexagon", "compound"]

PRIORITY_COLUMNS = (
    "rank",
    "unit",
    "category",
    "requests",
    "mean_need",
    "residents_not_served",
    "score",
    "reasons",
    "lon",
    "lat",
    "residents",
    "mean_score",
    "need_share",
    "gap_share",
)
"""Columns of the table :func:`rank_priorities` returns."""

UNVOICED_GAP_WEIGHT = 0.25
"""Share of its full score that a gap keeps when nobody asked for the category there."""

COMPOUND_SNAP_M = 30.0
"""A response point outside every compound polygon joins the nearest compound within
this distance (Amap often places a compound's point at its gate, just outside the
OpenStreetMap outline). Homes are assigned by point-in-polygon only."""


def rank_priorities(
    analysis: Analysis,
    responses: gpd.GeoDataFrame,
    *,
    by: UnitKind = "hexagon",
    resolution: int = DEFAULT_H3_RESOLUTION,
) -> pd.DataFrame:
    """Rank (unit, category) pairs by where a stated need meets a real gap: act here first.

    Per unit and category (units are H3 hexagons at ``resolution``, or residential
    compounds, see below)::

        requests     = responses for the category located in the unit
        mean_need    = mean need of those responses (0–1)
        demand       = requests × mean_need (the sum of their needs)
        gap          = residents of the unit's homes not served by the category within
                       its tier (from ``analysis.served``): residents_not_served
        need_share   = demand / max demand over all pairs (0 when nobody asked)
        gap_share    = gap / max gap over all pairs (0 when everyone is served)
        score        = gap_share × (0.25 + 0.75 × need_share)

    A need without a gap scores 0 (the service is within reach: the requests may be
    about capacity, quality or opening hours, and the reasons say so); a gap nobody
    asked about keeps a quarter of its weight (:data:`UNVOICED_GAP_WEIGHT`); the
    strongest stated need on the largest gap scores 1. Rows are sorted by score, then
    demand, gap and requests; ``rank`` 1 is first. Pairs with neither requests nor a gap
    are left out, and so are responses of categories the analysis did not compute.

    Compound units are the named residential areas, and the named residential buildings
    that lie in no named area (:func:`build_compounds`). A home belongs to the compound
    polygon its point lies in (the smallest, areas before buildings); homes in no
    compound are not counted. A response located by compound name belongs to that
    compound (a building's containing area if it has one); one located by coordinates
    to the compound polygon it lies in, else the nearest within
    :data:`COMPOUND_SNAP_M`, else to none.

    Parameters
    ----------
    analysis
        The analysis of the district the survey is about.
    responses
        :attr:`~.result.SurveyResult.responses` (WGS-84 points with ``category`` and ``need``).
    by
        ``"hexagon"`` or ``"compound"``.
    resolution
        H3 resolution of the hexagons (9: about 0.1 km², 200 m edges).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PRIORITY_COLUMNS`: ``rank, unit`` (H3 cell id or compound name),
        ``category``, ``requests``, ``mean_need`` (NaN without requests),
        ``residents_not_served``, ``score``, ``reasons`` (key facts in English and
        Chinese), ``lon, lat`` (the unit's centre), then ``residents`` (of the unit),
        ``mean_score`` (as written in the survey), ``need_share`` and ``gap_share``.
    """
    if by not in get_args(UnitKind):
        raise ValueError(f"by must be 'hexagon' or 'compound', not {by!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ValueError(f"resolution must be an H3 resolution from 0 to 15, not {resolution!r}")
    categories = list(analysis.categories)
    if by == "hexagon":
        units, gaps, response_units = _hexagon_units(analysis, responses, resolution)
    else:
        units, gaps, response_units = _compound_units(analysis, responses)

    demand = _demand_table(responses, response_units, categories)
    rows: list[dict[str, Any]] = []
    unit_names = list(units)
    aligned = gaps.reindex(pd.Index(unit_names)).fillna(0.0)
    unit_residents = aligned["residents"].to_numpy(dtype=np.float64)
    unit_gaps = aligned[categories].to_numpy(dtype=np.float64)
    for u, unit in enumerate(unit_names):
        centre = units[unit]
        residents = float(unit_residents[u])
        for c, category in enumerate(categories):
            gap = float(unit_gaps[u, c])
            requests, mean_need, demand_sum, mean_score = demand.get(
                (unit, category), (0, math.nan, 0.0, math.nan)
            )
            if requests == 0 and gap <= 0.0:
                continue
            rows.append(
                {
                    "unit": unit,
                    "category": category,
                    "requests": requests,
                    "mean_need": mean_need,
                    "residents_not_served": gap,
                    "demand": demand_sum,
                    "lon": centre[0],
                    "lat": centre[1],
                    "residents": residents,
                    "mean_score": mean_score,
                }
            )
    table = pd.DataFrame.from_records(
        rows,
        columns=[
            "unit",
            "category",
            "requests",
            "mean_need",
            "residents_not_served",
            "demand",
            "lon",
            "lat",
            "residents",
            "mean_score",
        ],
    )
    return _score_and_rank(table, analysis, responses.attrs, categories)


def _hexagon_units(
    analysis: Analysis, responses: gpd.GeoDataFrame, resolution: int
) -> tuple[dict[str, tuple[float, float]], pd.DataFrame, list[str]]:
    categories = list(analysis.categories)
    hexagons = gap_hexagons(
        analysis.homes, analysis.served, categories=categories, resolution=resolution
    )
    gaps = pd.DataFrame(
        {
            "residents": hexagons["residents"].to_numpy(dtype=np.float64),
            **{c: hexagons[f"unmet_{c}"].to_numpy(dtype=np.float64) for c in categories},
        },
        index=pd.Index([str(cell) for cell in hexagons["h3"]]),
    )
    response_units = [
        h3.latlng_to_cell(float(lat), float(lon), resolution)
        for lon, lat in zip(responses["lon"], responses["lat"], strict=True)
    ]
    cells = sorted(set(gaps.index) | set(response_units))
    units: dict[str, tuple[float, float]] = {}
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        units[cell] = (float(lon), float(lat))
    return units, gaps, response_units


def _compound_units(
    analysis: Analysis, responses: gpd.GeoDataFrame
) -> tuple[dict[str, tuple[float, float]], pd.DataFrame, list[str]]:
    categories = list(analysis.categories)
    compounds = build_compounds(analysis.district)
    unit_rows = compounds[compounds["parent"] == ""].reset_index(drop=True)
    units = {
        str(name): (float(lon), float(lat))
        for name, lon, lat in zip(
            unit_rows["name"], unit_rows["lon"], unit_rows["lat"], strict=True
        )
    }
    homes = analysis.homes
    home_units = _units_of_points(
        homes["lon"].to_numpy(dtype=np.float64), homes["lat"].to_numpy(dtype=np.float64), unit_rows
    )
    population = homes["population"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame({"unit": home_units, "residents": population})
    for i, category in enumerate(categories):
        frame[category] = np.where(analysis.served[i], 0.0, population)
    gaps = frame[frame["unit"] != ""].groupby("unit", sort=True).sum()

    parent_of = {
        str(name): (str(parent) or str(name))
        for name, parent in zip(compounds["name"], compounds["parent"], strict=True)
    }
    response_units = _units_of_points(
        responses["lon"].to_numpy(dtype=np.float64),
        responses["lat"].to_numpy(dtype=np.float64),
        unit_rows,
        snap_m=COMPOUND_SNAP_M,
        crs=analysis.district.network.crs,
    )
    if "compound" in responses.columns:
        for i, compound in enumerate(responses["compound"]):
            named = parent_of.get(str(compound)) if isinstance(compound, str) else None
            if named is not None and named in units:
                response_units[i] = named
    return units, gaps, response_units


def _units_of_points(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    units: gpd.GeoDataFrame,
    *,
    snap_m: float | None = None,
    crs: str | None = None,
) -> list[str]:
    """For each point, the name of the unit polygon it lies in ("" for none).

    Where polygons overlap, areas win over buildings and smaller over larger. With
    ``snap_m``, a point in no polygon takes the nearest unit within that many metres
    (measured in ``crs``).
    """
    names = [""] * len(lon)
    if not len(lon) or units.empty:
        return names
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    polygons = units[["name", "kind", "geometry"]].copy()
    polygons["order"] = [
        (0 if kind == "area" else 1, float(geom.area))
        for kind, geom in zip(polygons["kind"], polygons.geometry, strict=True)
    ]
    hits = gpd.sjoin(points, polygons, predicate="within", how="inner")
    best: dict[int, tuple[tuple[int, float], str]] = {}
    for point, name, order in zip(hits.index, hits["name"], hits["order"], strict=True):
        key = int(point)
        if key not in best or order < best[key][0]:
            best[key] = (order, str(name))
    for point, (_, name) in best.items():
        names[point] = name
    if snap_m is not None and crs is not None:
        missing = [i for i, name in enumerate(names) if not name]
        if missing:
            far = points.iloc[missing].to_crs(crs)
            near = gpd.sjoin_nearest(
                far, polygons[["name", "geometry"]].to_crs(crs), how="inner", max_distance=snap_m
            )
            for point, name in zip(near.index, near["name"], strict=True):
                if not names[int(point)]:
                    names[int(point)] = str(name)
    return names


def _demand_table(
    responses: gpd.GeoDataFrame, response_units: Sequence[str], categories: Sequence[str]
) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    """``(unit, category) -> (requests, mean need, sum of need, mean score)``."""
    if not len(responses):
        return {}
    frame = pd.DataFrame(
        {
            "unit": list(response_units),
            "category": responses["category"].astype(str).to_numpy(),
            "need": responses["need"].to_numpy(dtype=np.float64),
            "score": responses["score"].to_numpy(dtype=np.float64),
        }
    )
    frame = frame[(frame["unit"] != "") & frame["category"].isin(list(categories))]
    out: dict[tuple[str, str], tuple[int, float, float, float]] = {}
    for (unit, category), group in frame.groupby(["unit", "category"], sort=True):
        scores = group["score"].dropna()
        out[(str(unit), str(category))] = (
            len(group),
            float(group["need"].mean()),
            float(group["need"].sum()),
            float(scores.mean()) if len(scores) else math.nan,
        )
    return out


def _score_and_rank(
    table: pd.DataFrame,
    analysis: Analysis,
    attrs: Mapping[str, Any],
    categories: Sequence[str],
) -> pd.DataFrame:
    demand = table["demand"].to_numpy(dtype=np.float64)
    gap = table["residents_not_served"].to_numpy(dtype=np.float64)
    max_demand = float(demand.max()) if len(demand) else 0.0
    max_gap = float(gap.max()) if len(gap) else 0.0
    need_share = demand / max_demand if max_demand > 0 else np.zeros(len(table))
    gap_share = gap / max_gap if max_gap > 0 else np.zeros(len(table))
    table["need_share"] = need_share
    table["gap_share"] = gap_share
    table["score"] = gap_share * (UNVOICED_GAP_WEIGHT + (1.0 - UNVOICED_GAP_WEIGHT) * need_share)
    table["category_order"] = [categories.index(c) for c in table["category"]]
    table = table.sort_values(
        ["score", "demand", "residents_not_served", "requests", "category_order", "unit"],
        ascending=[False, False, False, False, True, True],
        kind="mergesort",
    ).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1, dtype=np.int64)
    table["reasons"] = [
        _reasons({str(key): value for key, value in record.items()}, analysis, attrs)
        for record in table.to_dict("records")
    ]
    table["requests"] = table["requests"].astype(np.int64)
    for name, decimals in (
        ("mean_need", 3),
        ("residents_not_served", 1),
        ("score", 4),
        ("lon", 6),
        ("lat", 6),
        ("residents", 1),
        ("mean_score", 2),
        ("need_share", 4),
        ("gap_share", 4),
    ):
        table[name] = table[name].astype(np.float64).round(decimals)
    return table[list(PRIORITY_COLUMNS)]


def _reasons(record: Mapping[str, Any], analysis: Analysis, attrs: Mapping[str, Any]) -> str:
    """Key facts of one ranked pair, in English then Chinese."""
    category = analysis.taxonomy.get(str(record["category"]))
    requests = int(record["requests"])
    gap = float(record["residents_not_served"])
    residents = float(record["residents"])
    within_en = f"within {category.walk_minutes} min ({category.distance_m:.0f} m)"
    within_zh = f"步行{category.walk_minutes}分钟（{category.distance_m:.0f}米）内"
    english: list[str] = []
    chinese: list[str] = []
    if requests:
        plural = "request" if requests == 1 else "requests"
        english.append(f"{requests} {plural} for {category.name_en.lower()}")
        chinese.append(f"{category.name_zh}需求{requests}条")
        mean_score = float(record["mean_score"])
        if attrs.get("has_score", True) and math.isfinite(mean_score):
            high = float(attrs.get("score_range", DEFAULT_SCORE_RANGE)[1])
            if attrs.get("score_kind", "priority") == "satisfaction":
                english[-1] += f" (mean satisfaction {mean_score:.1f}/{high:g}, low = high need)"
                chinese[-1] += f"（平均满意度{mean_score:.1f}/{high:g}）"
            else:
                english[-1] += f" (mean priority {mean_score:.1f}/{high:g})"
                chinese[-1] += f"（平均优先级{mean_score:.1f}/{high:g}）"
    else:
        english.append(f"no requests for {category.name_en.lower()} in the survey")
        chinese.append(f"问卷中无{category.name_zh}需求")
    if gap > 0:
        english.append(f"{gap:,.0f} of {residents:,.0f} residents not served {within_en}")
        chinese.append(f"{residents:,.0f}名居民中{gap:,.0f}人{within_zh}无此设施")
    elif residents > 0:
        english.append(
            f"all {residents:,.0f} residents served {within_en}: "
            "the requests may be about capacity, quality or opening hours"
        )
        chinese.append(f"{residents:,.0f}名居民均{within_zh}可达：需求或涉及容量、质量或开放时间")
    else:
        english.append("no mapped homes in this unit, so no computed gap")
        chinese.append("该单元无住宅数据，无法计算缺口")
    return "; ".join(english) + " | " + "；".join(chinese)
