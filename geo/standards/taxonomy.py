"""The facility taxonomy: categories, their life-circle tiers and OSM tag rules.

The bundled taxonomy lives in ``data/taxonomy.yaml``; a user may supply their own file
in the same format for their city's standard.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from geo.errors import TaxonomyError
from geo.settings import DATA_DIR

DEFAULT_TAXONOMY_PATH = DATA_DIR / "taxonomy.yaml"

# libyaml's loader when installed: the pure-Python one takes a quarter of a second here.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Tier:
    """A life-circle tier: a walk in minutes and the distance standard that goes with it."""

    walk_minutes: int
    distance_m: float


@dataclass(frozen=True)
class TagCondition:
    """One ``key`` test of a rule."""

    key: str
    values: tuple[str, ...] = ()
    present: bool = False
    pattern: re.Pattern[str] | None = None
    negate: bool = False

    def matches(self, tags: Mapping[str, Any]) -> bool:
        value = tags.get(self.key)
        text = None if _is_missing(value) else str(value)
        if self.pattern is not None:
            found = text is not None and self.pattern.search(text) is not None
            return not found if self.negate else found
        if text is None:
            return False
        if self.present:
            return True
        if text in self.values:
            return True
        # OSM allows several values separated by ";" (e.g. "clinic;pharmacy").
        return ";" in text and any(part.strip() in self.values for part in text.split(";"))


@dataclass(frozen=True)
class TagRule:
    """All conditions must hold."""

    conditions: tuple[TagCondition, ...]
    required: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Keys a matching feature must have: most features (buildings) lack one, and a
        # set test rules them out before any value is looked at.
        needed = frozenset(c.key for c in self.conditions if not c.negate)
        object.__setattr__(self, "required", needed)

    def matches(self, tags: Mapping[str, Any]) -> bool:
        if not self.required <= tags.keys():
            return False
        return all(c.matches(tags) for c in self.conditions)


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

    @property
    def distance_m(self) -> float:
        return self.tier.distance_m

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
                # most features, an amenity value on few.
                key = min(rule.required, key=lambda k: (k == "name", k == "building", k))
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
        return {cond.key for c in self.categories for r in c.rules for cond in r.conditions}

    def osm_query_tags(self) -> dict[str, bool | list[str]]:
        """The tags to ask an OSM source for: candidates that any rule might match.

        Exact-value conditions narrow the query (``amenity=[clinic, ...]``); a rule with
        only patterns asks for its keys (``name=true``) would be too broad, so such a
        rule contributes its pattern keys only when it has no exact condition at all.
        """
        query: dict[str, set[str] | bool] = {}
        for c in self.categories:
            for rule in c.rules:
                exact = [cond for cond in rule.conditions if cond.values or cond.present]
                chosen = (
                    exact[:1]
                    if exact
                    else [cond for cond in rule.conditions if not cond.negate][:1]
                )
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


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):
        return False


def _parse_condition(key: str, raw: Any, where: str) -> TagCondition:
    if raw is True:
        return TagCondition(key=key, present=True)
    if isinstance(raw, str) and raw.startswith(("~", "!~")):
        negate = raw.startswith("!~")
        expr = raw[2:] if negate else raw[1:]
        try:
            pattern = re.compile(expr, re.IGNORECASE)
        except re.error as exc:
            raise TaxonomyError(f"{where}: bad pattern {raw!r} for '{key}': {exc}") from exc
        return TagCondition(key=key, pattern=pattern, negate=negate)
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return TagCondition(key=key, values=(str(raw),))
    if isinstance(raw, list) and raw and all(isinstance(v, str | int | float) for v in raw):
        return TagCondition(key=key, values=tuple(str(v) for v in raw))
    raise TaxonomyError(f"{where}: the value of '{key}' must be text, a list of text or true")


def _parse_rules(raw: Any, where: str) -> tuple[TagRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TaxonomyError(f"{where}: 'osm' must be a list of tag rules")
    rules = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not item:
            raise TaxonomyError(f"{where}: OSM rule {i} must be a non-empty mapping of tags")
        conds = tuple(_parse_condition(str(k), v, f"{where} rule {i}") for k, v in item.items())
        rules.append(TagRule(conditions=conds))
    return tuple(rules)


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
        if distance_m <= 0 or walk_minutes <= 0:
            raise TaxonomyError(f"{source}: tier {key!r} must have positive minutes and metres")
        tiers[minutes] = Tier(walk_minutes=walk_minutes, distance_m=distance_m)
    return tiers


def parse_taxonomy(doc: Any, *, source: str, digest: str = "") -> Taxonomy:
    """Build a :class:`Taxonomy` from a parsed YAML document, validating every field."""
    if not isinstance(doc, dict):
        raise TaxonomyError(f"{source}: a taxonomy file must be a mapping with 'categories'")
    tiers = _parse_tiers(doc.get("tiers"), source)
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
        missing = [k for k in ("name_zh", "name_en", "tier") if k not in item]
        if missing:
            raise TaxonomyError(f"{where} lacks {', '.join(missing)}")
        try:
            tier = tiers[int(item["tier"])]
        except (KeyError, TypeError, ValueError) as exc:
            known = ", ".join(str(t) for t in tiers)
            raise TaxonomyError(f"{where}: tier {item['tier']!r} is not one of {known}") from exc
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
                icon=str(item.get("icon", "info-sign")),
                rules=_parse_rules(item.get("osm"), where),
                synonyms=tuple(str(s) for s in synonyms),
            )
        )
    if not digest:
        # A taxonomy built in memory still needs a stable identity for cache keys.
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Taxonomy(categories=tuple(categories), tiers=tiers, source=source, digest=digest)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read a taxonomy YAML file (the bundled one when ``path`` is None)."""
    file = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        raw = file.read_bytes()
    except FileNotFoundError as exc:
        raise TaxonomyError(f"taxonomy file not found: {file}") from exc
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {file}: {exc.strerror}") from exc
    try:
        doc = yaml.load(raw.decode("utf-8-sig"), Loader=_YAML_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{file.name} is not a readable YAML file: {exc}") from exc
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
        k: Tier(
            walk_minutes=v.walk_minutes, distance_m=round(v.walk_minutes * metres_per_minute, 1)
        )
        for k, v in taxonomy.tiers.items()
    }
    by_minutes = {v.walk_minutes: tiers[k] for k, v in taxonomy.tiers.items()}
    categories = tuple(
        Category(
            id=c.id,
            name_zh=c.name_zh,
            name_en=c.name_en,
            tier=by_minutes[c.walk_minutes],
            colour=c.colour,
            icon=c.icon,
            rules=c.rules,
            synonyms=c.synonyms,
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
            "colour": c.colour,
            "icon": c.icon,
        }
        for c in taxonomy.categories
    ]


__all__: Sequence[str] = [
    "DEFAULT_TAXONOMY_PATH",
    "Category",
    "Taxonomy",
    "Tier",
    "category_table",
    "classify_features",
    "load_taxonomy",
    "parse_taxonomy",
]
