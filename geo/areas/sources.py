"""Which areas an analysis uses: the user's file, else OSM's closed boundaries, else none.

The dashboard adds two places before OSM: a boundary file the user uploaded for the
district (kept in the user data folder, :func:`saved_area_file`), and after OSM the
shipped illustrative example of a bundled district (:func:`example_area_file`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from geo.areas.boundaries import Areas, areas_from_osm, areas_in_district, read_area_file
from geo.district.model import District
from geo.errors import OutputPathError
from geo.inputs.coords import CoordSystem
from geo.userdata import default_data_dir, district_folder_name

__all__ = [
    "EXAMPLES_DIR",
    "example_area_file",
    "load_areas",
    "remove_saved_areas",
    "save_areas",
    "saved_area_file",
]

EXAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "data"
"""Where the shipped illustrative area files are (``areas_<district>.geojson``)."""


def example_area_file(district_name: str) -> Path | None:
    """The shipped illustrative area file of a bundled district, if there is one."""
    path = EXAMPLES_DIR / f"areas_{district_name}.geojson"
    return path if district_name.isidentifier() and path.is_file() else None


def saved_area_file(district_name: str, *, data_dir: Path | None = None) -> Path:
    """``<user data>/<district>/areas.geojson``: the boundary file uploaded for a district."""
    root = data_dir if data_dir is not None else default_data_dir()
    return root / district_folder_name(district_name) / "areas.geojson"


def load_areas(
    district: District,
    *,
    path: Path | None = None,
    coord_system: CoordSystem = CoordSystem.WGS84,
    name_column: str | None = None,
    level: str | None = None,
    example: bool = False,
) -> Areas | None:
    """The areas of ``district``, checked against it: from ``path`` when given, else
    OSM's closed administrative polygons, else (``example``) the shipped example, else None.
    """
    if path is not None:
        return areas_in_district(
            read_area_file(path, coord_system=coord_system, name_column=name_column), district
        )
    osm = areas_from_osm(district, level=level)
    if osm is not None:
        return areas_in_district(osm, district)
    shipped = example_area_file(district.meta.name) if example else None
    if shipped is None:
        return None
    areas = areas_in_district(read_area_file(shipped), district)
    # Its source says what it is: "example", an illustrative split, not a boundary.
    return Areas(frame=areas.frame, source="example", label=shipped.name, notes=areas.notes)


def save_areas(areas: Areas, path: Path) -> Path:
    """Keep checked areas as WGS-84 GeoJSON (``name`` per area) at ``path``, atomically:
    a failed save leaves the previous file whole."""
    text = areas.frame[["name", "geometry"]].to_json(drop_id=True, ensure_ascii=False)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".areas.", suffix=".tmp")
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o644)
        tmp.replace(path)
    except OSError as exc:
        raise OutputPathError(f"cannot save the areas: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return path


def remove_saved_areas(path: Path) -> bool:
    """Forget a district's uploaded areas; whether there was a file."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputPathError(f"cannot remove {path.name}: {exc.strerror}") from exc
    return True
