"""Parts of mapped sites, found with spatial indexes, against the rule read literally:
every building-only facility compared with every site, one pair at a time."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.osm.features import SAME_SITE_M, _without_parts_of_mapped_sites

CRS = "EPSG:32651"


def _pairwise(rows: list[dict], building_only: list[bool], areas: dict[str, object]) -> list[dict]:
    """The rule as the docstring states it, with no index."""
    xy = {
        i: shapely.Point(
            gpd.GeoSeries([shapely.Point(r["lon"], r["lat"])], crs="EPSG:4326")
            .to_crs(CRS)
            .iloc[0]
            .coords[0]
        )
        for i, r in enumerate(rows)
    }
    kept = []
    for i, row in enumerate(rows):
        part = False
        if building_only[i]:
            for j, site in enumerate(rows):
                if building_only[j] or site["category"] != row["category"]:
                    continue
                area = areas.get(site["osm_id"])
                inside = area is not None and bool(
                    gpd.GeoSeries([area], crs="EPSG:4326").to_crs(CRS).iloc[0].contains(xy[i])
                )
                named = bool(site["name"]) and site["name"] in row["name"]
                if inside or (named and xy[i].distance(xy[j]) <= SAME_SITE_M):
                    part = True
                    break
        if not part:
            kept.append(row)
    return kept


def test_indexed_rule_matches_the_pairwise_rule() -> None:
    rng = np.random.default_rng(7)
    names = ["白家庄小学", "望京实验学校", "", "花园幼儿园"]
    rows, building_only, areas = [], [], {}
    for k in range(160):
        lon = 121.50 + rng.uniform(0, 0.01)
        lat = 31.23 + rng.uniform(0, 0.01)
        is_part = bool(k % 3 == 0)
        base = names[int(rng.integers(len(names)))]
        osm_id = f"way/{k}"
        rows.append(
            {
                "facility_id": f"w{k}",
                "category": ["school", "kindergarten"][k % 2],
                "name": base + ("教学楼" if is_part else ""),
                "lon": lon,
                "lat": lat,
                "source": "osm",
                "osm_id": osm_id,
            }
        )
        building_only.append(is_part)
        if not is_part and k % 4 == 1:
            half = float(rng.uniform(0.0003, 0.002))
            areas[osm_id] = shapely.box(lon - half, lat - half, lon + half, lat + half)
    index = pd.MultiIndex.from_tuples(
        [tuple(key.split("/")) for key in areas], names=["element", "id"]
    )
    index = index.set_levels(index.levels[1].astype(int), level=1)
    features = gpd.GeoDataFrame(geometry=list(areas.values()), index=index, crs="EPSG:4326")
    fast = _without_parts_of_mapped_sites(rows, building_only, features, CRS)
    slow = _pairwise(rows, building_only, areas)
    assert [r["facility_id"] for r in fast] == [r["facility_id"] for r in slow]
    # The case is not trivial: some parts are dropped, some are kept.
    dropped = len(rows) - len(fast)
    assert 0 < dropped < sum(building_only)
