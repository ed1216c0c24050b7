"""The OSM reader (libosmium's OPL text parsed into arrays) against an ElementTree oracle.

pyrosm's ``test.osm.pbf`` is a real extract cut at its edge; it is copied to XML and read
by :mod:`tests.oracles.osm_xml`, which knows nothing of the reader's parsing. Tag values
with the characters OPL escapes (commas, ``=``, ``%``, spaces, Chinese) come back as
written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely

from geo.osm.opl import parse_tags, unescape
from geo.osm.reader import feature_query_tags, read_osm_file
from geo.osm.walking import is_pedestrian_area, is_walkable
from geo.standards.taxonomy import Taxonomy
from tests.oracles.osm_xml import XmlReading, feature_ids, read_xml, walk_pairs

EXTRACT = Path(__file__).resolve().parents[2] / "fixtures" / "osm" / "test.osm.pbf"


def _walks(refs: tuple[int, ...], tags: dict[str, str]) -> bool:
    closed = len(refs) >= 4 and refs[0] == refs[-1]
    return is_walkable(tags) or (closed and is_pedestrian_area(tags))


@pytest.fixture(scope="module")
def as_xml(tmp_path_factory: pytest.TempPathFactory) -> XmlReading:
    path = tmp_path_factory.mktemp("xml") / "test.osm"
    writer = osmium.SimpleWriter(str(path))
    try:
        for obj in osmium.FileProcessor(str(EXTRACT)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    finally:
        writer.close()
    return read_xml(path)


def test_cut_extract_matches_the_xml_oracle(as_xml: XmlReading, taxonomy: Taxonomy) -> None:
    query = feature_query_tags(taxonomy.osm_query_tags())
    _, raw = read_osm_file(
        EXTRACT, feature_tags=taxonomy.osm_query_tags(), keep_keys=taxonomy.osm_keys()
    )
    ways = raw.ways
    want = walk_pairs(as_xml, _walks)
    way_ids = ways.way_osm_id[ways.way]
    got = dict(
        zip(
            zip(ways.u.tolist(), ways.v.tolist(), way_ids.tolist(), strict=True),
            ways.length_m.tolist(),
            strict=True,
        )
    )
    assert len(want) > 1000  # the extract has a real network
    assert got.keys() == want.keys()
    assert np.allclose([got[k] for k in want], list(want.values()), rtol=0, atol=1e-6)
    # every node of a pair, at the file's coordinates
    used = {n for u, v, _ in want for n in (u, v)}
    assert set(ways.node_ids.tolist()) == used
    coords = dict(zip(ways.node_ids.tolist(), zip(ways.lon, ways.lat, strict=True), strict=True))
    assert all(coords[n] == as_xml.nodes[n] for n in used)
    # features: ids, and way lines with the file's coordinates
    features = raw.features
    assert set(features.index) == feature_ids(as_xml, query)
    refs = {way_id: r for way_id, r, _ in as_xml.ways}
    for (element, osm_id), geom in features.geometry.items():
        if element == "way" and geom.geom_type == "LineString":
            assert list(geom.coords) == [as_xml.nodes[r] for r in refs[osm_id]]
    assert raw.data_date == as_xml.newest[:10]


def test_escaped_tag_values_come_back_as_written(tmp_path: Path, taxonomy: Taxonomy) -> None:
    name = "人民路 50% off, a=b @home"
    path = tmp_path / "escaped.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '<node id="1" lon="121.50" lat="31.23"/>\n'
        '<node id="2" lon="121.51" lat="31.23"/>\n'
        '<node id="3" lon="121.505" lat="31.235">\n'
        f'  <tag k="amenity" v="clinic"/><tag k="name" v="{name}"/>\n</node>\n'
        '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="99"/>\n'
        f'  <tag k="highway" v="footway"/><tag k="name" v="{name}"/>\n</way>\n</osm>\n',
        encoding="utf-8",
    )
    _, raw = read_osm_file(
        path, feature_tags=taxonomy.osm_query_tags(), keep_keys=taxonomy.osm_keys()
    )
    assert raw.features.loc[("node", 3), "name"] == name
    assert raw.ways.way_name == [name]  # the way is cut (node 99 is missing) and kept
    assert raw.ways.u.tolist() == [1] and raw.ways.v.tolist() == [2]
    assert raw.repairs["ways_cut_at_edge"] == 1


@pytest.mark.parametrize(
    ("field", "tags"),
    [
        (b"", {}),
        (b"highway=footway", {"highway": "footway"}),
        (b"name=%4eba%%6c11%%8def%,a%3d%b=c%2c%d", {"name": "人民路", "a=b": "c,d"}),
    ],
)
def test_opl_tags(field: bytes, tags: dict[str, str]) -> None:
    assert parse_tags(field) == tags
    assert parse_tags(field + b",name:en=x", keys={"name", "highway"}) == {
        k: v for k, v in tags.items() if k in ("name", "highway")
    }
    assert unescape("100%25%") == "100%"


def test_an_invalid_outline_is_repaired_and_valid_ones_are_kept(
    tmp_path: Path, taxonomy: Taxonomy
) -> None:
    # A bow-tie building (its outline crosses itself) next to a plain square one.
    square = [(121.50, 31.23), (121.501, 31.23), (121.501, 31.231), (121.50, 31.231)]
    bowtie = [(121.51, 31.23), (121.511, 31.231), (121.511, 31.23), (121.51, 31.231)]
    nodes = "".join(
        f'<node id="{i}" lon="{x}" lat="{y}"/>\n'
        for i, (x, y) in enumerate(square + bowtie, start=1)
    )
    ways = "".join(
        f'<way id="{way_id}">{"".join(f"<nd ref={chr(34)}{r}{chr(34)}/>" for r in refs)}'
        '<tag k="building" v="yes"/></way>\n'
        for way_id, refs in ((10, [1, 2, 3, 4, 1]), (11, [5, 6, 7, 8, 5]))
    )
    path = tmp_path / "outlines.osm"
    street = '<way id="12"><nd ref="1"/><nd ref="5"/><tag k="highway" v="footway"/></way>\n'
    body = f"{nodes}{ways}{street}"
    path.write_text(f'<?xml version="1.0"?>\n<osm version="0.6">\n{body}</osm>\n')
    _, raw = read_osm_file(
        path, feature_tags=taxonomy.osm_query_tags(), keep_keys=taxonomy.osm_keys()
    )
    geoms = raw.features.geometry
    assert shapely.is_valid(geoms.to_numpy()).all()
    assert geoms.loc[("way", 10)].equals_exact(shapely.Polygon(square + square[:1]), 0)
    want = shapely.make_valid(shapely.Polygon(bowtie + bowtie[:1]))
    assert geoms.loc[("way", 11)].equals_exact(want, 0)
    assert not shapely.Polygon(bowtie + bowtie[:1]).is_valid  # the oracle's premise


def test_a_location_out_of_range_is_an_error_not_an_abort(tmp_path: Path) -> None:
    """libosmium's OPL writer throws on ``lat="200"`` in its own thread, which ends the
    process (``std::terminate``); the pass runs in a child, so this process gets an error
    it can report, and goes on (the hostile corpus' ``lat-200.osm``)."""
    import gc

    from geo.osm.opl import read_tagged

    bad = tmp_path / "lat-200.osm"
    nodes = "".join(
        f'<node id="{i}" version="1" lat="{200 if i == 1 else 31.229}" lon="121.{498 + i}"/>'
        for i in range(1, 4)
    )
    way = '<way id="9" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
    way += '<tag k="highway" v="footway"/></way>'
    bad.write_text(f'<?xml version="1.0"?><osm version="0.6">{nodes}{way}</osm>', "utf-8")
    with pytest.raises(RuntimeError, match="invalid location"):
        list(read_tagged(bad))
    gc.collect()  # the failed writer is gone with its child process
