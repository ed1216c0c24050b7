"""The GeoPackage writer: layers in the order given, the file only when all are in."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyarrow.lib import ArrowNotImplementedError

from geo.export import write_geopackage
from geo.geopackage import GeoPackageWriter


def points(n: int, name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"label": [f"{name}{i}" for i in range(n)], "served": [i % 2 == 0 for i in range(n)]},
        geometry=[shapely.Point(121.5 + i * 1e-4, 31.2) for i in range(n)],
        crs="EPSG:4326",
    )


def test_layers_are_written_in_order_and_read_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    layers = {"b": points(5, "b"), "empty": points(0, "e"), "a": points(3, "a")}
    write_geopackage(path, layers)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["b", "a"]  # empty left out
    back = pyogrio.read_dataframe(path, layer="b")
    want = layers["b"].assign(served=layers["b"]["served"].astype("int8"))
    assert_geodataframe_equal(back, want, check_dtype=False)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_an_error_while_building_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    with pytest.raises(ValueError, match="built badly"), GeoPackageWriter(path) as writer:
        writer.add("a", points(3, "a"))
        raise ValueError("built badly")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_raises_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    bad = points(2, "x").assign(z=[1j, 2j])  # no GeoPackage field holds complex numbers
    with pytest.raises(ArrowNotImplementedError), GeoPackageWriter(path) as writer:
        writer.add("a", points(2, "a"))
        writer.add("complex", bad)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError, match="outside"):
        writer.add("late", points(1, "z"))
