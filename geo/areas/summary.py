"""Per-area summaries (街道, 社区/居委) by the district's own rules, adding up to the district.

Rules (the README's "Areas" section states them):

- A home belongs to the area that contains its representative point (the point joined to
  the street); a point on a shared border goes to the first area in the file. Homes in
  no area are one more row, ``outside`` ("outside every area"): never dropped.
- A facility belongs to the area containing its point (``lon``/``lat``).
- Residents served per item: the residents of the area's homes within the item's own
  distance, exactly as the district's coverage (``Analysis.served``), weighted by the
  same residents. The share is empty (no data) for an item with no facility in the
  district, and for an area with no residents.
- Complete: residents served by every essential item that has data in the district, the
  district headline's rule (:mod:`geo.access.completeness`).
- Gap hexagons: H3 cells (resolution 9) of the gaps layer whose centre lies in the area
  and where at least one essential item with data leaves half or more of the cell's
  residents unserved. Every cell is counted once (cells whose centre is in no area count
  under ``outside``).
- Data missing: ``default_floors_share`` (homes whose floors are the default for their
  building type), flagged ``default_floors`` above one half; ``partly_outside`` when less
  than 99 % of the area lies in the study area (homes beyond it are not in the data);
  ``no_homes`` when the area has none.

So the rows, ``outside`` included, add up to the district: homes, residents, residents
served per item, complete residents, gap hexagons.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.access.analysis import Analysis
from geo.access.completeness import items_with_data
from geo.access.gaps import gap_hexagons
from geo.access.homes import PopulationSettings, plausible_height_m, plausible_levels
from geo.areas.boundaries import Areas

__all__ = [
    "DEFAULT_FLOORS_FLAG_SHARE",
    "INSIDE_FLAG_SHARE",
    "OUTSIDE_ID",
    "AreaSummary",
    "area_shares",
    "assign_points",
    "gap_cell_mask",
    "summarise_areas",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
OUTSIDE_ID = "outside"
DEFAULT_FLOORS_FLAG_SHARE = 0.5
INSIDE_FLAG_SHARE = 0.99
GAP_UNSERVED_SHARE = 0.5


def assign_points(areas: gpd.GeoDataFrame, lon: npt.ArrayLike, lat: npt.ArrayLike) -> IntArray:
    """Per point, the position of the area containing it (its border included), or -1.

    A point on a border shared by two areas goes to the first of them.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    out = np.full(len(x), -1, dtype=np.int64)
    if len(x) == 0 or len(areas) == 0:
        return out
    tree = shapely.STRtree(areas.geometry.to_numpy())
    point_idx, area_idx = tree.query(shapely.points(x, y), predicate="intersects")
    # The lowest area position per point: sort by area, then keep each point's first hit.
    order = np.lexsort((area_idx, point_idx))
    first = np.unique(point_idx[order], return_index=True)[1]
    out[point_idx[order][first]] = area_idx[order][first]
    return out


def gap_cell_mask(hexagons: pd.DataFrame, analysis: Analysis) -> npt.NDArray[np.bool_]:
    """Cells where an essential item with data leaves half or more of the residents unserved."""
    has_data = items_with_data(analysis.access.dist_m)
    cols = [
        f"unmet_{c}"
        for c, data in zip(analysis.categories, has_data, strict=True)
        if data and analysis.taxonomy.get(c).essential
    ]
    if not cols or len(hexagons) == 0:
        return np.zeros(len(hexagons), dtype=bool)
    residents = hexagons["residents"].to_numpy(dtype=float)
    unmet = hexagons[cols].to_numpy(dtype=float)
    return np.asarray(
        (residents > 0) & (unmet >= GAP_UNSERVED_SHARE * residents[:, None]).any(axis=1)
    )


def _default_floors(analysis: Analysis) -> npt.NDArray[np.bool_]:
    """Per home, whether its floors are the default for its building type."""
    homes = analysis.homes
    if "levels_source" in homes.columns:
        return np.asarray(homes["levels_source"].to_numpy() == "default")
    if len(homes) == 0:
        return np.zeros(0, dtype=bool)
    buildings = analysis.district.buildings.drop_duplicates("osm_id").set_index("osm_id")
    rows = buildings.reindex(homes["home_id"].to_numpy())
    cfg = PopulationSettings()
    known = np.isfinite(plausible_levels(rows, cfg)) | np.isfinite(plausible_height_m(rows, cfg))
    return np.asarray(~known)


@dataclass(frozen=True, eq=False)
class AreaSummary:
    """One row per area, then ``outside``; which area each home and facility is in."""

    areas: Areas
    table: pd.DataFrame
    home_area: IntArray
    """Per home (``Analysis.homes`` order), the area's position, or -1 (outside)."""
    facility_area: IntArray

    def layer(self) -> gpd.GeoDataFrame:
        """The areas with their figures (WGS-84), for the GeoPackage and maps."""
        rows = self.table.iloc[: len(self.areas)].reset_index(drop=True)
        return gpd.GeoDataFrame(
            rows, geometry=self.areas.frame.geometry.to_numpy(), crs="EPSG:4326"
        )


def _share(part: FloatArray, whole: FloatArray, valid: bool = True) -> list[float | None]:
    return [float(p / w) if valid and w > 0 else None for p, w in zip(part, whole, strict=True)]


def summarise_areas(
    analysis: Analysis, areas: Areas, *, hexagons: pd.DataFrame | None = None
) -> AreaSummary:
    """Per-area figures by the rules of the module docstring."""
    frame = areas.frame
    n = len(frame)
    homes = analysis.homes
    pop = homes["population"].to_numpy(dtype=float) if len(homes) else np.zeros(0)
    home_area = assign_points(frame, homes["lon"], homes["lat"])
    fac = analysis.facilities
    facility_area = assign_points(frame, fac["lon"], fac["lat"])
    slot = np.where(home_area < 0, n, home_area)  # row n is "outside"

    def per_area(weights: FloatArray, where: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        w = weights if where is None else np.where(where, weights, 0.0)
        return np.bincount(slot, weights=w, minlength=n + 1).astype(float)

    residents = per_area(pop)
    homes_n = per_area(np.ones(len(pop)))
    has_data = items_with_data(analysis.access.dist_m)
    cov = analysis.coverage
    essential_rows = [
        i for i, c in enumerate(analysis.categories) if has_data[i] and c in cov.essential
    ]
    complete = np.asarray(
        analysis.served[essential_rows].all(axis=0) if essential_rows else np.zeros(len(pop)),
        dtype=bool,
    )
    complete_res = per_area(pop, complete)
    defaulted = _default_floors(analysis)
    default_n = per_area(np.ones(len(pop)), defaulted)
    hexes = (
        hexagons
        if hexagons is not None
        else gap_hexagons(homes, analysis.served, categories=analysis.categories)
    )
    gap = gap_cell_mask(hexes, analysis)
    if len(hexes):
        centres = np.array([h3.cell_to_latlng(c) for c in hexes["h3"]], dtype=float)
        cell_area = assign_points(frame, centres[:, 1], centres[:, 0])
    else:
        cell_area = np.zeros(0, dtype=np.int64)
    cell_slot = np.where(cell_area < 0, n, cell_area)
    gap_cells = np.bincount(cell_slot[gap], minlength=n + 1)
    all_cells = np.bincount(cell_slot, minlength=n + 1)
    metric = frame.geometry.to_crs(analysis.district.network.crs)
    area_m2 = metric.area.to_numpy()
    boundary_m = (
        gpd.GeoSeries([analysis.district.boundary], crs="EPSG:4326")
        .to_crs(analysis.district.network.crs)
        .iloc[0]
    )
    inside_m2 = shapely.area(shapely.intersection(metric.to_numpy(), boundary_m))
    inside_share = np.where(area_m2 > 0, inside_m2 / np.maximum(area_m2, 1e-9), 0.0)
    fac_slot = np.where(facility_area < 0, n, facility_area)
    table = pd.DataFrame(
        {
            "area_id": [*frame["area_id"].astype(str), OUTSIDE_ID],
            "name": [*frame["name"].astype(str), ""],
            "level": [*frame["level"].astype(str), ""],
            "source": areas.source,
            "area_km2": [*(area_m2 / 1e6), None],
            "share_in_study_area": [*inside_share, None],
            "homes": homes_n.astype(np.int64),
            "residents": residents,
            "complete_residents": complete_res,
            "complete_share": _share(complete_res, residents, bool(essential_rows)),
            "gap_hexagons": gap_cells.astype(np.int64),
            "hexagons_with_homes": all_cells.astype(np.int64),
            "facilities": np.bincount(fac_slot, minlength=n + 1).astype(np.int64),
            "homes_default_floors": default_n.astype(np.int64),
            "default_floors_share": _share(default_n, homes_n),
        }
    )
    flags = []
    for i in range(n + 1):
        row = []
        if i < n and inside_share[i] < INSIDE_FLAG_SHARE:
            row.append("partly_outside")
        if homes_n[i] == 0:
            row.append("no_homes")
        elif default_n[i] > DEFAULT_FLOORS_FLAG_SHARE * homes_n[i]:
            row.append("default_floors")
        flags.append(";".join(row))
    table["flags"] = flags
    columns: dict[str, object] = {}
    fac_cat = fac["category"].astype(str).to_numpy()
    for i, cid in enumerate(analysis.categories):
        served = per_area(pop, analysis.served[i])
        columns[f"served_{cid}"] = served
        columns[f"share_{cid}"] = _share(served, residents, bool(has_data[i]))
        columns[f"facilities_{cid}"] = np.bincount(
            fac_slot[fac_cat == cid], minlength=n + 1
        ).astype(np.int64)
    table = pd.concat([table, pd.DataFrame(columns)], axis=1)
    return AreaSummary(areas=areas, table=table, home_area=home_area, facility_area=facility_area)


def area_shares(
    summary: AreaSummary, served: npt.ArrayLike, population: npt.ArrayLike
) -> list[float | None]:
    """Per area (not ``outside``), the share of residents for whom ``served`` is true
    (e.g. one item within a chosen distance); None for an area with no residents."""
    n = len(summary.areas)
    slot = np.where(summary.home_area < 0, n, summary.home_area)
    pop = np.asarray(population, dtype=float)
    total = np.bincount(slot, weights=pop, minlength=n + 1).astype(float)
    part = np.bincount(
        slot, weights=np.where(np.asarray(served, bool), pop, 0.0), minlength=n + 1
    ).astype(float)
    return _share(part[:n], total[:n])
