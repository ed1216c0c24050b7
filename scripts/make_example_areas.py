"""Write the ILLUSTRATIVE example area file for the bundled Lujiazui district.

Writes ``data/areas_lujiazui.geojson``: the study area cut into parts along two main
roads of the extract, 浦东南路 (South Pudong Road), 世纪大道 (Century Avenue), 东昌路
(Dongchang Road) and 中山东二路 (East Zhongshan No. 2 Road), each extended straight to the
study area's edge (pieces under about 0.25 km² where they cross are joined to a neighbour).
These are NOT official 街道 or 社区/居委 boundaries (the extract has none): they exist so
that the per-area summaries show on the bundled district and the tests have a fixture.
Running the script again gives the same bytes.

Usage::

    python scripts/make_example_areas.py            # writes into data/
    python scripts/make_example_areas.py --out /tmp/areas.geojson
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import osmium
import shapely
from shapely.geometry import LineString, box

ROOT = Path(__file__).resolve().parent.parent
OSM = ROOT / "data" / "shanghai_lujiazui.osm"
BBOX = (121.487, 31.224, 121.513, 31.246)
ROADS = ("浦东南路", "世纪大道", "东昌路", "中山东二路")
NOTE = (
    "Illustrative split of the study area along 浦东南路, 世纪大道, 东昌路 and 中山东二路; "
    "not an official "
    "street-office (街道) or residents' committee (社区/居委) boundary."
)


def road_lines() -> dict[str, shapely.Geometry]:
    """Each road's ways (not tunnels), as one merged line in WGS-84."""

    class Roads(osmium.SimpleHandler):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.lines: dict[str, list[LineString]] = {r: [] for r in ROADS}

        def way(self, w: osmium.osm.Way) -> None:
            name = w.tags.get("name")
            if name in self.lines and w.tags.get("tunnel") != "yes" and len(w.nodes) > 1:
                self.lines[name].append(LineString([(n.lon, n.lat) for n in w.nodes]))

    handler = Roads()
    handler.apply_file(str(OSM), locations=True)
    return {name: shapely.line_merge(shapely.union_all(ls)) for name, ls in handler.lines.items()}


def extended(line: shapely.Geometry, reach_deg: float = 0.05) -> LineString:
    """The road's longest carriageway, simplified to about 50 m (a dual carriageway's two
    sides would cut slivers), extended straight past the study area's edge at both ends."""
    parts = sorted(shapely.get_parts(line), key=lambda g: -g.length)
    coords = shapely.get_coordinates(shapely.simplify(parts[0], 0.0005))
    ends = []
    for (xa, ya), (xb, yb) in ((coords[1], coords[0]), (coords[-2], coords[-1])):
        dx, dy = xb - xa, yb - ya
        norm = (dx**2 + dy**2) ** 0.5
        ends.append((xb + dx / norm * reach_deg, yb + dy / norm * reach_deg))
    return LineString([ends[0], *coords.tolist(), ends[1]])


def _merged_small(
    faces: list[shapely.Geometry], min_deg2: float = 2.5e-5
) -> list[shapely.Geometry]:
    """Faces smaller than about 0.25 km² (where extended roads cross) joined to the
    neighbour they share the longest border with."""
    faces = sorted(faces, key=lambda f: f.area)
    while len(faces) > 1 and faces[0].area < min_deg2:
        small, rest = faces[0], faces[1:]
        shared = [shapely.intersection(small.boundary, f.boundary).length for f in rest]
        best = int(max(range(len(rest)), key=lambda i: shared[i]))
        rest[best] = shapely.union(rest[best], small)
        faces = sorted(rest, key=lambda f: f.area)
    return faces


def build() -> dict[str, object]:
    area = box(*BBOX)
    lines = road_lines()
    cuts = [shapely.intersection(extended(lines[r]), area) for r in ROADS]
    faces = shapely.get_parts(shapely.polygonize([shapely.union_all([area.boundary, *cuts])]))
    faces = _merged_small(list(faces))
    faces.sort(key=lambda f: (-round(f.centroid.y, 3), round(f.centroid.x, 3)))
    features = []
    for i, face in enumerate(faces, start=1):
        geom = shapely.set_precision(face, 1e-6)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": f"示例片区 {i}",
                    "name_en": f"Example area {i}",
                    "note": NOTE,
                },
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "areas_lujiazui (illustrative)",
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "areas_lujiazui.geojson")
    args = parser.parse_args()
    doc = build()
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(doc['features'])} areas to {args.out}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
