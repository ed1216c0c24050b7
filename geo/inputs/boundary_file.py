"""Opening a planner's boundary file (GeoJSON, GeoPackage, Shapefile): one guarded reader.

Used by the check-up units (:func:`geo.checkup.units.read_units`, ``lifecircle report
--units``) and the areas (:func:`geo.areas.boundaries.read_area_file`), so both refuse the
same bad files with the same one line: a folder, a device or a file over the byte limit
(:func:`geo.limits.checked_file`); GeoJSON that is not JSON, too deep, or has more
features than :attr:`geo.limits.Limits.max_rows` (checked before GDAL parses it); what
GDAL cannot read (its reason, naming the file by its name, never the server's folder);
and a geometry GEOS refuses (a one-point line).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import shapely

from geo.errors import InputFileError
from geo.limits import Limits, checked_file, parse_json_text, read_limited_bytes

__all__ = ["BOUNDARY_FILE_SUFFIXES", "one_line_reason", "read_boundary_frame"]

BOUNDARY_FILE_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


def one_line_reason(exc: BaseException, file: Path) -> str:
    """The first line of ``exc``, naming ``file`` by its name, without GDAL's driver advice."""
    message = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    for full in sorted({str(file.resolve()), str(file.absolute()), str(file)}, key=len)[::-1]:
        message = message.replace(full, file.name)
    message = message.replace("/vsizip/", "")  # GDAL's prefix for a zipped Shapefile
    message = message.split("; It might help")[0].rstrip(".; ")
    return message.removeprefix("IllegalArgumentException: ")


def _check_json(file: Path, lim: Limits, what: str) -> None:
    # Parsed by Python first: depth, NaN and huge numbers are refused, features counted.
    doc = parse_json_text(
        read_limited_bytes(file, max_bytes=lim.max_table_bytes, what=what), name=file.name
    )
    features = doc.get("features") if isinstance(doc, dict) else None
    if isinstance(features, list) and len(features) > lim.max_rows:
        raise InputFileError(
            f"{file.name} has {len(features):,} features, over the limit of "
            f"{lim.max_rows:,} (see 'Limits' in the README)"
        )


def read_boundary_frame(
    path: Path | str, *, limits: Limits | None = None, what: str = "boundary file"
) -> gpd.GeoDataFrame:
    """The features of a boundary file as read by GDAL, or one planner-readable error.

    Parameters
    ----------
    path
        A ``.geojson``/``.json``, ``.gpkg``, ``.shp`` or zipped Shapefile.
    limits
        Byte and feature limits (defaults: :class:`geo.limits.Limits`).
    what
        What the file holds, for the messages ("boundary file", "area file").

    Raises
    ------
    InputFileError
        One line naming the file (never its folder) and what is wrong with it.
    """
    file = Path(path)
    lim = limits or Limits()
    checked_file(file, max_bytes=lim.max_table_bytes, what=what)
    if file.suffix.lower() not in BOUNDARY_FILE_SUFFIXES:
        raise InputFileError(
            f"{file.name}: give the {what} as GeoJSON, a GeoPackage (.gpkg) or a Shapefile "
            "(.shp or .zip)"
        )
    if file.suffix.lower() in (".geojson", ".json"):
        _check_json(file, lim, what)
    try:
        with warnings.catch_warnings():
            # GDAL's warnings (an unclosed ring) go to stderr; the error below says it once.
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = gpd.read_file(file)
    except shapely.errors.ShapelyError as exc:  # e.g. a one-point line, as GEOS reads it
        raise InputFileError(
            f"{file.name} holds a geometry that cannot be read (a line or ring with too few "
            f"points, or a ring that does not close): {one_line_reason(exc, file)}"
        ) from exc
    except (RuntimeError, OSError, ValueError, UnicodeDecodeError) as exc:
        # pyogrio's errors are RuntimeErrors; one line for the planner: GDAL's reason.
        raise InputFileError(
            f"{file.name} is not a readable {what}: {one_line_reason(exc, file)}"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        raise InputFileError(f"{file.name} has no geometries")
    return frame
