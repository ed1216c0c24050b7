"""Hostile boundary files: each is read, or refused with one typed line; never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.areas.boundaries import areas_in_district, read_area_file
from geo.district.model import District
from geo.errors import LifecircleError
from geo.limits import Limits
from tests.hostile_files import scenario_payloads


def _outcome(path: Path, district: District, limits: Limits | None = None) -> str:
    try:
        areas = areas_in_district(read_area_file(path, limits=limits), district)
    except LifecircleError as exc:
        text = str(exc)
        assert 1 <= len(text.splitlines()) <= 3, text
        assert str(path.parent) not in text, text  # names the file, not the folder
        return "refused"
    return f"read {len(areas)}"


def test_every_hostile_geojson_is_read_or_refused(tmp_path: Path, lujiazui: District) -> None:
    outcomes = {}
    for name, text in scenario_payloads():
        path = tmp_path / f"{name}.geojson"
        path.write_text(text, encoding="utf-8")
        outcomes[name] = _outcome(path, lujiazui)
    assert outcomes["deep"] == outcomes["nan-revision"] == outcomes["not-json"] == "refused"
    # All of eastern China is one area holding the district: read, and flagged partly_outside.
    assert outcomes["space-huge"] == "read 1"
    assert outcomes["one-point-link"] == outcomes["array"] == "refused"
    assert outcomes["good"] == outcomes["space-bowtie"] == "read 1"  # the bow-tie is mended
    assert outcomes["truncated"] == "refused"


def test_folders_devices_and_limits(tmp_path: Path, lujiazui: District) -> None:
    folder = tmp_path / "areas.geojson"
    folder.mkdir()
    assert _outcome(folder, lujiazui) == "refused"
    with pytest.raises(LifecircleError, match="not a regular file"):
        read_area_file(Path("/dev/zero"))
    many = tmp_path / "many.geojson"
    square = '{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":'
    square += "[[[121.49,31.23],[121.5,31.23],[121.5,31.24],[121.49,31.23]]]}}"
    many.write_text('{"type":"FeatureCollection","features":[' + ",".join([square] * 5) + "]}")
    with pytest.raises(LifecircleError, match="5 features, over the limit of 4"):
        read_area_file(many, limits=Limits(max_rows=4))
