"""A district from the Overpass API: the download (:mod:`geo.osm.overpass`), through the
district cache, into the same :class:`~geo.district.model.District` as a local file.

Kept apart from :mod:`geo.district.loader` so that loading a local or cached district never
imports osmnx and requests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import replace

import osmnx as ox

from geo.district import cache
from geo.district.loader import CACHE_FORMAT, build_district, read_cached, write_cached
from geo.district.model import OSM_ATTRIBUTION, District, DistrictMeta
from geo.errors import NetworkError, OsmDataError
from geo.osm.bbox import BBox
from geo.osm.overpass import Area, bounds_of, check_area, fetch_raw_osm
from geo.osm.reader import feature_query_tags
from geo.osm.walking import WALK_OVERPASS_FILTER
from geo.redaction import redact_url
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy


def describe_query(
    *,
    place: str | None,
    bbox: BBox | None,
    polygon: Area | None,
    taxonomy: Taxonomy,
    settings: Settings,
) -> tuple[str, str]:
    """A short label of the download and the canonical text of the full query."""
    kind = check_area(place, bbox, polygon)
    area_text = ""
    if place is not None:
        area_text = place.strip()
    elif bbox is not None:
        area_text = ",".join(f"{v:.7g}" for v in bbox)
    elif polygon is not None:
        area_text = polygon.wkt
    label = f"overpass:{kind}={area_text if kind != 'polygon' else _short_hash(area_text)}"
    doc = {
        "area": {kind: area_text},
        "way_filter": WALK_OVERPASS_FILTER,
        "feature_tags": feature_query_tags(taxonomy.osm_query_tags()),
        "overpass_url": settings.overpass_url,
        "nominatim_url": settings.nominatim_url if place is not None else None,
    }
    return label, json.dumps(doc, sort_keys=True, ensure_ascii=False)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _taxonomy_key(taxonomy: Taxonomy) -> str:
    # A taxonomy built in memory may have no digest: key it by its categories' rules.
    return taxonomy.digest or f"categories:{_short_hash(repr(taxonomy.categories))}"


def load_overpass_district(
    *,
    place: str | None = None,
    bbox: BBox | None = None,
    polygon: Area | None = None,
    taxonomy: Taxonomy,
    settings: Settings,
) -> District:
    """Download a district from Overpass, through the district cache.

    The cache entry is keyed by the query (area, walking filter, feature tags, server)
    and the taxonomy, so a second call with the same query does not go online.
    """
    started = time.perf_counter()
    label, query = describe_query(
        place=place, bbox=bbox, polygon=polygon, taxonomy=taxonomy, settings=settings
    )
    sha256 = hashlib.sha256(query.encode("utf-8")).hexdigest()
    key = cache.make_key(CACHE_FORMAT, "overpass", sha256, _taxonomy_key(taxonomy))
    folder = settings.cache_dir / "districts" / key
    if settings.use_cache:
        cached = read_cached(folder)
        if cached is not None:
            return replace(cached, timings_s={"load": time.perf_counter() - started, "cached": 1.0})

    raw, area = fetch_raw_osm(
        place=place,
        bbox=bbox,
        polygon=polygon,
        feature_tags=taxonomy.osm_query_tags(),
        settings=settings,
    )
    fetched = time.perf_counter()
    today = dt.date.today().isoformat()
    area_bbox = raw.bounds if raw.bounds is not None else bounds_of(area)
    title = place.strip() if place is not None else f"Overpass {label.split(':', 1)[1]}"
    as_of = (
        f"osm_base {raw.data_date}"
        if raw.data_date
        else "osm_base unknown: answers from the download cache, dated by download day"
    )
    meta = DistrictMeta(
        name=place.strip() if place is not None else label,
        title_zh=title,
        title_en=title,
        source=label,
        source_kind="overpass",
        sha256=sha256,
        data_date=raw.data_date or today,
        provenance=(
            f"Overpass API {redact_url(settings.overpass_url)} query "
            f"way{WALK_OVERPASS_FILTER} plus "
            f"{len(feature_query_tags(taxonomy.osm_query_tags()))} feature keys within "
            f"{label.split(':', 1)[1]} ({as_of}), downloaded {today} with osmnx "
            f"{ox.__version__}"
        ),
        attribution=OSM_ATTRIBUTION,
        bbox=area_bbox,
        crs="",
        taxonomy_digest=taxonomy.digest,
        cache_key=key,
        walkable_ways=raw.walkable_ways,
        repairs=tuple(sorted(raw.repairs.items())),
    )
    try:
        district = build_district(raw, meta=meta, taxonomy=taxonomy, boundary=area)
    except NetworkError as exc:
        raise OsmDataError(f"{label}: {exc}") from exc
    if district.network.n_edges == 0:
        raise OsmDataError(f"{label}: no walkable street lies inside the study area")
    built = time.perf_counter()
    if settings.use_cache:
        write_cached(folder, district)
    return replace(
        district, timings_s={"load": fetched - started, "network": built - fetched, "cached": 0.0}
    )
