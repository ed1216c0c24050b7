"""Typed errors raised by the core.

The dashboard and the CLI catch :class:`LifecircleError` and show its message, which is
written for a planner, not a programmer.
"""

from __future__ import annotations


class LifecircleError(Exception):
    """Base class of every error the core raises on purpose."""


class InputFileError(LifecircleError, ValueError):
    """A file given by the user is missing, empty, unreadable or of the wrong kind."""


class OsmDataError(InputFileError):
    """An OSM file parsed but holds nothing usable (for example no walkable ways)."""


class TaxonomyError(LifecircleError, ValueError):
    """A taxonomy file is malformed or refers to unknown categories."""


class CoordinateError(LifecircleError, ValueError):
    """Coordinates are out of range, swapped, outside the study area or in an unknown CRS."""


class NetworkError(LifecircleError, ValueError):
    """The walking network cannot answer the question (for example it is empty)."""


class OfflineError(LifecircleError, ConnectionError):
    """An online source (Overpass, Nominatim) was asked for but cannot be reached."""


class CacheError(LifecircleError, OSError):
    """The cache folder cannot be written."""


class OutputPathError(LifecircleError, OSError):
    """An output path given by the user is a folder, a device, or cannot be written."""
