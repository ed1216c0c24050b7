"""A corpus of hostile input files: every reader × every hostile payload.

Each case is a file (or a path such as a folder or ``/dev/zero``) and the command line
that reads it. The CLI corpus (``tests/cli/test_hostile_corpus.py``) runs every case in
process; the dashboard test uploads a sample of the table files. Files are written from
small real inputs (the bundled Lujiazui district's coordinates, real OSM XML) and then
damaged, so every case is one payload away from a file that works.
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

# Real points inside Lujiazui (a clinic, a school, a park), and one in Beijing.
INSIDE = [(121.5052, 31.2335), (121.5011, 31.2301), (121.4990, 31.2375)]
BEIJING = (116.4074, 39.9042)
MARKDOWN_IMAGE = "![x](http://192.0.2.1/beacon.png)"
LONG_TEXT = "长" * 5_000
HUGE_INT = "9" * 5_000


@dataclass(frozen=True)
class Case:
    """One hostile input: a name, the file's path and the argv that reads it."""

    name: str
    path: Path
    argv: tuple[str, ...]
    kind: str  # inventory, survey, scenario, population, taxonomy, osm, out


# --- table payloads (inventory, survey, population share them) --------------------------


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _xlsx_bytes(header: list[object], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_with_sheet_xml(sheet_xml_prefix: str) -> bytes:
    """A real workbook whose first sheet's XML starts with a hostile DOCTYPE."""
    good = _xlsx_bytes(["name", "lon", "lat"], [["a", 121.5, 31.23]])
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace(
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', ""
                ).replace("<?xml version='1.0' encoding='UTF-8'?>", "")
                data = (sheet_xml_prefix + text).encode()
            dst.writestr(item, data)
    return out.getvalue()


XXE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>\n"
)


def _geojson(features: list[object], **extra: object) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features, **extra})


def _point(lon: object, lat: object, props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def table_payloads(
    header: list[str], good_row: Callable[[int], list[object]], *, lon_i: int, lat_i: int
) -> Iterator[tuple[str, str, bytes]]:
    """(name, suffix, bytes) of hostile tables built around a working ``header``/row."""
    rows = [good_row(i) for i in range(3)]

    def with_cell(index: int, value: object) -> list[list[object]]:
        out = [list(r) for r in rows]
        out[0][index] = value
        return out

    good = _csv_text(header, rows)
    yield "good", ".csv", good.encode()
    yield "empty", ".csv", b""
    yield "only-bom", ".csv", b"\xef\xbb\xbf"
    yield "header-only", ".csv", (",".join(header) + "\n").encode()
    yield "utf8-bom", ".csv", b"\xef\xbb\xbf" + good.encode()
    yield "gbk", ".csv", good.encode("gbk", errors="replace")
    yield "utf16", ".csv", good.encode("utf-16")
    yield "binary", ".csv", bytes(range(256)) * 8
    yield "nul-bytes", ".csv", good.encode().replace(b",", b"\x00", 2)
    yield "ragged-long", ".csv", (good + "a,b,c,d,e,f,g,h,i,j,k\n").encode()
    yield "ragged-short", ".csv", (good + "a\n").encode()
    trailing = good.splitlines()
    yield (
        "trailing-comma",
        ".csv",
        ("\n".join([trailing[0]] + [line + "," for line in trailing[1:]]) + "\n").encode(),
    )
    # Every data row one cell longer than the header: pandas would take the first
    # column for an index and shift every other one left.
    yield (
        "extra-cell-every-row",
        ".csv",
        ("\n".join([trailing[0]] + [line + ",x" for line in trailing[1:]]) + "\n").encode(),
    )
    yield "unclosed-quote", ".csv", (good + '"never closed,1,2\n').encode()
    yield "huge-int-lon", ".csv", _csv_text(header, with_cell(lon_i, HUGE_INT)).encode()
    yield "nan-lon", ".csv", _csv_text(header, with_cell(lon_i, "nan")).encode()
    yield "inf-lat", ".csv", _csv_text(header, with_cell(lat_i, "inf")).encode()
    yield "lat-out-of-range", ".csv", _csv_text(header, with_cell(lat_i, 123.0)).encode()
    swapped = [list(r) for r in rows]
    swapped[0][lon_i], swapped[0][lat_i] = swapped[0][lat_i], swapped[0][lon_i]
    yield "swapped", ".csv", _csv_text(header, swapped).encode()
    beijing = [list(r) for r in rows]
    beijing[0][lon_i], beijing[0][lat_i] = BEIJING
    yield "beijing-row", ".csv", _csv_text(header, beijing).encode()
    yield "long-text", ".csv", _csv_text(header, with_cell(0, LONG_TEXT)).encode()
    yield "markdown", ".csv", _csv_text(header, with_cell(0, MARKDOWN_IMAGE)).encode()
    yield "formula", ".csv", _csv_text(header, with_cell(0, '=HYPERLINK("http://x","y")')).encode()
    yield "long-line", ".csv", (good + "x" * 2_000_000 + "\n").encode()
    yield (
        "many-columns",
        ".csv",
        (",".join(header + [f"c{i}" for i in range(5_000)]) + "\n").encode(),
    )
    # XLSX
    yield "xlsx-good", ".xlsx", _xlsx_bytes(list(header), rows)
    yield (
        "xlsx-dup-unnamed",
        ".xlsx",
        _xlsx_bytes([None, None, *header, None], [[1, 2, *r, 3] for r in rows]),
    )
    yield "xlsx-xxe", ".xlsx", _xlsx_with_sheet_xml(XXE)
    yield "xlsx-laughs", ".xlsx", _xlsx_with_sheet_xml(LAUGHS)
    yield "xlsx-not-zip", ".xlsx", b"PK\x03\x04" + b"\x00" * 200
    yield "xlsx-is-csv", ".xlsx", good.encode()
    yield "xlsx-empty-zip", ".xlsx", _empty_zip()
    yield "xlsx-huge-int", ".xlsx", _xlsx_bytes(list(header), with_cell(lon_i, HUGE_INT))
    # GeoJSON
    props = [dict(zip(header, r, strict=True)) for r in rows]
    feats = [_point(r[lon_i], r[lat_i], p) for r, p in zip(rows, props, strict=True)]
    yield "geojson-good", ".geojson", _geojson(feats).encode()
    yield "geojson-deep", ".geojson", _deep_json(100_000).encode()
    yield (
        "geojson-deep-props",
        ".geojson",
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            + _deep_json(50_000)
            + ',"geometry":null}]}'
        ).encode(),
    )
    yield "geojson-props-list", ".geojson", _geojson([_point(121.5, 31.23, [1, 2, 3])]).encode()
    yield "geojson-props-string", ".geojson", _geojson([_point(121.5, 31.23, "x")]).encode()
    yield (
        "geojson-huge-int",
        ".geojson",
        (_geojson(feats[:1]).replace(str(rows[0][lon_i]), HUGE_INT, 1)).encode(),
    )
    yield (
        "geojson-nan-token",
        ".geojson",
        (
            b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            b'"geometry":{"type":"Point","coordinates":[NaN, Infinity]}}]}'
        ),
    )
    yield (
        "geojson-coords-strings",
        ".geojson",
        _geojson([_point("121.5", "31.23", props[0])]).encode(),
    )
    yield (
        "geojson-coords-deep",
        ".geojson",
        _geojson(
            [
                {
                    "type": "Feature",
                    "properties": props[0],
                    "geometry": {"type": "Point", "coordinates": [[[[1]]]]},
                }
            ]
        ).encode(),
    )
    yield "geojson-not-collection", ".geojson", b'{"type":"Feature"}'
    yield "geojson-array", ".geojson", b"[1,2,3]"
    yield (
        "geojson-crs",
        ".geojson",
        _geojson(feats, crs={"type": "name", "properties": {"name": "EPSG:3857"}}).encode(),
    )
    yield (
        "geojson-huge-polygon",
        ".geojson",
        _geojson(
            [
                {
                    "type": "Feature",
                    "properties": props[0],
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[100, 20], [130, 20], [130, 45], [100, 45], [100, 20]]],
                    },
                }
            ]
        ).encode(),
    )
    yield (
        "geojson-bad-polygon",
        ".geojson",
        _geojson(
            [
                {
                    "type": "Feature",
                    "properties": props[0],
                    "geometry": {"type": "Polygon", "coordinates": [[[121.5, 31.23]]]},
                }
            ]
        ).encode(),
    )
    yield "geojson-truncated", ".geojson", _geojson(feats).encode()[:-40]


def _empty_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w"):
        pass
    return out.getvalue()


# --- scenario payloads ------------------------------------------------------------------


def _scenario(features: list[object], **meta: object) -> str:
    metadata: dict[str, object] = {
        "title": "t",
        "author": "a",
        "created": "2026-11-30T00:00:00Z",
        "updated": "2026-11-30T00:00:00Z",
        "revision": 1,
        "district": "lujiazui",
    }
    metadata.update(meta)
    return json.dumps(
        {"type": "FeatureCollection", "id": "hostile", "metadata": metadata, "features": features}
    )


def _link(coords: object, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": "l",
        "properties": {"kind": "link", "name": "n", **props},
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def _space(coords: object, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": "s",
        "properties": {"kind": "space", "name": "g", "provides": ["pocket_green"], **props},
        "geometry": {"type": "Polygon", "coordinates": coords},
    }


def scenario_payloads() -> Iterator[tuple[str, str]]:
    a, b = [121.508977, 31.23236], [121.509061, 31.232399]
    square = [
        [
            [121.509982, 31.231309],
            [121.510297, 31.231312],
            [121.510292, 31.231583],
            [121.509977, 31.231579],
            [121.509982, 31.231309],
        ]
    ]
    yield "good", _scenario([_link([a, b]), _space(square)])
    yield "deep", _deep_json(100_000)
    yield "deep-props", _scenario([]).replace('"features": []', '"features": ' + _deep_json(50_000))
    yield "infinity-revision", _scenario([]).replace('"revision": 1', '"revision": Infinity')
    yield "nan-revision", _scenario([]).replace('"revision": 1', '"revision": NaN')
    yield "huge-revision", _scenario([]).replace('"revision": 1', f'"revision": {HUGE_INT}')
    yield "float-revision", _scenario([]).replace('"revision": 1', '"revision": 1e400')
    yield "one-point-link", _scenario([_link([a])])
    yield "zero-point-link", _scenario([_link([])])
    yield (
        "nan-link",
        _scenario([]).replace(
            '"features": []',
            '"features": [' + json.dumps(_link([a, b])).replace("121.508977", "NaN") + "]",
        ),
    )
    yield (
        "huge-coord-link",
        _scenario([]).replace(
            '"features": []',
            '"features": [' + json.dumps(_link([a, b])).replace("121.508977", HUGE_INT) + "]",
        ),
    )
    yield "beijing-link", _scenario([_link([list(BEIJING), [116.41, 39.91]])])
    yield "link-across-china", _scenario([_link([a, list(BEIJING)])])
    yield (
        "space-huge",
        _scenario([_space([[[100, 20], [130, 20], [130, 45], [100, 45], [100, 20]]])]),
    )
    yield (
        "space-bowtie",
        _scenario(
            [
                _space(
                    [
                        [
                            [121.5, 31.23],
                            [121.51, 31.24],
                            [121.51, 31.23],
                            [121.5, 31.24],
                            [121.5, 31.23],
                        ]
                    ]
                )
            ]
        ),
    )
    yield "space-two-points", _scenario([_space([[a, b]])])
    yield (
        "props-list",
        _scenario([]).replace(
            '"features": []', '"features": [{"type":"Feature","properties":[1,2],"geometry":null}]'
        ),
    )
    yield "props-null", _scenario([{"type": "Feature", "properties": None, "geometry": None}])
    yield (
        "geometry-string",
        _scenario(
            [
                {
                    "type": "Feature",
                    "properties": {"kind": "link"},
                    "geometry": "LINESTRING(0 0, 1 1)",
                }
            ]
        ),
    )
    yield "coords-strings", _scenario([_link([["121.5", "31.23"], ["121.51", "31.24"]])])
    yield "markdown-name", _scenario([_link([a, b], name=MARKDOWN_IMAGE)], title=MARKDOWN_IMAGE)
    yield "long-name", _scenario([_link([a, b], name=LONG_TEXT)])
    yield "unknown-kind", _scenario([_link([a, b], kind="teleporter")])
    yield "provides-unknown", _scenario([_space(square, provides=["casino"])])
    yield "provides-dict", _scenario([_space(square, provides={"a": 1})])
    yield "metadata-list", '{"type":"FeatureCollection","metadata":[],"features":[]}'
    yield "not-json", "not json at all"
    yield "array", "[]"
    yield "bom", "\ufeff" + _scenario([])
    yield "truncated", _scenario([_link([a, b])])[:-30]


# --- taxonomy payloads ------------------------------------------------------------------


def taxonomy_payloads(bundled: str) -> Iterator[tuple[str, str]]:
    yield "good", bundled
    yield "empty", ""
    yield "list", "- a\n- b\n"
    yield "deep", "[" * 20_000 + "]" * 20_000
    yield (
        "alias-bomb",
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                for i in range(8)
            )
            + "categories: *i\n"
        ),
    )
    yield "tab", "categories:\n\t- x\n"
    yield "binary", "\x00\x01\x02"
    yield "huge-distance", bundled.replace("distance_m: 300", f"distance_m: {HUGE_INT}", 1)
    yield "nan-distance", bundled.replace("distance_m: 300", "distance_m: .nan", 1)
    yield "inf-distance", bundled.replace("distance_m: 300", "distance_m: .inf", 1)
    rule = '"~卫生服务中心|社区医院|卫生院|医院"'
    yield "catastrophic-regex", bundled.replace(rule, '"~^(a+)+$"', 1)
    yield "catastrophic-regex-alt", bundled.replace(rule, '"~^(a|aa)*$"', 1)
    yield "bad-regex", bundled.replace(rule, '"~(unclosed"', 1)


# --- OSM payloads -----------------------------------------------------------------------


def _osm(
    nodes: list[tuple[int, str, str]], ways: list[tuple[int, list[int], dict[str, str]]]
) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="t">']
    for nid, lat, lon in nodes:
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


GRID_LON, GRID_LAT = 9, 10  # a footway grid over the corpus's Lujiazui points


def _street_grid(lat_text: str | None = None) -> list[tuple[int, str, str]]:
    nodes = [
        (1 + i * GRID_LON + j, f"{31.229 + 0.001 * i:.6f}", f"{121.498 + 0.001 * j:.6f}")
        for i in range(GRID_LAT)
        for j in range(GRID_LON)
    ]
    if lat_text is not None:
        nodes[0] = (1, lat_text, nodes[0][2])
    return nodes


def _grid_ways(tags: dict[str, str] | None = None) -> list[tuple[int, list[int], dict[str, str]]]:
    base = tags or {"highway": "footway"}
    rows = [
        (100 + i, [1 + i * GRID_LON + j for j in range(GRID_LON)], dict(base))
        for i in range(GRID_LAT)
    ]
    columns = [
        (200 + j, [1 + i * GRID_LON + j for i in range(GRID_LAT)], dict(base))
        for j in range(GRID_LON)
    ]
    return rows + columns


def grid_osm() -> str:
    """A small real-looking OSM file: footways over the corpus's points in Lujiazui."""
    return _osm(_street_grid(), _grid_ways())


def osm_payloads(bomb_bytes: int) -> Iterator[tuple[str, str, bytes]]:
    good = grid_osm()
    yield "good", ".osm", good.encode()
    yield "nan-lat", ".osm", _osm(_street_grid(lat_text="nan"), _grid_ways()).encode()
    yield "lat-200", ".osm", _osm(_street_grid(lat_text="200"), _grid_ways()).encode()
    yield "lat-text", ".osm", _osm(_street_grid(lat_text="north"), _grid_ways()).encode()
    yield "huge-lat", ".osm", _osm(_street_grid(lat_text=HUGE_INT), _grid_ways()).encode()
    yield (
        "long-tag",
        ".osm",
        _osm(_street_grid(), _grid_ways({"highway": "footway", "name": "路" * 300})).encode(),
    )
    yield (
        "long-key",
        ".osm",
        _osm(_street_grid(), _grid_ways({"highway": "footway", "k" * 300: "v"})).encode(),
    )
    yield (
        "one-node-way",
        ".osm",
        _osm(_street_grid(), [(100, [1], {"highway": "footway"})]).encode(),
    )
    yield (
        "long-way",
        ".osm",
        _osm(
            _street_grid(), [(100, [1 + (i % 16) for i in range(20_000)], {"highway": "footway"})]
        ).encode(),
    )
    yield "bz2-good", ".osm.bz2", bz2.compress(good.encode())
    yield (
        "bz2-bomb",
        ".osm.bz2",
        bz2.compress(good.replace("</osm>", " " * bomb_bytes + "</osm>").encode(), 9),
    )
    yield "bz2-truncated", ".osm.bz2", bz2.compress(good.encode())[:60]
    yield "pbf-garbage", ".osm.pbf", b"\x00\x00\x00\x0d\n\tOSMHeader" + b"\xff" * 100
    yield "empty", ".osm", b""
    yield "html", ".osm", b"<html><body>404</body></html>"
    yield (
        "entity",
        ".osm",
        good.replace(
            "<osm version", '<!DOCTYPE osm [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<osm version'
        ).encode(),
    )


def build_corpus(folder: Path, *, bundled_taxonomy: str, bomb_bytes: int) -> list[Case]:
    """Write every hostile file into ``folder`` and return the cases that read them.

    Commands read the district from a small grid of footways (:func:`grid_osm`), so a
    case that passes costs milliseconds; ``bomb_bytes`` is what the ``.osm.bz2`` bomb
    expands to (set the byte limit below it).
    """
    cases: list[Case] = []
    osm_source = str(folder / "grid.osm")
    Path(osm_source).write_text(grid_osm(), encoding="utf-8")

    def add(
        kind: str, name: str, suffix: str, data: bytes, argv: Callable[[str], list[str]]
    ) -> None:
        path = folder / f"{kind}-{name}{suffix}"
        path.write_bytes(data)
        cases.append(Case(f"{kind}:{name}{suffix}", path, tuple(argv(str(path))), kind))

    def inventory_row(i: int) -> list[object]:
        lon, lat = INSIDE[i]
        return [f"设施{i}", "社区卫生服务中心", lon, lat]

    def survey_row(i: int) -> list[object]:
        lon, lat = INSIDE[i]
        return [f"r{i}", "东园三村", lon, lat, "养老", 4, "需要食堂", "60-69"]

    def population_row(i: int) -> list[object]:
        lon, lat = INSIDE[i]
        return [f"小区{i}", lon, lat, 500]

    inventory = ["name", "category", "lon", "lat"]
    survey = ["编号", "小区", "经度", "纬度", "需求类别", "优先级", "意见", "年龄段"]
    population = ["name", "lon", "lat", "population"]
    for name, suffix, data in table_payloads(inventory, inventory_row, lon_i=2, lat_i=3):
        add(
            "inventory",
            name,
            suffix,
            data,
            lambda p: ["prepare", osm_source, "--facilities", p, "--quiet"],
        )
    for name, suffix, data in table_payloads(survey, survey_row, lon_i=2, lat_i=3):
        add("survey", name, suffix, data, lambda p: ["survey", "check", p, "--source", osm_source])
    for name, suffix, data in table_payloads(population, population_row, lon_i=1, lat_i=2):
        add(
            "population",
            name,
            suffix,
            data,
            lambda p: [
                "analyze",
                osm_source,
                "--population",
                p,
                "--out",
                str(folder / "out-population"),
                "--quiet",
                "--no-geopackage",
            ],
        )
    for name, text in scenario_payloads():
        add(
            "scenario",
            name,
            ".geojson",
            text.encode(),
            lambda p: [
                "compare",
                osm_source,
                "--scenario",
                p,
                "--out",
                str(folder / "out-scenario"),
                "--quiet",
            ],
        )
    for name, text in taxonomy_payloads(bundled_taxonomy):
        add(
            "taxonomy",
            name,
            ".yaml",
            text.encode(),
            lambda p: ["prepare", osm_source, "--taxonomy", p, "--quiet", "--no-cache"],
        )
    for name, suffix, data in osm_payloads(bomb_bytes):
        add("osm", name, suffix, data, lambda p: ["prepare", p, "--quiet", "--no-cache"])
    # Paths that are not regular files, given where a file or a folder is expected.
    for name, target in (
        ("dev-zero", "/dev/zero"),
        ("folder", str(folder)),
        ("missing", str(folder / "no-such.osm")),
    ):
        cases.append(Case(f"path:{name}", Path(target), ("prepare", target, "--quiet"), "osm"))
        cases.append(
            Case(
                f"path:facilities-{name}",
                Path(target),
                ("prepare", osm_source, "--facilities", target, "--quiet"),
                "inventory",
            )
        )
        cases.append(
            Case(
                f"path:survey-{name}",
                Path(target),
                ("survey", "check", target, "--source", osm_source),
                "survey",
            )
        )
    (folder / "a-file").write_text("x")
    # A pipe where a file is expected (never a real device: a rename over /dev/full as
    # root would replace the device if a check failed).
    os.mkfifo(folder / "a-pipe")
    for name, out in (
        ("is-folder", str(folder)),
        ("proc", "/proc/lifecircle/map.html"),
        ("under-file", str(folder / "a-file" / "map.html")),
        ("pipe", str(folder / "a-pipe")),
    ):
        cases.append(
            Case(f"out:map-{name}", Path(out), ("map", osm_source, "--out", out, "--quiet"), "out")
        )
        cases.append(
            Case(
                f"out:survey-{name}",
                Path(out),
                (
                    "survey",
                    "check",
                    str(folder / "survey-good.csv"),
                    "--source",
                    osm_source,
                    "--out",
                    out,
                ),
                "out",
            )
        )
    for name, out in (("proc", "/proc/lifecircle"), ("under-file", str(folder / "a-file" / "d"))):
        cases.append(
            Case(
                f"out:analyze-{name}",
                Path(out),
                ("analyze", osm_source, "--out", out, "--quiet", "--no-geopackage"),
                "out",
            )
        )
    return cases
