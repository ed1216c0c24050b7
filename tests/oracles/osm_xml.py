"""A plain ElementTree reading of an OSM XML file, as an oracle for the OSM reader.

Written from the README's rules with no help from pyosmium's parsing: a walkable way (or
the closed outline of a pedestrian square) gives one pair per two consecutive distinct
nodes; a way cut at the extract's edge is split at its missing nodes and every run of two
or more present nodes is kept. A feature is a tagged node with a location, or a way with
all its nodes present, whose tags match the query (``True``: any value; a list: one of
its values). The data date is the newest timestamp of a tagged node or way.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EARTH_RADIUS_M = 6_371_009.0


@dataclass
class XmlReading:
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (lon, lat)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: list[tuple[int, tuple[int, ...], dict[str, str]]] = field(default_factory=list)
    newest: str = ""


def read_xml(path: Path) -> XmlReading:
    out = XmlReading()
    for _, element in ET.iterparse(path, events=("end",)):
        if element.tag not in ("node", "way"):
            continue
        tags = {t.attrib["k"]: t.attrib["v"] for t in element.iter("tag")}
        stamp = element.get("timestamp") or ""
        if tags and stamp > out.newest:
            out.newest = stamp
        osm_id = int(element.attrib["id"])
        if element.tag == "node":
            out.nodes[osm_id] = (float(element.attrib["lon"]), float(element.attrib["lat"]))
            if tags:
                out.node_tags[osm_id] = tags
        else:
            refs = tuple(int(nd.attrib["ref"]) for nd in element.iter("nd"))
            out.ways.append((osm_id, refs, tags))
        element.clear()
    return out


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlam = math.radians(lon2 - lon1)
    h = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def present_runs(refs: tuple[int, ...], nodes: Mapping[int, Any]) -> list[list[int]]:
    """Runs of consecutive refs present in the file."""
    runs: list[list[int]] = [[]]
    for ref in refs:
        if ref in nodes:
            runs[-1].append(ref)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) >= 2]


def walk_pairs(
    osm: XmlReading, walks: Callable[[tuple[int, ...], dict[str, str]], bool]
) -> dict[tuple[int, int, int], float]:
    """(u, v, way id) -> length in metres, for every pair of every walkable way."""
    pairs: dict[tuple[int, int, int], float] = {}
    for way_id, refs, tags in osm.ways:
        if not refs or not walks(refs, tags):
            continue
        for run in present_runs(refs, osm.nodes):
            for a, b in itertools.pairwise(run):
                if a != b:
                    pairs[(a, b, way_id)] = haversine_m(osm.nodes[a], osm.nodes[b])
    return pairs


def _matches(tags: Mapping[str, str], query: Mapping[str, Any]) -> bool:
    for key, value in query.items():
        if key not in tags:
            continue
        if value is True or (isinstance(value, list) and tags[key] in value):
            return True
    return False


def feature_ids(osm: XmlReading, query: Mapping[str, Any]) -> set[tuple[str, int]]:
    """Tagged nodes and complete ways whose tags match the query."""
    out = {("node", i) for i, tags in osm.node_tags.items() if _matches(tags, query)}
    for way_id, refs, tags in osm.ways:
        complete = len(refs) >= 2 and all(ref in osm.nodes for ref in refs)
        if complete and _matches(tags, query):
            out.add(("way", way_id))
    return out
