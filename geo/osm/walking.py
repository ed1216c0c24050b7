"""The walking rule: which OSM ways a person may walk on.

Documented in the README ("Walking network"). Local files (:mod:`geo.osm.reader`) and
Overpass queries (:mod:`geo.osm.overpass`) use the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping

# --- the walking rule -------------------------------------------------------------------
# Which OSM ways a person may walk on. Documented in the README ("Walking network").
WALK_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "track",
        "corridor",
        "elevator",
        "road",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "trunk",
        "trunk_link",
    }
)
# Cycleways and bridleways only where walking is explicitly allowed.
WALK_IF_FOOT_ALLOWED = frozenset({"cycleway", "bridleway", "busway"})
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
FOOT_FORBIDDEN = frozenset({"no", "private", "use_sidepath"})
ACCESS_FORBIDDEN = frozenset({"no", "private"})

# The same rule as an Overpass QL way filter, for online queries.
WALK_OVERPASS_FILTER = (
    f'["highway"~"^({"|".join(sorted(WALK_HIGHWAYS | WALK_IF_FOOT_ALLOWED))})$"]'
    '["area"!~"yes"]["foot"!~"^(no|private|use_sidepath)$"]["motorroad"!~"yes"]'
)


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a way with these tags belongs to the walking network.

    A way is walkable when its ``highway`` is a street or path type people walk on
    (footway, path, pedestrian, steps, living_street, residential, service,
    unclassified, track and tertiary up to trunk), or a cycleway/bridleway with
    ``foot=yes|designated|permissive``, and none of these forbid it: ``foot=no|private|
    use_sidepath``, ``access=no|private`` without an explicit ``foot`` permission,
    ``motorroad=yes``, ``area=yes`` (a square's outline is not a route).
    Motorways are never walkable.
    """
    highway = tags.get("highway")
    if highway is None:
        return False
    foot = tags.get("foot", "")
    if foot in FOOT_FORBIDDEN or tags.get("area") == "yes" or tags.get("motorroad") == "yes":
        return False
    if tags.get("access", "") in ACCESS_FORBIDDEN and foot not in FOOT_ALLOWED:
        return False
    if highway in WALK_HIGHWAYS:
        return True
    return highway in WALK_IF_FOOT_ALLOWED and foot in FOOT_ALLOWED
