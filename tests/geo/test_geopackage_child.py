"""The GeoPackage written by a forked child: the same file as a thread writes, in order,
renamed into place only when every layer is in; failures leave nothing."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from pyarrow.lib import ArrowNotImplementedError

from geo.errors import OutputPathError
from geo.export import write_geopackage
from geo.geopackage_child import ChildGeoPackageWriter
from tests.geo.test_geopackage import points

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the forked path is Linux-only (macOS: spawn)"
)
BOTH = pytest.mark.parametrize("fork", [True, False], ids=["child", "thread"])


@BOTH
def test_the_same_layers_as_the_plain_writer_in_the_order_given(tmp_path: Path, fork: bool) -> None:
    first = {"nodes": points(40, "n"), "empty": points(0, "e"), "edges": points(7, "e")}
    later = [{"areas": points(3, "a")}, {"big": points(3000, "b")}]  # > a pipe's buffer
    path = tmp_path / "child.gpkg"
    with ChildGeoPackageWriter(path, fork=fork) as writer:
        writer.add_layers(first)
        for batch in later:
            writer.add_layers(batch)
    assert writer.forked is fork
    assert writer.busy_s > 0
    plain = tmp_path / "plain" / "plain.gpkg"
    plain.parent.mkdir()
    write_geopackage(plain, {**first, **later[0], **later[1]})
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert (
        names
        == [name for name, _ in pyogrio.list_layers(plain)]
        == [
            "nodes",
            "edges",
            "areas",
            "big",
        ]
    )
    for name in names:
        assert_geodataframe_equal(
            pyogrio.read_dataframe(path, layer=name), pyogrio.read_dataframe(plain, layer=name)
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child.gpkg", "plain"]


@BOTH
def test_an_error_while_building_leaves_no_file(tmp_path: Path, fork: bool) -> None:
    path = tmp_path / "out.gpkg"
    with (
        pytest.raises(ValueError, match="built badly"),
        ChildGeoPackageWriter(path, fork=fork) as writer,
    ):
        writer.add_layers({"a": points(3, "a")})
        raise ValueError("built badly")
    assert list(tmp_path.iterdir()) == []


@BOTH
def test_a_failed_write_in_the_writer_raises_and_leaves_no_file(tmp_path: Path, fork: bool) -> None:
    path = tmp_path / "out.gpkg"
    bad = points(2, "x").assign(z=[1j, 2j])  # no GeoPackage field holds complex numbers
    with pytest.raises(ArrowNotImplementedError), ChildGeoPackageWriter(path, fork=fork) as writer:
        writer.add_layers({"a": points(2, "a")})
        writer.add_layers({"complex": bad})
        writer.add_layers({"after": points(2, "c")})  # the child may be gone by now
    assert list(tmp_path.iterdir()) == []


def test_a_killed_child_is_a_clear_error_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    with (
        pytest.raises(OutputPathError, match="stopped before it finished"),
        ChildGeoPackageWriter(path, fork=True) as writer,
    ):
        writer.add_layers({"a": points(2, "a")})
        assert writer._process is not None and writer._process.pid is not None
        os.kill(writer._process.pid, signal.SIGKILL)
        writer._process.join()
    assert list(tmp_path.iterdir()) == []
