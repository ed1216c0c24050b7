"""The study area as a box: ``west, south, east, north`` in WGS-84 degrees."""

from __future__ import annotations

import math

from geo.errors import InputFileError

BBox = tuple[float, float, float, float]  # west, south, east, north (WGS-84 degrees)


def parse_bbox(text: str) -> BBox:
    """Parse ``west,south,east,north`` (WGS-84 degrees), with a planner-readable error."""
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise InputFileError(f"bbox {text!r} must be four numbers: west,south,east,north") from exc
    if len(values) != 4:
        raise InputFileError(f"bbox {text!r} must be four numbers: west,south,east,north")
    west, south, east, north = values
    check_bbox((west, south, east, north))
    return (west, south, east, north)


def check_bbox(bbox: BBox) -> None:
    west, south, east, north = bbox
    if not all(math.isfinite(v) for v in bbox):
        raise InputFileError("the study-area bbox has non-numeric values")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        if -90 <= west <= 90 and -180 <= south <= 180 and abs(south) > 90:
            raise InputFileError(
                f"bbox {bbox} looks like latitude and longitude are swapped: "
                "give west,south,east,north (longitude first)"
            )
        raise InputFileError(
            f"bbox {bbox} is not a valid west,south,east,north box in WGS-84 degrees"
        )
    if (east - west) * (north - south) > 1.0:
        raise InputFileError(
            f"bbox {bbox} is larger than one square degree: lifecircle analyses districts, "
            "not regions; choose a smaller area"
        )
