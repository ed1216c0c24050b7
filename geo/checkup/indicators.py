"""Indicators of the city check-up (城市体检) per unit, and the issue ledger (问题台账).

Per unit (a 小区, 社区 or 街道 polygon):

- **residents and residential land served per item**: residents of the homes whose
  representative point lies in the unit, and residential land of the unit (see
  :mod:`geo.checkup.land`), within the item's walking distance;
- **公园绿地服务半径覆盖率**: residential land within 500 m of a park of 5,000 m² or more
  or 300 m of one of 2,000–5,000 m², divided by residential land;
- **life-circle coverage** (15-minute life circle): residents served by every essential
  item with data, at all levels (the 15-minute circle includes the lower levels'), and
  the same per level;
- **elderly-care, kindergarten and community-health coverage**: residents within reach
  of any of the indicator's items;
- **the issue ledger**: one row per unit and essential item that leaves residents
  unserved; ``gap`` when the item has data, ``no data`` when the study area has no such
  facility at all (import the street office's list). Confirmed gaps come first, most
  residents affected first.

An indicator whose items have no facility in the data is ``None`` (no data), never 0.
The work is split so that each unit is one pure computation on small arrays
(:func:`unit_inputs` then :func:`unit_indicators`): run in a loop here, or as tasks on
Dask by the ``checkup`` command, the numbers are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.access.analysis import Analysis
from geo.access.completeness import items_with_data
from geo.checkup.land import LandCells, LandSettings, land_cells

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Indicator:
    """A coverage indicator: served by any of ``items``, measured on residents or land."""

    id: str
    name_zh: str
    name_en: str
    items: tuple[str, ...]
    measure: str  # "residents" or "land"
    source: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


INDICATORS = (
    Indicator(
        "park_coverage",
        "公园绿地服务半径覆盖率",
        "Park service-radius coverage",
        ("park_large", "park_small"),
        "land",
        "城市体检: 公园绿地服务半径覆盖的居住用地面积 ÷ 居住用地面积; ≥ 5,000 m² 500 m, "
        "2,000–5,000 m² 300 m (walked here, not drawn)",
    ),
    Indicator(
        "elderly_care_coverage",
        "养老服务设施覆盖率",
        "Elderly-care coverage",
        ("elderly_daycare", "nursing_home"),
        "residents",
        "城市体检 (elderly care shortfalls); GB 50180-2018 App. B: 日间照料 5 min, 养老院 15 min",
    ),
    Indicator(
        "kindergarten_coverage",
        "幼儿园服务覆盖率",
        "Kindergarten coverage",
        ("kindergarten",),
        "residents",
        "GB 50180-2018 App. B: 幼儿园, 服务半径 ≤ 300 m",
    ),
    Indicator(
        "health_coverage",
        "社区卫生服务设施覆盖率",
        "Community-health coverage",
        ("health_station", "health_centre"),
        "residents",
        "GB 50180-2018 App. B: 社区卫生服务站 5 min, 社区卫生服务中心 15 min",
    ),
)
LIFE_CIRCLE = Indicator(
    "life_circle_coverage",
    "15分钟生活圈覆盖率",
    "15-minute life-circle coverage",
    (),
    "residents",
    "GB 50180-2018 §2.0.2: the 15-minute circle includes the lower levels; residents served "
    "by every essential item with data",
)
LEDGER_COLUMNS = [
    "source",
    "unit_id",
    "unit_name",
    "unit_kind",
    "item",
    "item_zh",
    "level_minutes",
    "distance_m",
    "status",
    "residents",
    "residents_affected",
    "share_affected",
]


@dataclass(frozen=True)
class ItemSpec:
    """What a unit computation needs to know about the items (no taxonomy object)."""

    ids: tuple[str, ...]
    names_zh: tuple[str, ...]
    distance_m: tuple[float, ...]
    levels: tuple[int, ...]
    essential: tuple[bool, ...]
    has_data: tuple[bool, ...]


@dataclass(frozen=True)
class UnitInput:
    """One unit's homes and residential land with their distances to every item."""

    source: str
    unit_id: str
    name: str
    kind: str
    area_m2: float
    population: FloatArray
    home_dist_m: FloatArray  # (items × homes in the unit)
    land_m2: FloatArray
    land_dist_m: FloatArray  # (items × land cells in the unit)
    items: ItemSpec


def item_spec(analysis: Analysis) -> ItemSpec:
    tax = analysis.taxonomy
    cats = [tax.get(c) for c in analysis.categories]
    return ItemSpec(
        ids=tuple(analysis.categories),
        names_zh=tuple(c.name_zh for c in cats),
        distance_m=tuple(float(c.distance_m) for c in cats),
        levels=tuple(c.level for c in cats),
        essential=tuple(c.essential for c in cats),
        has_data=tuple(bool(v) for v in items_with_data(analysis.access.dist_m)),
    )


def unit_inputs(
    analysis: Analysis,
    units: gpd.GeoDataFrame,
    *,
    land: LandCells | None = None,
    settings: LandSettings | None = None,
) -> list[UnitInput]:
    """Split an analysis by unit: the homes inside each unit and its residential land."""
    spec = item_spec(analysis)
    cells = land if land is not None else land_cells(analysis, settings=settings)
    crs = analysis.district.network.crs
    homes = analysis.homes
    lon = homes["lon"].to_numpy(dtype=float) if len(homes) else np.zeros(0)
    lat = homes["lat"].to_numpy(dtype=float) if len(homes) else np.zeros(0)
    pop = homes["population"].to_numpy(dtype=float) if len(homes) else np.zeros(0)
    tree = shapely.STRtree(cells.cells.to_numpy()) if len(cells) else None
    metric = units.geometry.to_crs(crs).to_numpy()
    out = []
    for (_, unit), unit_m in zip(units.iterrows(), metric, strict=True):
        inside = shapely.contains_xy(unit.geometry, lon, lat)
        if tree is not None:
            idx = tree.query(unit_m, predicate="intersects")
            part = shapely.area(shapely.intersection(cells.cells.to_numpy()[idx], unit_m))
            idx, part = idx[part > 1e-6], part[part > 1e-6]
        else:
            idx, part = np.zeros(0, dtype=np.int64), np.zeros(0)
        out.append(
            UnitInput(
                source=analysis.district.meta.name,
                unit_id=str(unit["unit_id"]),
                name=str(unit["name"]),
                kind=str(unit["kind"]),
                area_m2=float(shapely.area(unit_m)),
                population=pop[inside],
                home_dist_m=analysis.home_dist_m[:, inside],
                land_m2=np.asarray(part, dtype=float),
                land_dist_m=cells.dist_m[:, idx],
                items=spec,
            )
        )
    return out


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _served(dist: FloatArray, spec: ItemSpec, items: Sequence[str]) -> npt.NDArray[np.bool_]:
    rows = [spec.ids.index(i) for i in items]
    limits = np.array([spec.distance_m[r] for r in rows])[:, None]
    return np.asarray((dist[rows] <= limits).any(axis=0))


def unit_indicators(unit: UnitInput) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One unit's indicator row, its per-item rows and its ledger rows (a pure function)."""
    spec = unit.items
    residents = float(unit.population.sum())
    land = float(unit.land_m2.sum())
    row: dict[str, Any] = {
        "source": unit.source,
        "unit_id": unit.unit_id,
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "area_m2": round(unit.area_m2, 1),
        "homes": len(unit.population),
        "residents": round(residents, 2),
        "residential_land_m2": round(land, 1),
    }
    served = unit.home_dist_m <= np.array(spec.distance_m)[:, None]
    land_served = unit.land_dist_m <= np.array(spec.distance_m)[:, None]
    items: list[dict[str, Any]] = []
    for i in range(len(spec.ids)):
        people = float(unit.population[served[i]].sum())
        area = float(unit.land_m2[land_served[i]].sum())
        items.append(
            {
                "residents_served": round(people, 2),
                "residents_share": _share(people, residents) if spec.has_data[i] else None,
                "land_served_m2": round(area, 1),
                "land_share": _share(area, land) if spec.has_data[i] else None,
                "status": "ok" if spec.has_data[i] else "no data",
            }
        )
    row["items"] = dict(zip(spec.ids, items, strict=True))
    for ind in INDICATORS:
        present = [i for i in ind.items if i in spec.ids and spec.has_data[spec.ids.index(i)]]
        if not present:
            row[ind.id] = None
            continue
        if ind.measure == "land":
            ok = _served(unit.land_dist_m, spec, present)
            row[ind.id] = _share(float(unit.land_m2[ok].sum()), land)
        else:
            ok = _served(unit.home_dist_m, spec, present)
            row[ind.id] = _share(float(unit.population[ok].sum()), residents)
    essential = [i for i, e in enumerate(spec.essential) if e and spec.has_data[i]]
    row[LIFE_CIRCLE.id] = (
        _share(float(unit.population[served[essential].all(axis=0)].sum()), residents)
        if essential
        else None
    )
    for level in sorted(set(spec.levels)):
        rows = [i for i in essential if spec.levels[i] == level]
        complete = served[rows].all(axis=0) if rows else None
        row[f"completeness_{level}min"] = (
            _share(float(unit.population[complete].sum()), residents)
            if complete is not None
            else None
        )
    row["no_data_items"] = [
        item for i, item in enumerate(spec.ids) if spec.essential[i] and not spec.has_data[i]
    ]
    ledger = []
    for i, item in enumerate(spec.ids):
        affected = residents - float(unit.population[served[i]].sum())
        if not spec.essential[i] or residents <= 0 or affected <= 1e-9:
            continue
        ledger.append(
            {
                "source": unit.source,
                "unit_id": unit.unit_id,
                "unit_name": unit.name,
                "unit_kind": unit.kind,
                "item": item,
                "item_zh": spec.names_zh[i],
                "level_minutes": spec.levels[i],
                "distance_m": spec.distance_m[i],
                "status": "gap" if spec.has_data[i] else "no data",
                "residents": round(residents, 2),
                "residents_affected": round(affected, 2),
                "share_affected": affected / residents,
            }
        )
    return row, ledger


@dataclass(frozen=True)
class CheckupResult:
    """Indicators per unit, the per-unit-and-item table and the ledger, for one or more
    sources."""

    indicators: pd.DataFrame
    unit_items: pd.DataFrame
    ledger: pd.DataFrame


def assemble(results: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> CheckupResult:
    """Tables from the per-unit results, in the order given; the ledger worst first."""
    rows, item_rows, ledger_rows = [], [], []
    for row, ledger in results:
        flat = {k: v for k, v in row.items() if k != "items"}
        flat["no_data_items"] = ",".join(row["no_data_items"])
        rows.append(flat)
        for item, values in row["items"].items():
            item_rows.append(
                {"source": row["source"], "unit_id": row["unit_id"], "item": item, **values}
            )
        ledger_rows.extend(ledger)
    ledger_df = pd.DataFrame(ledger_rows, columns=LEDGER_COLUMNS)
    if len(ledger_df):
        ledger_df = ledger_df.assign(_nodata=ledger_df["status"] == "no data")
        ledger_df = ledger_df.sort_values(
            ["_nodata", "residents_affected", "source", "unit_id", "item"],
            ascending=[True, False, True, True, True],
            kind="mergesort",
        ).drop(columns="_nodata")
    return CheckupResult(
        indicators=pd.DataFrame(rows),
        unit_items=pd.DataFrame(item_rows),
        ledger=ledger_df.reset_index(drop=True),
    )


def compute_checkup(
    analysis: Analysis, units: gpd.GeoDataFrame, *, settings: LandSettings | None = None
) -> CheckupResult:
    """Every unit of one analysis, computed in this process."""
    return assemble([unit_indicators(u) for u in unit_inputs(analysis, units, settings=settings)])


__all__ = [
    "INDICATORS",
    "LEDGER_COLUMNS",
    "LIFE_CIRCLE",
    "CheckupResult",
    "Indicator",
    "ItemSpec",
    "UnitInput",
    "assemble",
    "compute_checkup",
    "item_spec",
    "unit_indicators",
    "unit_inputs",
]
