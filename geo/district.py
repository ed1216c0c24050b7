"""A district: the walking network, facilities, homes and base layers of one study area.

``load_district`` is the one entry point: a bundled district name or a local OSM file,
through the cache. Online sources go through :mod:`geo.overpass` and end here too.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from shapely import Polygon, box

from geo import cache
from geo.errors import InputFileError, OsmDataError
from geo.network import WalkNetwork, build_walk_network
from geo.osm import BBox, RawOsm, file_sha256, read_osm_file
from geo.settings import Settings
from geo.taxonomy import Taxonomy

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DISTRICTS_FILE = DATA_DIR / "districts.yaml"
DEFAULT_DISTRICT = "lujiazui"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

FACILITY_COLUMNS = ["facility_id", "category", "name", "lon", "lat", "source", "osm_id"]


@dataclass(frozen=True)
class DistrictMeta:
    """Where a district came from and how it was clipped."""

    name: str
    title_zh: str
    title_en: str
    source: str
    source_kind: str  # "bundled", "file" or "overpass"
    sha256: str
    data_date: str | None
    provenance: str
    attribution: str
    bbox: BBox
    crs: str
    taxonomy_digest: str
    cache_key: str = ""
    walkable_ways: int = 0

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def to_json(self) -> dict[str, Any]:
        doc = self.__dict__.copy()
        doc["bbox"] = list(self.bbox)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DistrictMeta:
        data = dict(doc)
        data["bbox"] = tuple(float(v) for v in data["bbox"])
        return cls(**data)


@dataclass(frozen=True, eq=False)
class District:
    """Everything the analysis needs about one study area (geometries in WGS-84)."""

    meta: DistrictMeta
    network: WalkNetwork
    facilities: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    timings_s: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def boundary(self) -> Polygon:
        return box(*self.meta.bbox)

    def facility_counts(self) -> dict[str, int]:
        counts = self.facilities["category"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def with_facilities(self, extra: gpd.GeoDataFrame) -> District:
        """A copy with user-supplied facilities appended (their ``source`` is kept)."""
        if extra.empty:
            return self
        add = extra.to_crs("EPSG:4326").copy()
        start = len(self.facilities)
        if "facility_id" not in add.columns:
            add["facility_id"] = [f"u{start + i + 1}" for i in range(len(add))]
        if "osm_id" not in add.columns:
            add["osm_id"] = ""
        add["lon"] = add.geometry.x
        add["lat"] = add.geometry.y
        merged = pd.concat(
            [self.facilities, add[[*FACILITY_COLUMNS, "geometry"]]], ignore_index=True
        )
        return replace(
            self, facilities=gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
        )


# --- bundled districts ---------------------------------------------------------------------
@dataclass(frozen=True)
class BundledDistrict:
    name: str
    path: Path
    title_zh: str
    title_en: str
    bbox: BBox
    data_date: str
    provenance: str
    attribution: str


@functools.lru_cache(maxsize=1)
def bundled_districts() -> dict[str, BundledDistrict]:
    """The sample districts shipped in ``data/``."""
    doc = yaml.safe_load(DISTRICTS_FILE.read_text(encoding="utf-8"))
    out = {}
    for name, spec in doc.items():
        out[name] = BundledDistrict(
            name=name,
            path=DATA_DIR / spec["file"],
            title_zh=spec["name_zh"],
            title_en=spec["name_en"],
            bbox=tuple(float(v) for v in spec["bbox"]),  # type: ignore[arg-type]
            data_date=str(spec["data_date"]),
            provenance=" ".join(str(spec["provenance"]).split()),
            attribution=spec["attribution"],
        )
    return out


def parse_bbox(text: str) -> BBox:
    """Parse ``west,south,east,north`` (WGS-84 degrees), with a planner-readable error."""
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise InputFileError(f"bbox {text!r} must be four numbers: west,south,east,north") from exc
    if len(values) != 4:
        raise InputFileError(f"bbox {text!r} must be four numbers: west,south,east,north")
    west, south, east, north = values
    check_bbox((west, south, east, north))
    return (west, south, east, north)


def check_bbox(bbox: BBox) -> None:
    west, south, east, north = bbox
    if not all(math.isfinite(v) for v in bbox):
        raise InputFileError("the study-area bbox has non-numeric values")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        if -90 <= west <= 90 and -180 <= south <= 180 and abs(south) > 90:
            raise InputFileError(
                f"bbox {bbox} looks like latitude and longitude are swapped: "
                "give west,south,east,north (longitude first)"
            )
        raise InputFileError(
            f"bbox {bbox} is not a valid west,south,east,north box in WGS-84 degrees"
        )
    if (east - west) * (north - south) > 1.0:
        raise InputFileError(
            f"bbox {bbox} is larger than one square degree: lifecircle analyses districts, "
            "not regions; choose a smaller area"
        )


# --- building a district from raw OSM -------------------------------------------------------
def extract_facilities(
    features: gpd.GeoDataFrame, *, taxonomy: Taxonomy, boundary: Polygon, crs: str
) -> gpd.GeoDataFrame:
    """Facilities from OSM features: one row per (feature, matching category)."""
    rows: list[dict[str, Any]] = []
    if not features.empty:
        inside = features[features.intersects(boundary)]
        tag_cols = [c for c in inside.columns if c != "geometry"]
        projected = inside.geometry.to_crs(crs)
        reps = gpd.GeoSeries(projected.representative_point(), crs=crs).to_crs("EPSG:4326")
        records = inside[tag_cols].to_dict("records")
        for (element, osm_id), tags_raw, point in zip(inside.index, records, reps, strict=True):
            tags = {k: str(v) for k, v in tags_raw.items() if isinstance(v, str)}
            cats = taxonomy.classify(tags)
            for cat in cats:
                suffix = f":{cat}" if len(cats) > 1 else ""
                rows.append(
                    {
                        "facility_id": f"{element[0]}{osm_id}{suffix}",
                        "category": cat,
                        "name": tags.get("name")
                        or tags.get("name:zh")
                        or tags.get("name:en")
                        or "",
                        "lon": float(point.x),
                        "lat": float(point.y),
                        "source": "osm",
                        "osm_id": f"{element}/{osm_id}",
                    }
                )
    df = pd.DataFrame(rows, columns=FACILITY_COLUMNS)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


def _number(value: Any) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    text = str(value).strip().lower().replace("m", "").replace(",", ".").split(";")[0]
    try:
        return float(text)
    except ValueError:
        return math.nan


def _col(gdf: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name in gdf.columns:
        col: pd.Series = gdf[name]
        return col
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _osm_ids(gdf: gpd.GeoDataFrame) -> list[str]:
    return [f"{element}/{osm_id}" for element, osm_id in gdf.index]


def _polygons(features: gpd.GeoDataFrame, boundary: Polygon) -> gpd.GeoDataFrame:
    if features.empty:
        return features
    mask = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    sub = features[mask]
    return sub[sub.intersects(boundary)]


def extract_buildings(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Building footprints with the tags the population proxy uses."""
    polys = _polygons(features, boundary)
    polys = polys[polys["building"].notna()] if "building" in polys.columns else polys.iloc[0:0]
    return gpd.GeoDataFrame(
        {
            "osm_id": _osm_ids(polys),
            "building": _col(polys, "building").astype(str).to_numpy(),
            "levels": [_number(v) for v in _col(polys, "building:levels")],
            "height_m": [_number(v) for v in _col(polys, "height")],
            "name": _col(polys, "name").fillna("").astype(str).to_numpy(),
        },
        geometry=polys.geometry.to_numpy(),
        crs="EPSG:4326",
    )


_GREEN = {
    "leisure": {"park", "garden", "common", "nature_reserve", "playground", "pitch"},
    "landuse": {"grass", "forest", "recreation_ground", "village_green", "meadow", "park"},
    "natural": {"wood", "scrub", "grassland"},
}
_WATER = {
    "natural": {"water", "wetland"},
    "waterway": {"riverbank", "dock", "canal", "river"},
    "landuse": {"reservoir", "basin"},
}


def _area_kind(tags: Mapping[str, Any]) -> str | None:
    if tags.get("landuse") == "residential":
        return "residential"
    if isinstance(tags.get("water"), str):
        return "water"
    for kind, table in (("water", _WATER), ("green", _GREEN)):
        if any(tags.get(k) in values for k, values in table.items()):
            return kind
    return None


def extract_areas(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Land-use polygons: ``kind`` is residential, water or green."""
    polys = _polygons(features, boundary)
    keys = [c for c in ("landuse", "natural", "waterway", "water", "leisure") if c in polys.columns]
    kinds = [_area_kind(r) for r in polys[keys].to_dict("records")] if keys else []
    keep = np.array([k is not None for k in kinds], dtype=bool)
    sub = polys[keep] if len(keep) else polys.iloc[0:0]
    return gpd.GeoDataFrame(
        {
            "osm_id": _osm_ids(sub),
            "kind": [k for k in kinds if k is not None],
            "name": _col(sub, "name").fillna("").astype(str).to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs="EPSG:4326",
    )


_GATE_BARRIERS = {"gate", "lift_gate", "entrance", "turnstile", "swing_gate", "sliding_gate"}


def extract_entrances(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Points tagged ``entrance=*`` or a gate-like ``barrier``, inside the study area."""
    if features.empty:
        pts = features
    else:
        pts = features[features.geometry.geom_type == "Point"]
        pts = pts[pts.within(boundary)]
    entrance = _col(pts, "entrance")
    barrier = _col(pts, "barrier")
    is_gate = barrier.isin(list(_GATE_BARRIERS))
    mask = entrance.notna() | is_gate
    sub = pts[mask.to_numpy()] if len(pts) else pts
    kinds = [
        (f"entrance={e}" if isinstance(e, str) else f"barrier={b}")
        for e, b in zip(_col(sub, "entrance"), _col(sub, "barrier"), strict=True)
    ]
    return gpd.GeoDataFrame(
        {
            "osm_id": _osm_ids(sub),
            "kind": kinds,
            "name": _col(sub, "name").fillna("").astype(str).to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def build_district(
    raw: RawOsm, *, meta: DistrictMeta, taxonomy: Taxonomy, boundary: Polygon
) -> District:
    """Clip raw OSM to ``boundary`` and derive the network, facilities and layers."""
    network = build_walk_network(raw.G, boundary=boundary)
    features = raw.features
    if not features.empty and features.crs is None:
        features = features.set_crs("EPSG:4326")
    return District(
        meta=replace(meta, crs=network.crs),
        network=network,
        facilities=extract_facilities(
            features, taxonomy=taxonomy, boundary=boundary, crs=network.crs
        ),
        buildings=extract_buildings(features, boundary=boundary),
        areas=extract_areas(features, boundary=boundary),
        entrances=extract_entrances(features, boundary=boundary),
    )


# --- loading ---------------------------------------------------------------------------------
CACHE_FORMAT = "district-v1"


def resolve_source(source: str | Path) -> tuple[Path, BundledDistrict | None]:
    """A bundled district name or a file path."""
    text = str(source)
    bundled = bundled_districts()
    if text in bundled:
        return bundled[text].path, bundled[text]
    path = Path(text).expanduser()
    if not path.exists():
        names = ", ".join(bundled)
        raise InputFileError(
            f"'{text}' is neither an existing file nor a bundled district ({names})"
        )
    return path, None


def load_district(
    source: str | Path,
    *,
    taxonomy: Taxonomy,
    settings: Settings,
    bbox: BBox | None = None,
) -> District:
    """Load a bundled district or a local OSM file, through the cache.

    The study area is ``bbox`` if given, else the bundled district's, else the file's
    ``<bounds>``, else the extent of its walkable nodes.
    """
    started = time.perf_counter()
    path, bundled = resolve_source(source)
    if bbox is None and bundled is not None:
        bbox = bundled.bbox
    if bbox is not None:
        check_bbox(bbox)
    sha256 = file_sha256(path)
    key = cache.make_key(
        CACHE_FORMAT, sha256, taxonomy.digest, repr(bbox), str(bundled.name if bundled else "")
    )
    folder = settings.cache_dir / "districts" / key
    if settings.use_cache:
        cached = _read_cached(folder)
        if cached is not None:
            return replace(cached, timings_s={"load": time.perf_counter() - started, "cached": 1.0})

    info, raw = read_osm_file(path, feature_tags=taxonomy.osm_query_tags())
    parsed = time.perf_counter()
    if bbox is None and info.bounds is not None:
        bbox = info.bounds
        check_bbox(bbox)
    if bbox is None:
        xs = [d["x"] for _, d in raw.G.nodes(data=True)]
        ys = [d["y"] for _, d in raw.G.nodes(data=True)]
        bbox = (min(xs), min(ys), max(xs), max(ys))
    meta = DistrictMeta(
        name=bundled.name if bundled else path.name.split(".")[0],
        title_zh=bundled.title_zh if bundled else path.name,
        title_en=bundled.title_en if bundled else path.name,
        source=str(path),
        source_kind="bundled" if bundled else "file",
        sha256=info.sha256,
        data_date=raw.data_date or (bundled.data_date if bundled else None),
        provenance=bundled.provenance if bundled else f"local file {path.name}",
        attribution=OSM_ATTRIBUTION,
        bbox=bbox,
        crs="",
        taxonomy_digest=taxonomy.digest,
        cache_key=key,
        walkable_ways=raw.walkable_ways,
    )
    district = build_district(raw, meta=meta, taxonomy=taxonomy, boundary=box(*bbox))
    if district.network.n_edges == 0:
        raise OsmDataError(f"{path.name}: no walkable street lies inside the study area {bbox}")
    built = time.perf_counter()
    if settings.use_cache:
        _write_cached(folder, district)
    timings = {"load": parsed - started, "network": built - parsed, "cached": 0.0}
    return replace(district, timings_s=timings)


def _write_cached(folder: Path, district: District) -> None:
    frames = {
        "nodes": district.network.nodes,
        "edges": district.network.edges,
        "facilities": district.facilities,
        "buildings": district.buildings,
        "areas": district.areas,
        "entrances": district.entrances,
    }
    cache.write_entry(
        folder, frames, {"district": district.meta.to_json(), "crs": district.network.crs}
    )


def _read_cached(folder: Path) -> District | None:
    entry = cache.read_entry(folder)
    if entry is None:
        return None
    frames, meta = entry
    try:
        network = WalkNetwork(crs=str(meta["crs"]), nodes=frames["nodes"], edges=frames["edges"])
        return District(
            meta=DistrictMeta.from_json(meta["district"]),
            network=network,
            facilities=frames["facilities"],
            buildings=frames["buildings"],
            areas=frames["areas"],
            entrances=frames["entrances"],
        )
    except (KeyError, TypeError, ValueError):
        return None
