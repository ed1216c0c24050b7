"""Loading a district: a bundled district name or a local OSM file, through the cache.

``load_district`` is the one entry point. Online sources go through
:mod:`geo.osm.overpass` and end in the same :class:`~geo.district.model.District`.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from shapely import Polygon, box

from geo.district import cache
from geo.district.model import OSM_ATTRIBUTION, District, DistrictMeta
from geo.district.network import WalkNetwork, build_walk_network
from geo.errors import InputFileError, OsmDataError
from geo.limits import Limits, checked_file
from geo.osm.bbox import BBox, check_bbox
from geo.osm.features import (
    extract_areas,
    extract_buildings,
    extract_entrances,
    extract_facilities,
    extract_facility_areas,
)
from geo.osm.files import file_sha256
from geo.osm.reader import RawOsm, read_osm_file
from geo.progress import Progress, report
from geo.settings import DATA_DIR, Settings
from geo.standards.taxonomy import Taxonomy

DISTRICTS_FILE = DATA_DIR / "districts.yaml"


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


def build_district(
    raw: RawOsm, *, meta: DistrictMeta, taxonomy: Taxonomy, boundary: Polygon
) -> District:
    """Clip raw OSM to ``boundary`` and derive the network, facilities and layers."""
    network = build_walk_network(raw.ways, boundary=boundary)
    features = raw.features
    if not features.empty and features.crs is None:
        features = features.set_crs("EPSG:4326")
    facilities = extract_facilities(features, taxonomy=taxonomy, boundary=boundary, crs=network.crs)
    return District(
        meta=replace(meta, crs=network.crs),
        network=network,
        facilities=facilities,
        buildings=extract_buildings(features, boundary=boundary),
        areas=extract_areas(features, boundary=boundary),
        entrances=extract_entrances(features, boundary=boundary),
        facility_areas=extract_facility_areas(features, facilities),
    )


# --- loading ---------------------------------------------------------------------------------
# v5: edges without stored geometry, vacant plots among the areas, administrative areas.
CACHE_FORMAT = "district-v5"


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
    # A folder, a device such as /dev/zero or a pipe is refused before it is hashed.
    checked_file(path, max_bytes=Limits().max_osm_bytes, what="OSM file")
    return path, None


def load_district(
    source: str | Path,
    *,
    taxonomy: Taxonomy,
    settings: Settings,
    bbox: BBox | None = None,
    progress: Progress | None = None,
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
    report(progress, "reading the cache", 0.02)
    if settings.use_cache:
        cached = read_cached(folder)
        if cached is not None:
            return replace(cached, timings_s={"load": time.perf_counter() - started, "cached": 1.0})

    report(progress, f"reading {path.name}", 0.05)
    info, raw = read_osm_file(
        path, feature_tags=taxonomy.osm_query_tags(), keep_keys=taxonomy.osm_keys()
    )
    parsed = time.perf_counter()
    if bbox is None and info.bounds is not None:
        bbox = info.bounds
        check_bbox(bbox)
    if bbox is None:
        bbox = (
            float(raw.ways.lon.min()),
            float(raw.ways.lat.min()),
            float(raw.ways.lon.max()),
            float(raw.ways.lat.max()),
        )
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
        repairs=tuple(sorted(raw.repairs.items())),
    )
    report(progress, "building the walking network and features", 0.55)
    district = build_district(raw, meta=meta, taxonomy=taxonomy, boundary=box(*bbox))
    if district.network.n_edges == 0:
        raise OsmDataError(f"{path.name}: no walkable street lies inside the study area {bbox}")
    built = time.perf_counter()
    if settings.use_cache:
        report(progress, "writing the cache", 0.9)
        write_cached(folder, district)
    report(progress, "district loaded", 1.0)
    timings = {"load": parsed - started, "network": built - parsed, "cached": 0.0}
    return replace(district, timings_s=timings)


def write_cached(folder: Path, district: District) -> None:
    frames = {
        "nodes": district.network.nodes,
        "edges": district.network.edges,
        "facilities": district.facilities,
        "buildings": district.buildings,
        "areas": district.areas,
        "entrances": district.entrances,
        "facility_areas": district.facility_areas,
    }
    cache.write_entry(
        folder, frames, {"district": district.meta.to_json(), "crs": district.network.crs}
    )


def read_cached(folder: Path) -> District | None:
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
            facility_areas=frames["facility_areas"],
        )
    except (KeyError, TypeError, ValueError):
        return None
