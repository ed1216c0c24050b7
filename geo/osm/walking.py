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

# Roads in a tunnel are for cars unless they say otherwise: a tunnel on these classes
# is walkable only with a foot permission or a sidewalk on the way itself.
CAR_TUNNEL_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
    }
)
SIDEWALK_ON_WAY = frozenset({"yes", "both", "left", "right"})
SIDEWALK_KEYS = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
# Every tag key the rule reads: a reader may drop the others before it applies the rule.
WALK_RULE_KEYS = frozenset(
    {"highway", "area", "foot", "motorroad", "access", "tunnel", *SIDEWALK_KEYS}
)

# The same rule as an Overpass QL way filter, for online queries. It asks for a little
# more than the rule (area=yes ways, car tunnels); is_walkable and is_pedestrian_area
# sort the answer.
WALK_OVERPASS_FILTER = (
    f'["highway"~"^({"|".join(sorted(WALK_HIGHWAYS | WALK_IF_FOOT_ALLOWED))})$"]'
    '["foot"!~"^(no|private|use_sidepath)$"]["motorroad"!~"yes"]'
)


def _forbidden(tags: Mapping[str, str]) -> bool:
    foot = tags.get("foot", "")
    if foot in FOOT_FORBIDDEN or tags.get("motorroad") == "yes":
        return True
    return tags.get("access", "") in ACCESS_FORBIDDEN and foot not in FOOT_ALLOWED


def is_car_tunnel(tags: Mapping[str, str]) -> bool:
    """A road tunnel (``tunnel=yes`` on motorway to secondary) with no foot permission
    and no sidewalk on the way: 人民路隧道 is for cars."""
    if tags.get("tunnel") != "yes" or tags.get("highway") not in CAR_TUNNEL_HIGHWAYS:
        return False
    if tags.get("foot", "") in FOOT_ALLOWED:
        return False
    return not any(tags.get(key, "") in SIDEWALK_ON_WAY for key in SIDEWALK_KEYS)


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a way with these tags belongs to the walking network as a line.

    A way is walkable when its ``highway`` is a street or path type people walk on
    (footway, path, pedestrian, steps, living_street, residential, service,
    unclassified, track and tertiary up to trunk), or a cycleway/bridleway with
    ``foot=yes|designated|permissive``, and none of these forbid it: ``foot=no|private|
    use_sidepath``, ``access=no|private`` without an explicit ``foot`` permission,
    ``motorroad=yes``, ``area=yes`` (an area is walked along its outline, see
    :func:`is_pedestrian_area`), a car tunnel (:func:`is_car_tunnel`).
    Motorways are never walkable. Crossings and sidewalks are footways and stay.
    """
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes" or _forbidden(tags):
        return False
    if is_car_tunnel(tags):
        return False
    if highway in WALK_HIGHWAYS:
        return True
    return highway in WALK_IF_FOOT_ALLOWED and tags.get("foot", "") in FOOT_ALLOWED


def is_pedestrian_area(tags: Mapping[str, str], *, relation: bool = False) -> bool:
    """A pedestrian square (``highway=pedestrian`` + ``area=yes``, or a multipolygon
    relation with ``highway=pedestrian``): walkable along its outline, and joined to the
    streets that share a node with that outline."""
    if tags.get("highway") != "pedestrian" or _forbidden(tags):
        return False
    return relation or tags.get("area") == "yes"
