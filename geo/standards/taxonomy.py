"""The facility taxonomy: categories, their life-circle tiers and OSM tag rules.

The bundled taxonomy lives in ``data/taxonomy.yaml``; a user may supply their own file
in the same format for their city's standard.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from geo.errors import TaxonomyError
from geo.limits import Limits, read_limited_bytes
from geo.settings import DATA_DIR
from geo.standards.fields import ITEM_FIELDS_CHECKED, parse_item_fields, parse_level_fields
from geo.standards.rules import DERIVED_KEYS, TagCondition, TagRule, parse_rules

DEFAULT_TAXONOMY_PATH = DATA_DIR / "taxonomy.yaml"
DEFAULT_ICON = "circle-info"
"""A category's map icon when its file names none: a Font Awesome 6 solid icon, the
set folium's marker icons load (brand icons and Font Awesome 4 names draw nothing)."""

# libyaml's loader when installed: the pure-Python one takes a quarter of a second here.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Tier:
    """A life-circle level (tier): a walk in minutes and the distance that goes with it."""

    walk_minutes: int
    distance_m: float
    name_zh: str = ""
    name_en: str = ""
    clause: str = ""
    unverified: bool = False
    """True when the distance could not be checked against the standard's text."""

    def name(self, lang: str) -> str:
        m = self.walk_minutes
        fallback = f"{m}分钟生活圈" if lang == "zh" else f"{m}-minute life circle"
        return (self.name_zh if lang == "zh" else self.name_en) or fallback


@dataclass(frozen=True)
class Category:
    """A facility category of the life circle."""

    id: str
    name_zh: str
    name_en: str
    tier: Tier
    colour: str
    icon: str
    rules: tuple[TagRule, ...] = field(default=())
    synonyms: tuple[str, ...] = field(default=())
    essential: bool = True
    """An essential item (GB 50180 应配置, TD/T 1062 基础保障) counts in completeness."""
    service_m: float | None = None
    """The item's own service distance where the standard gives one; else the level's."""
    min_area_m2: float | None = None
    clause: str = ""
    """Where the item, its level and its numbers come from."""
    unverified: tuple[str, ...] = field(default=())
    """Fields whose numbers could not be checked against the standard's text."""

    @property
    def distance_m(self) -> float:
        return self.service_m if self.service_m is not None else self.tier.distance_m

    @property
    def level(self) -> int:
        """The life circle the item belongs to, in minutes (5, 10 or 15)."""
        return self.tier.walk_minutes

    def is_unverified(self, field_name: str) -> bool:
        if field_name == "distance_m" and self.service_m is None:
            return self.tier.unverified or "distance_m" in self.unverified
        return field_name in self.unverified

    @property
    def walk_minutes(self) -> int:
        return self.tier.walk_minutes

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def matches(self, tags: Mapping[str, Any]) -> bool:
        return any(rule.matches(tags) for rule in self.rules)


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of categories plus the tiers they refer to."""

    categories: tuple[Category, ...]
    tiers: Mapping[int, Tier]
    source: str
    digest: str

    def __post_init__(self) -> None:
        if not self.categories:
            raise TaxonomyError(f"{self.source}: the taxonomy defines no categories")

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    @property
    def limit_m(self) -> float:
        """The largest tier distance: how far every distance search must reach."""
        return max(c.distance_m for c in self.categories)

    def get(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        known = ", ".join(self.ids)
        raise TaxonomyError(f"unknown category '{category_id}' (known: {known})")

    def __contains__(self, category_id: object) -> bool:
        return any(c.id == category_id for c in self.categories)

    def classify(self, tags: Mapping[str, Any]) -> list[str]:
        """Return the ids of every category whose OSM rules match ``tags``."""
        hits: set[int] = set()
        index = self._rules_by_key
        for key, value in tags.items():
            filed = index.get(key)
            if filed is None:
                continue
            text = str(value)
            candidates = [*filed.get(None, ()), *filed.get(text, ())]
            if ";" in text:
                for part in text.split(";"):
                    candidates += filed.get(part.strip(), ())
            for position, rule in candidates:
                if position not in hits and rule.matches(tags):
                    hits.add(position)
        for position, rule in self._rules_needing_nothing:
            if position not in hits and rule.matches(tags):
                hits.add(position)
        return [self.categories[i].id for i in sorted(hits)]

    @cached_property
    def _rules_by_key(self) -> dict[str, dict[str | None, list[tuple[int, TagRule]]]]:
        """Each rule under one key it needs, and under that key's values when it tests
        exact values: a feature only meets the rules filed under its own tags (a plain
        building meets none, a school a handful)."""
        index: dict[str, dict[str | None, list[tuple[int, TagRule]]]] = {}
        for position, category in enumerate(self.categories):
            for rule in category.rules:
                if not rule.required:
                    continue
                # File it under its most selective key: a name or a building tag is on
                # most features, a derived area on every polygon, an amenity value on few.
                key = min(
                    rule.required,
                    key=lambda k: (k in DERIVED_KEYS, k == "name", k == "building", k),
                )
                condition = next(c for c in rule.conditions if c.key == key and not c.negate)
                by_value = index.setdefault(key, {})
                for value in condition.values or (None,):
                    by_value.setdefault(value, []).append((position, rule))
        return index

    @cached_property
    def _rules_needing_nothing(self) -> list[tuple[int, TagRule]]:
        return [
            (position, rule)
            for position, category in enumerate(self.categories)
            for rule in category.rules
            if not rule.required
        ]

    def osm_keys(self) -> set[str]:
        """Every OSM key that a rule tests, for asking OSM sources for candidate features."""
        return {
            cond.key
            for c in self.categories
            for r in c.rules
            for cond in r.conditions
            if cond.key not in DERIVED_KEYS
        }

    @property
    def levels(self) -> list[int]:
        """The levels that have items, smallest first (minutes)."""
        return sorted({c.level for c in self.categories})

    def level_tier(self, minutes: int) -> Tier:
        for tier in self.tiers.values():
            if tier.walk_minutes == minutes:
                return tier
        raise TaxonomyError(f"no {minutes}-minute level in {self.source}")

    def essential_ids(self, level: int | None = None) -> list[str]:
        """Essential items, of one level or of all."""
        return [
            c.id for c in self.categories if c.essential and (level is None or c.level == level)
        ]

    def osm_query_tags(self) -> dict[str, bool | list[str]]:
        """The tags to ask an OSM source for: candidates that any rule might match.

        Exact-value conditions narrow the query (``amenity=[clinic, ...]``); a rule with
        only patterns asks for its keys (``name=true``) would be too broad, so such a
        rule contributes its pattern keys only when it has no exact condition at all.
        """
        query: dict[str, set[str] | bool] = {}
        for c in self.categories:
            for rule in c.rules:
                osm = [cond for cond in rule.conditions if cond.key not in DERIVED_KEYS]
                exact = [cond for cond in osm if cond.values or cond.present]
                chosen = exact[:1] if exact else [cond for cond in osm if not cond.negate][:1]
                for cond in chosen:
                    if cond.values and query.get(cond.key) is not True:
                        old = query.get(cond.key)
                        base = old if isinstance(old, set) else set()
                        query[cond.key] = base | set(cond.values)
                    else:
                        query[cond.key] = True
        return {k: (True if v is True else sorted(v)) for k, v in query.items()}  # type: ignore[arg-type]

    def resolve(self, text: str) -> str | None:
        """Map a category id, a name (zh or en) or a synonym to a category id."""
        key = _fold(text)
        if not key:
            return None
        for c in self.categories:
            names = (c.id, c.name_zh, c.name_en, *c.synonyms)
            if any(_fold(n) == key for n in names):
                return c.id
        return None


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-/&,，、()（）]+", "", str(text)).casefold()


def _parse_tiers(raw: Any, source: str) -> dict[int, Tier]:
    if not isinstance(raw, dict) or not raw:
        raise TaxonomyError(f"{source}: 'tiers' must map minutes to {{walk_minutes, distance_m}}")
    tiers: dict[int, Tier] = {}
    for key, spec in raw.items():
        try:
            minutes = int(key)
            distance_m = float(spec["distance_m"])
            walk_minutes = int(spec.get("walk_minutes", minutes))
        except (TypeError, ValueError, KeyError) as exc:
            raise TaxonomyError(f"{source}: tier {key!r} needs a number 'distance_m'") from exc
        if not 0 < distance_m < float("inf") or walk_minutes <= 0:  # NaN fails too
            raise TaxonomyError(f"{source}: tier {key!r} must have positive minutes and metres")
        extra = parse_level_fields(spec, f"{source}: level {key!r}")
        tiers[minutes] = Tier(walk_minutes=walk_minutes, distance_m=distance_m, **extra)
    return tiers


def parse_taxonomy(doc: Any, *, source: str, digest: str = "") -> Taxonomy:
    """Build a :class:`Taxonomy` from a parsed YAML document, validating every field."""
    if not isinstance(doc, dict):
        raise TaxonomyError(f"{source}: a taxonomy file must be a mapping with 'categories'")
    # "levels"/"level" are the standards' words; "tiers"/"tier" are kept for older files.
    tiers = _parse_tiers(doc.get("levels", doc.get("tiers")), source)
    raw_categories = doc.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        raise TaxonomyError(f"{source}: 'categories' must be a non-empty list")
    categories: list[Category] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_categories, start=1):
        where = f"{source}: category {i}"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{where} must be a mapping")
        cid = str(item.get("id", ""))
        if not _CATEGORY_ID.match(cid):
            raise TaxonomyError(f"{where}: id {cid!r} must be lower-case letters, digits, '_'")
        where = f"{source}: category '{cid}'"
        if cid in seen:
            raise TaxonomyError(f"{where} is defined twice")
        seen.add(cid)
        if "level" in item:
            item = {**item, "tier": item["level"]}
        missing = [k for k in ("name_zh", "name_en", "tier") if k not in item]
        if missing:
            raise TaxonomyError(f"{where} lacks {', '.join(missing)}")
        try:
            tier = tiers[int(item["tier"])]
        except (KeyError, TypeError, ValueError) as exc:
            known = ", ".join(str(t) for t in tiers)
            raise TaxonomyError(
                f"{where}: tier {item['tier']!r} is not one of the levels {known}"
            ) from exc
        raw_colour = item.get("colour", "#555555")
        if raw_colour is None:
            raise TaxonomyError(
                f'{where}: colour is empty; quote it in YAML, e.g. colour: "#1a2b3c" '
                "(an unquoted # starts a comment)"
            )
        colour = str(raw_colour)
        if not _HEX_COLOUR.match(colour):
            raise TaxonomyError(f"{where}: colour {colour!r} must look like #1a2b3c")
        synonyms = item.get("synonyms", []) or []
        if not isinstance(synonyms, list):
            raise TaxonomyError(f"{where}: 'synonyms' must be a list")
        categories.append(
            Category(
                id=cid,
                name_zh=str(item["name_zh"]),
                name_en=str(item["name_en"]),
                tier=tier,
                colour=colour,
                icon=str(item.get("icon", DEFAULT_ICON)),
                rules=parse_rules(item.get("osm"), where),
                synonyms=tuple(str(s) for s in synonyms),
                **parse_item_fields(item, where),
            )
        )
    if not digest:
        # A taxonomy built in memory still needs a stable identity for cache keys.
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Taxonomy(categories=tuple(categories), tiers=tiers, source=source, digest=digest)


_MAX_FLOW_DEPTH = 100


def _flow_depth(text: str) -> int:
    """The deepest nesting of YAML flow brackets (an upper bound: quotes are not parsed)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read a taxonomy YAML file (the bundled one when ``path`` is None)."""
    file = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    raw = read_limited_bytes(
        file, max_bytes=Limits().max_table_bytes, error=TaxonomyError, what="taxonomy file"
    )
    try:
        text = raw.decode("utf-8-sig")
        if _flow_depth(text) > _MAX_FLOW_DEPTH:  # libyaml takes minutes on [[[[...]]]]
            raise RecursionError
        doc = yaml.load(text, Loader=_YAML_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise TaxonomyError(f"{file.name} is not a readable YAML file: {detail}") from exc
    except RecursionError as exc:
        raise TaxonomyError(f"{file.name} is nested too deeply to be a taxonomy") from exc
    except (ValueError, OverflowError) as exc:  # a number of thousands of digits
        raise TaxonomyError(f"{file.name} holds a number that cannot be read") from exc
    digest = hashlib.sha256(raw).hexdigest()
    return parse_taxonomy(doc, source=file.name, digest=digest)


def retier_by_speed(taxonomy: Taxonomy, *, speed_kmh: float) -> Taxonomy:
    """A copy whose tier distances are the tier minutes walked at ``speed_kmh``.

    For planners who think in minutes rather than in GB 50180's distances (for example
    3 km/h for older residents: 5/10/15 minutes become 250/500/750 m).
    """
    if not speed_kmh > 0:
        raise TaxonomyError("walking speed must be positive")
    metres_per_minute = speed_kmh * 1000.0 / 60.0
    tiers = {
        k: replace(v, distance_m=round(v.walk_minutes * metres_per_minute, 1))
        for k, v in taxonomy.tiers.items()
    }
    by_minutes = {v.walk_minutes: tiers[k] for k, v in taxonomy.tiers.items()}
    # An item's own service distance scales with its level's.
    categories = tuple(
        replace(
            c,
            tier=by_minutes[c.walk_minutes],
            service_m=None
            if c.service_m is None
            else round(c.service_m * by_minutes[c.walk_minutes].distance_m / c.tier.distance_m, 1),
        )
        for c in taxonomy.categories
    )
    return Taxonomy(
        categories=categories,
        tiers=tiers,
        source=f"{taxonomy.source} @ {speed_kmh:g} km/h",
        digest=f"{taxonomy.digest}:{speed_kmh:g}",
    )


def classify_features(tag_rows: Iterable[Mapping[str, Any]], taxonomy: Taxonomy) -> list[list[str]]:
    """Classify many tag mappings at once (one list of category ids per row)."""
    return [taxonomy.classify(tags) for tags in tag_rows]


def category_table(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """One plain row per category, for reports and the CLI."""
    return [
        {
            "id": c.id,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "tier_minutes": c.walk_minutes,
            "tier_m": c.distance_m,
            "essential": c.essential,
            "min_area_m2": c.min_area_m2,
            "clause": c.clause,
            "unverified": [f for f in ITEM_FIELDS_CHECKED if c.is_unverified(f)],
            "colour": c.colour,
            "icon": c.icon,
        }
        for c in taxonomy.categories
    ]


__all__: Sequence[str] = [
    "DEFAULT_TAXONOMY_PATH",
    "Category",
    "TagCondition",
    "TagRule",
    "Taxonomy",
    "Tier",
    "category_table",
    "classify_features",
    "load_taxonomy",
    "parse_taxonomy",
]
