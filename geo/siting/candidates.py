"""Candidate sites for new services, and how each joins the walking network.

Candidates come from the district's own data (:func:`district_candidates`): vacant or
under-used plots (``landuse=brownfield|greenfield|construction``), the ground floors of
named public buildings, and compound entrances for doorstep services; from a planner's
file (:func:`read_candidate_file`); or from clicks on the map (:func:`point_candidates`).

Each candidate joins the network exactly as the scenario feature it would become
(:mod:`geo.scenarios.apply`): a point (a building's ground floor, an entrance, a click, a
file row) is a ``facility`` and joins both ends of its nearest street; a plot is a
``space`` and is reached from every street node within 30 m of its outline (a new use has
no mapped gates yet). A candidate more than ``max_join_m`` from the network is off the
mapped streets: one from the data is left out (and counted), one the planner gave is
refused with a message that names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.access.doorstep import compound_entrances
from geo.access.homes import select_homes
from geo.access.snapping import join_area, join_lonlat
from geo.district.model import District
from geo.district.network import WalkNetwork
from geo.errors import CoordinateError
from geo.scenarios.model import ScenarioError, parse_intervention
from geo.scenarios.network_edits import to_metric
from geo.siting.settings import DEFAULT_SITING, SitingError, SitingSettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RAW_COLUMNS = ["candidate_id", "name", "source", "lon", "lat", "capacity", "cost"]
"""Columns of a candidate table before joining (plus a WGS-84 Point or Polygon geometry)."""

DATA_SOURCES = ("plots", "buildings", "entrances")
"""The kinds of candidate the district's data gives (:func:`district_candidates`)."""

PUBLIC_BUILDING_TYPES = frozenset(
    {
        "yes",
        "public",
        "civic",
        "government",
        "commercial",
        "retail",
        "office",
        "skyscraper",
        "hotel",
        "community_centre",
        "townhall",
    }
)
"""``building=*`` values whose named, non-residential buildings have a ground floor that a
street office can rent or repurpose (a 养老驿站 or 社区食堂 in a shop front). Schools,
hospitals, temples, stations, sheds and industrial buildings are left out."""


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate sites joined to the network.

    Attributes
    ----------
    table
        One row per candidate: :data:`RAW_COLUMNS`, ``kind`` (``facility`` for a point,
        ``space`` for a plot), ``node_id`` (the cheapest way in), ``join_m`` (metres to the
        network: a point's straight line to its street, a plot's cheapest way in),
        ``ways_in`` and ``access_rule``; WGS-84 geometry.
    access
        Every way in: ``candidate`` (row position in ``table``), ``node_pos``, ``cost_m``.
    left_out
        Data candidates left out because they are off the mapped streets, by source.
    """

    table: gpd.GeoDataFrame
    access: pd.DataFrame
    left_out: Mapping[str, int]

    def __len__(self) -> int:
        return len(self.table)

    def groups(self, positions: Sequence[int] | None = None) -> list[tuple[IntArray, FloatArray]]:
        """Per candidate (all, or those at ``positions``), its ways in: nodes and costs."""
        owner = self.access["candidate"].to_numpy(dtype=np.int64)
        pos = self.access["node_pos"].to_numpy(dtype=np.int64)
        cost = self.access["cost_m"].to_numpy(dtype=np.float64)
        starts = np.searchsorted(owner, np.arange(len(self.table) + 1))
        wanted = range(len(self.table)) if positions is None else positions
        return [(pos[starts[i] : starts[i + 1]], cost[starts[i] : starts[i + 1]]) for i in wanted]

    def subset(self, positions: Sequence[int]) -> Candidates:
        """The candidates at ``positions``, in that order."""
        keep = [int(p) for p in positions]
        remap = np.full(len(self.table), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        rows = self.access[remap[self.access["candidate"].to_numpy(dtype=np.int64)] >= 0].copy()
        rows["candidate"] = remap[rows["candidate"].to_numpy(dtype=np.int64)]
        rows = rows.sort_values("candidate", kind="stable").reset_index(drop=True)
        table = gpd.GeoDataFrame(self.table.iloc[keep].reset_index(drop=True), crs="EPSG:4326")
        return Candidates(table=table, access=rows, left_out=self.left_out)


def empty_candidates() -> gpd.GeoDataFrame:
    """A candidate table with no rows."""
    return gpd.GeoDataFrame(
        pd.DataFrame(columns=RAW_COLUMNS), geometry=gpd.GeoSeries([], crs="EPSG:4326")
    )


def _frame(
    ids: Sequence[str],
    names: Sequence[str],
    source: str,
    geometry: Sequence[BaseGeometry],
    lonlat: tuple[npt.ArrayLike, npt.ArrayLike],
) -> gpd.GeoDataFrame:
    n = len(ids)
    return gpd.GeoDataFrame(
        {
            "candidate_id": list(ids),
            "name": list(names),
            "source": [source] * n,
            "lon": np.asarray(lonlat[0], dtype=np.float64),
            "lat": np.asarray(lonlat[1], dtype=np.float64),
            "capacity": np.full(n, np.nan),
            "cost": np.full(n, np.nan),
        },
        geometry=list(geometry),
        crs="EPSG:4326",
    )


def plot_candidates(district: District) -> gpd.GeoDataFrame:
    """Vacant or under-used plots (``landuse=brownfield|greenfield|construction``)."""
    areas = district.areas
    plots = areas[areas["kind"] == "vacant"] if len(areas) else areas
    plots = plots[plots.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if plots.empty:
        return empty_candidates()
    rep = plots.geometry.to_crs(district.network.crs).representative_point().to_crs("EPSG:4326")
    return _frame(
        [f"plot:{o}" for o in plots["osm_id"]],
        plots["name"].astype(str).tolist(),
        "osm:plot",
        plots.geometry.tolist(),
        (rep.x.to_numpy(), rep.y.to_numpy()),
    )


def building_candidates(district: District) -> gpd.GeoDataFrame:
    """Ground floors of named public buildings (:data:`PUBLIC_BUILDING_TYPES`), not homes,
    at a point inside each footprint."""
    b = district.buildings
    if b.empty:
        return empty_candidates()
    homes = set(select_homes(b, district.areas)["osm_id"].astype(str))
    keep = (
        (b["name"].astype(str).str.strip() != "")
        & b["building"].astype(str).isin(PUBLIC_BUILDING_TYPES)
        & ~b["osm_id"].astype(str).isin(homes)
    )
    picked = b[keep.to_numpy()]
    if picked.empty:
        return empty_candidates()
    rep = picked.geometry.to_crs(district.network.crs).representative_point().to_crs("EPSG:4326")
    lon, lat = rep.x.to_numpy(), rep.y.to_numpy()
    return _frame(
        [f"building:{o}" for o in picked["osm_id"]],
        picked["name"].astype(str).tolist(),
        "osm:building",
        gpd.points_from_xy(lon, lat).tolist(),
        (lon, lat),
    )


def entrance_candidates(district: District) -> gpd.GeoDataFrame:
    """Compound entrances (:func:`geo.access.doorstep.compound_entrances`): doorstep sites."""
    gates = compound_entrances(district.entrances, district.areas, crs=district.network.crs)
    if gates.empty:
        return empty_candidates()
    lon, lat = gates["lon"].to_numpy(dtype=float), gates["lat"].to_numpy(dtype=float)
    return _frame(
        [f"entrance:{o}" for o in gates["osm_id"]],
        gates["name"].astype(str).tolist(),
        "osm:entrance",
        gpd.points_from_xy(lon, lat).tolist(),
        (lon, lat),
    )


_FROM_DATA = MappingProxyType(
    {"plots": plot_candidates, "buildings": building_candidates, "entrances": entrance_candidates}
)


def district_candidates(
    district: District, *, sources: Sequence[str] = DATA_SOURCES
) -> gpd.GeoDataFrame:
    """Candidates from the district's data, of the kinds in ``sources`` (:data:`DATA_SOURCES`)."""
    unknown = [s for s in sources if s not in _FROM_DATA]
    if unknown:
        raise SitingError(
            f"unknown candidate source(s) {', '.join(unknown)}; use {', '.join(DATA_SOURCES)}"
        )
    return concat_candidates([_FROM_DATA[s](district) for s in sources])


def point_candidates(
    lonlat: Sequence[tuple[float, float]], *, source: str = "click", names: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """Candidates at WGS-84 points (clicks on the map): ids ``<source>:1``, ``<source>:2``..."""
    if not lonlat:
        return empty_candidates()
    lon = np.array([p[0] for p in lonlat], dtype=np.float64)
    lat = np.array([p[1] for p in lonlat], dtype=np.float64)
    given = list(names) + [""] * (len(lonlat) - len(names))
    return _frame(
        [f"{source}:{i + 1}" for i in range(len(lonlat))],
        given[: len(lonlat)],
        source,
        gpd.points_from_xy(lon, lat).tolist(),
        (lon, lat),
    )


def concat_candidates(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """One candidate table from several (ids made unique by a ``#n`` suffix)."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty_candidates()
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    ids = out["candidate_id"].astype(str)
    seen = ids.groupby(ids).cumcount()
    out["candidate_id"] = [i if n == 0 else f"{i}#{n + 1}" for i, n in zip(ids, seen, strict=True)]
    return out


# --- joining -------------------------------------------------------------------------------
def _space_geometry(geom: BaseGeometry, where: str) -> BaseGeometry:
    """The polygon as a scenario ``space`` would hold it (repaired the same way)."""
    feature = {
        "type": "Feature",
        "properties": {"kind": "space", "provides": ["candidate"]},
        "geometry": mapping(geom),
    }
    try:
        return parse_intervention(feature, where=where).geometry
    except ScenarioError as exc:
        raise SitingError(str(exc)) from exc


def join_candidates(
    district: District,
    raw: gpd.GeoDataFrame,
    *,
    settings: SitingSettings = DEFAULT_SITING,
    network: WalkNetwork | None = None,
) -> Candidates:
    """Join every candidate to ``district``'s network by the access rule.

    Raises
    ------
    SitingError
        If there is no candidate, or a candidate the planner gave (from a file or a click)
        lies outside the study area or more than ``settings.max_join_m`` from the network.
    """
    net = network or district.network
    if len(raw) == 0:
        raise SitingError(
            "no candidate sites to choose from: none came from the district's data (vacant "
            "plots, named public buildings, compound entrances) and none were given (a file, "
            "or clicks on the map)"
        )
    table = raw.reset_index(drop=True).copy()
    n = len(table)
    _check_inside(table, district)
    is_area = table.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    owner: list[IntArray] = []
    row_pos: list[IntArray] = []
    row_cost: list[FloatArray] = []
    rule = np.full(n, "edge", dtype=object)
    points = np.flatnonzero(~is_area)
    join_m = np.zeros(n)
    if len(points):
        joined = join_lonlat(
            net, table["lon"].to_numpy(float)[points], table["lat"].to_numpy(float)[points]
        )
        join_m[points] = joined.snap_m
        o, p, c = joined.rows()
        owner.append(points[o])
        row_pos.append(p)
        row_cost.append(c)
    geoms = table.geometry.to_numpy()
    for i in np.flatnonzero(is_area):
        name = str(table.at[i, "name"] or table.at[i, "candidate_id"])
        geoms[i] = _space_geometry(geoms[i], f"candidate {name}")
        area = join_area(net, to_metric(geoms[i], net))
        owner.append(np.full(len(area.node_pos), i, dtype=np.int64))
        row_pos.append(area.node_pos)
        row_cost.append(area.cost_m)
        rule[i] = area.rule
        join_m[i] = float(area.cost_m.min())
    table = table.set_geometry(gpd.GeoSeries(geoms, crs="EPSG:4326"))
    own = np.concatenate(owner)
    pos = np.concatenate(row_pos)
    cost = np.concatenate(row_cost)
    order = np.lexsort((cost, own))
    own, pos, cost = own[order], pos[order], cost[order]
    first = np.searchsorted(own, np.arange(n))
    far = join_m > settings.max_join_m
    _refuse_far(table, far, join_m, settings)
    table["kind"] = np.where(is_area, "space", "facility")
    table["node_id"] = net.node_ids[pos[first]]
    table["join_m"] = join_m
    table["ways_in"] = np.bincount(own, minlength=n)
    table["access_rule"] = rule
    left_out = table.loc[far, "source"].value_counts()
    keep = np.flatnonzero(~far)
    if len(keep) == 0:
        raise SitingError(
            f"no candidate site lies within {settings.max_join_m:.0f} m of a walkable street"
        )
    remap = np.full(n, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    rows = ~far[own]
    access = pd.DataFrame(
        {"candidate": remap[own[rows]], "node_pos": pos[rows], "cost_m": cost[rows]}
    )
    return Candidates(
        table=gpd.GeoDataFrame(table.iloc[keep].reset_index(drop=True), crs="EPSG:4326"),
        access=access,
        left_out={str(k): int(v) for k, v in left_out.items()},
    )


def _check_inside(table: gpd.GeoDataFrame, district: District) -> None:
    """A planner's candidate outside the study area is a wrong coordinate, not a site."""
    given = ~table["source"].astype(str).str.startswith("osm:").to_numpy()
    outside = given & ~table.geometry.intersects(district.boundary).to_numpy()
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        w, s, e, n = district.meta.bbox
        raise CoordinateError(
            f"candidate {_label(table, i)} at {table.at[i, 'lon']:.6f}, {table.at[i, 'lat']:.6f} "
            f"lies outside the study area ({w}, {s}, {e}, {n}); check its coordinates and "
            "their coordinate system (WGS-84, GCJ-02 or BD-09)"
            + (f" ({int(outside.sum()) - 1} more like it)" if outside.sum() > 1 else "")
        )


def _refuse_far(
    table: gpd.GeoDataFrame, far: npt.NDArray[np.bool_], best: FloatArray, s: SitingSettings
) -> None:
    given = ~table["source"].astype(str).str.startswith("osm:").to_numpy()
    bad = np.flatnonzero(far & given)
    if len(bad):
        i = int(bad[0])
        raise SitingError(
            f"candidate {_label(table, i)} is {best[i]:.0f} m from the nearest walkable street "
            f"(more than {s.max_join_m:.0f} m): it is off the mapped network; check its "
            "coordinates" + (f" ({len(bad) - 1} more like it)" if len(bad) > 1 else "")
        )


def _label(table: pd.DataFrame, i: int) -> str:
    name = str(table.at[i, "name"] or "")
    cid = str(table.at[i, "candidate_id"])
    return f"'{name}' ({cid})" if name else cid
