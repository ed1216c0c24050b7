"""Scenarios: named sets of interventions over the baseline, one GeoJSON file each.

A scenario file is a GeoJSON FeatureCollection (geometry in WGS-84) with a foreign
member ``metadata`` (title, description, author, created, updated, revision, district).
Each feature has a stable ``id`` and properties:

- ``kind``: ``facility`` (a Point: a new service node), ``space`` (a Polygon: a new or
  repurposed public space), ``link`` (a LineString: a new walking link, joined to the
  network where its ends meet it), or ``closure`` (removes a facility or closes a link);
- ``category`` (a taxonomy id) for a facility; ``provides`` (a list of ids) for a space;
- ``name`` (free text); for a closure, ``target`` (a facility id, or ``"u,v"`` node ids
  of a street segment) — without a target, a Point closes the nearest facility within
  25 m and a LineString closes the segments along it.

Metadata and ids may be left out of a file written by hand: they are filled in on load.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.errors import LifecircleError
from geo.limits import parse_json_text
from geo.standards.taxonomy import Taxonomy

KINDS = ("facility", "space", "link", "closure")
_GEOMETRY_FOR_KIND = {
    "facility": ("Point",),
    "space": ("Polygon", "MultiPolygon"),
    "link": ("LineString",),
    "closure": ("Point", "LineString"),
}


class ScenarioError(LifecircleError, ValueError):
    """A scenario file or edit is invalid (the message says which feature and why)."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_feature_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Intervention:
    """One feature of a scenario."""

    id: str
    kind: str
    geometry: BaseGeometry
    name: str = ""
    category: str | None = None
    provides: tuple[str, ...] = ()
    target: str | None = None

    def to_feature(self) -> dict[str, Any]:
        props: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.kind == "facility":
            props["category"] = self.category
        if self.kind == "space":
            props["provides"] = list(self.provides)
        if self.kind == "closure" and self.target:
            props["target"] = self.target
        return {
            "type": "Feature",
            "id": self.id,
            "properties": props,
            "geometry": mapping(self.geometry),
        }

    def signature(self) -> str:
        """A canonical text of the feature, to tell whether two versions differ."""
        return json.dumps(self.to_feature(), sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class ScenarioMeta:
    title: str = "Untitled scenario"
    description: str = ""
    author: str = ""
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    revision: int = 0
    district: str = ""
    decision: Mapping[str, Any] | None = field(default=None, hash=False)
    """The decision of a deliberation that chose this scenario (see geo.deliberation)."""


@dataclass(frozen=True)
class Scenario:
    """A named set of interventions."""

    id: str
    meta: ScenarioMeta
    interventions: tuple[Intervention, ...] = ()

    def get(self, feature_id: str) -> Intervention | None:
        for item in self.interventions:
            if item.id == feature_id:
                return item
        return None

    def with_intervention(self, item: Intervention) -> Scenario:
        """Add ``item``, or replace the intervention with the same id."""
        others = tuple(i for i in self.interventions if i.id != item.id)
        if len(others) == len(self.interventions):
            return replace(self, interventions=(*self.interventions, item))
        return replace(
            self,
            interventions=tuple(item if i.id == item.id else i for i in self.interventions),
        )

    def without(self, feature_id: str) -> Scenario:
        return replace(
            self, interventions=tuple(i for i in self.interventions if i.id != feature_id)
        )

    def to_geojson(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "title": self.meta.title,
            "description": self.meta.description,
            "author": self.meta.author,
            "created": self.meta.created,
            "updated": self.meta.updated,
            "revision": self.meta.revision,
            "district": self.meta.district,
        }
        if self.meta.decision is not None:
            metadata["decision"] = dict(self.meta.decision)
        return {
            "type": "FeatureCollection",
            "id": self.id,
            "metadata": metadata,
            "features": [i.to_feature() for i in self.interventions],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_geojson(), ensure_ascii=False, indent=2) + "\n"


_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, fallback: str = "scenario") -> str:
    """An ASCII file-name-safe slug (never a path: no dots, slashes or separators)."""
    slug = _SLUG.sub("-", text.lower()).strip("-")[:48]
    return slug or fallback


def _check_geometry(geom: BaseGeometry, kind: str, where: str) -> BaseGeometry:
    allowed = _GEOMETRY_FOR_KIND[kind]
    if geom.geom_type not in allowed:
        raise ScenarioError(
            f"{where}: a {kind} must be a {' or '.join(allowed)}, not a {geom.geom_type}"
        )
    if geom.is_empty:
        raise ScenarioError(f"{where}: the geometry is empty")
    coords = shapely.get_coordinates(geom)
    if not (
        (coords[:, 0] >= -180).all()
        and (coords[:, 0] <= 180).all()
        and (coords[:, 1] >= -90).all()
        and (coords[:, 1] <= 90).all()
    ):
        raise ScenarioError(f"{where}: coordinates must be WGS-84 longitude, latitude in degrees")
    if kind == "space" and not geom.is_valid:
        repaired = shapely.make_valid(geom)
        polys = [
            g for g in shapely.get_parts(repaired) if g.geom_type in ("Polygon", "MultiPolygon")
        ]
        if not polys or shapely.union_all(polys).area <= 0:
            raise ScenarioError(
                f"{where}: the polygon crosses itself and cannot be repaired; redraw it"
            )
        geom = shapely.union_all(polys)
    if kind == "link" and geom.length <= 0:
        raise ScenarioError(f"{where}: the link has no length")
    return geom


def parse_intervention(
    feature: Mapping[str, Any], *, taxonomy: Taxonomy | None = None, where: str = "feature"
) -> Intervention:
    """Validate one GeoJSON feature (unknown categories and bad geometry are refused)."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise ScenarioError(f"{where}: not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        raise ScenarioError(f"{where}: 'properties' must be an object")
    kind = str(props.get("kind", "")).strip().lower()
    if kind not in KINDS:
        raise ScenarioError(f"{where}: 'kind' must be one of {', '.join(KINDS)} (got {kind!r})")
    try:
        geom = shape(feature.get("geometry"))
    except (
        AttributeError,
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        shapely.errors.ShapelyError,  # a one-point line (GEOSException)
    ) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ScenarioError(f"{where}: the geometry cannot be read ({detail})") from exc
    geom = _check_geometry(geom, kind, where)
    fid = str(feature.get("id") or props.get("id") or new_feature_id())
    name = str(props.get("name") or "")[:200]
    category = None
    provides: tuple[str, ...] = ()
    if kind == "facility":
        category = str(props.get("category") or "")
        if not category:
            raise ScenarioError(f"{where}: a facility needs a 'category'")
        if taxonomy is not None and category not in taxonomy:
            resolved = taxonomy.resolve(category)
            if resolved is None:
                raise ScenarioError(
                    f"{where}: unknown category '{category}' (known: {', '.join(taxonomy.ids)})"
                )
            category = resolved
    if kind == "space":
        raw = props.get("provides") or []
        if isinstance(raw, str):
            raw = [p for p in re.split(r"[;,，、\s]+", raw) if p]
        if not isinstance(raw, Sequence) or not raw:
            raise ScenarioError(f"{where}: a space needs 'provides', a list of category ids")
        items = []
        for p in raw:
            cid = str(p)
            if taxonomy is not None and cid not in taxonomy:
                resolved = taxonomy.resolve(cid)
                if resolved is None:
                    raise ScenarioError(
                        f"{where}: unknown category '{cid}' in 'provides' "
                        f"(known: {', '.join(taxonomy.ids)})"
                    )
                cid = resolved
            items.append(cid)
        provides = tuple(dict.fromkeys(items))
    target = props.get("target")
    return Intervention(
        id=fid,
        kind=kind,
        geometry=geom,
        name=name,
        category=category,
        provides=provides,
        target=str(target) if target not in (None, "") else None,
    )


def parse_scenario(
    doc: Any, *, taxonomy: Taxonomy | None = None, scenario_id: str | None = None
) -> Scenario:
    """Validate a scenario document; missing metadata and ids are filled in."""
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise ScenarioError("a scenario must be a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise ScenarioError("a scenario needs a 'features' list")
    raw_meta = doc.get("metadata") or {}
    if not isinstance(raw_meta, Mapping):
        raise ScenarioError("'metadata' must be an object")
    defaults = ScenarioMeta()
    try:
        revision = int(raw_meta.get("revision", 0) or 0)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ScenarioError("metadata 'revision' must be a whole number") from exc
    meta = ScenarioMeta(
        title=str(raw_meta.get("title") or defaults.title)[:200],
        description=str(raw_meta.get("description") or "")[:5000],
        author=str(raw_meta.get("author") or "")[:200],
        created=str(raw_meta.get("created") or defaults.created),
        updated=str(raw_meta.get("updated") or defaults.updated),
        revision=revision,
        district=str(raw_meta.get("district") or ""),
        decision=dict(raw_meta["decision"])
        if isinstance(raw_meta.get("decision"), Mapping)
        else None,
    )
    items = []
    seen: set[str] = set()
    for i, feature in enumerate(features, start=1):
        item = parse_intervention(feature, taxonomy=taxonomy, where=f"feature {i}")
        if item.id in seen:
            item = replace(item, id=new_feature_id())
        seen.add(item.id)
        items.append(item)
    sid = scenario_id or str(doc.get("id") or slugify(meta.title))
    return Scenario(id=slugify(sid), meta=meta, interventions=tuple(items))


def loads_scenario(
    text: str, *, taxonomy: Taxonomy | None = None, scenario_id: str | None = None
) -> Scenario:
    doc = parse_json_text(text, name="the scenario file", error=ScenarioError)
    return parse_scenario(doc, taxonomy=taxonomy, scenario_id=scenario_id)


SCENARIO_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# Names Windows reserves for devices in any folder (a file "con.geojson" cannot be opened
# there, and copying a folder holding one to Windows fails).
RESERVED_IDS = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)


def check_scenario_id(scenario_id: object) -> str:
    """Return ``scenario_id`` if it is a valid id, else raise :class:`ScenarioError`.

    A valid id is 1 to 64 lower-case ASCII letters, digits and ``-``, starting with a
    letter or digit: never a path, a dot, a separator or a NUL byte, and never a name
    Windows reserves for a device (:data:`RESERVED_IDS`).
    """
    if isinstance(scenario_id, str) and scenario_id in RESERVED_IDS:
        raise ScenarioError(
            f"'{scenario_id}' cannot be a scenario id: Windows reserves that name for a device"
        )
    if not isinstance(scenario_id, str) or SCENARIO_ID_PATTERN.fullmatch(scenario_id) is None:
        shown = repr(scenario_id)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise ScenarioError(
            f"{shown} is not a valid scenario id (1 to 64 lower-case letters, digits "
            "and '-', starting with a letter or a digit)"
        )
    return scenario_id


def check_revision(revision: object, what: str = "revision") -> int:
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        raise ScenarioError(f"the {what} must be a whole number of at least 0, not {revision!r}")
    return revision


def with_stable_ids(doc: Any) -> Any:
    """A copy of ``doc`` whose features all have distinct ids, derived from position and
    content when missing or repeated (``parse_scenario`` would draw random ones)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        return doc
    features: list[Any] = []
    seen: set[str] = set()
    for index, feature in enumerate(doc["features"]):
        if not isinstance(feature, dict):
            features.append(feature)
            continue
        props = feature.get("properties")
        raw = feature.get("id") or (props.get("id") if isinstance(props, dict) else None)
        fid = str(raw) if raw else ""
        salt = 0
        while not fid or fid in seen:
            text = json.dumps(feature, sort_keys=True, ensure_ascii=False, default=str)
            fid = hashlib.sha256(f"{index}:{salt}:{text}".encode()).hexdigest()[:12]
            salt += 1
        seen.add(fid)
        features.append({**feature, "id": fid})
    return {**doc, "features": features}
