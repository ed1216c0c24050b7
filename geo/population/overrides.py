"""The user's population corrections for one district, saved as a small JSON file.

Per compound (小区): the floors of its homes, or its residents, and its elderly share;
per building: ``building:levels`` or ``height`` from a user file; for the district: an
elderly share. The file lives in the user data folder
(:func:`population_overrides_path`), never in the source tree.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from geo.errors import InputFileError
from geo.export import write_text_atomic
from geo.userdata import default_data_dir, district_folder_name

FORMAT_VERSION = 1
MAX_FLOORS = 100.0
"""The same cap as :class:`geo.access.homes.PopulationSettings` ``max_levels``."""
MAX_RESIDENTS = 1_000_000.0
"""No compound holds more residents than a whole 街道 of the densest kind."""


def population_overrides_path(district_name: str) -> Path:
    """``<user data>/<district>/population.json`` (``geo.userdata`` decides both names)."""
    return default_data_dir() / district_folder_name(district_name) / "population.json"


@dataclass(frozen=True)
class CompoundOverride:
    """What the user says about one compound; ``None`` keeps the estimate."""

    floors: float | None = None
    residents: float | None = None
    elderly_share: float | None = None

    def __post_init__(self) -> None:
        _check_range("floors", self.floors, low=1.0, high=MAX_FLOORS)
        _check_range("residents", self.residents, low=0.0, high=MAX_RESIDENTS)
        _check_range("elderly share", self.elderly_share, low=0.0, high=1.0)

    @property
    def is_empty(self) -> bool:
        return self.floors is None and self.residents is None and self.elderly_share is None

    def to_json(self) -> dict[str, float]:
        out = {"floors": self.floors, "residents": self.residents}
        out["elderly_share"] = self.elderly_share
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class BuildingLevels:
    """``building:levels`` and/or ``height`` for one building, from a user's file."""

    levels: float | None = None
    height_m: float | None = None

    def to_json(self) -> dict[str, float]:
        out = {"levels": self.levels, "height_m": self.height_m}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class PopulationOverrides:
    """Every correction for one district (empty: the README's estimate unchanged)."""

    compounds: Mapping[str, CompoundOverride] = field(default_factory=dict)
    buildings: Mapping[str, BuildingLevels] = field(default_factory=dict)
    elderly_share: float | None = None
    elderly_walk_m_per_min: float | None = None
    """Older residents' walking speed for the elderly items (:mod:`geo.population.elderly`)."""

    def __post_init__(self) -> None:
        _check_range("elderly share", self.elderly_share, low=0.0, high=1.0)
        _check_range("elderly walking speed", self.elderly_walk_m_per_min, low=20.0, high=66.7)

    @property
    def is_empty(self) -> bool:
        return (
            not self.compounds
            and not self.buildings
            and self.elderly_share is None
            and self.elderly_walk_m_per_min is None
        )

    def with_compound(self, key: str, override: CompoundOverride) -> PopulationOverrides:
        """A copy where compound ``key`` has ``override`` (an empty one removes it)."""
        compounds = dict(self.compounds)
        if override.is_empty:
            compounds.pop(key, None)
        else:
            compounds[key] = override
        return replace(self, compounds=compounds)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "elderly_share": self.elderly_share,
            "elderly_walk_m_per_min": self.elderly_walk_m_per_min,
            "compounds": {k: v.to_json() for k, v in sorted(self.compounds.items())},
            "buildings": {k: v.to_json() for k, v in sorted(self.buildings.items())},
        }

    @classmethod
    def from_json(cls, doc: Any, *, name: str = "population.json") -> PopulationOverrides:
        """Parse a saved document; anything malformed is one :class:`InputFileError`."""
        if not isinstance(doc, dict):
            raise InputFileError(f"{name}: not a population overrides document")
        try:
            compounds = {
                str(k): CompoundOverride(
                    floors=_number(v.get("floors")),
                    residents=_number(v.get("residents")),
                    elderly_share=_number(v.get("elderly_share")),
                )
                for k, v in _mapping(doc.get("compounds")).items()
            }
            buildings = {
                str(k): BuildingLevels(
                    levels=_number(v.get("levels")), height_m=_number(v.get("height_m"))
                )
                for k, v in _mapping(doc.get("buildings")).items()
            }
            return cls(
                compounds,
                buildings,
                _number(doc.get("elderly_share")),
                _number(doc.get("elderly_walk_m_per_min")),
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise InputFileError(f"{name}: {exc}") from exc


def load_overrides(path: Path) -> PopulationOverrides:
    """The overrides saved at ``path``; none when the file does not exist."""
    if not path.exists():
        return PopulationOverrides()
    try:
        text = path.read_text("utf-8-sig")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputFileError(f"{path.name} cannot be read as population overrides") from exc
    return PopulationOverrides.from_json(doc, name=path.name)


def saved_overrides(
    district_name: str, *, path: Path | None = None, use_saved: bool = True
) -> tuple[PopulationOverrides, Path | None]:
    """The corrections every command applies: those in ``path`` (which must exist), else
    the district's saved file (none if it does not exist); none with ``use_saved=False``.
    Also the file they came from (None when none was read)."""
    if not use_saved:
        return PopulationOverrides(), None
    if path is not None and not path.exists():
        raise InputFileError(f"population overrides file not found: {path.name}")
    found = path or population_overrides_path(district_name)
    return load_overrides(found), found if found.exists() else None


def overrides_digest(path: Path) -> str:
    """A short digest of the saved file (empty when there is none): a cache key."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(data).hexdigest()[:16]


def save_overrides(path: Path, overrides: PopulationOverrides) -> Path:
    """Write ``overrides`` to ``path`` atomically (a killed save leaves the old file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(overrides.to_json(), ensure_ascii=False, indent=2))
    except OSError as exc:
        raise InputFileError(f"cannot save {path.name}: {exc.strerror or exc}") from exc
    return path


def _mapping(value: Any) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected an object of entries")
    for entry in value.values():
        if not isinstance(entry, dict):
            raise ValueError("each entry must be an object")
    return value


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def _check_range(label: str, value: float | None, *, low: float, high: float) -> None:
    if value is None:
        return
    if not (math.isfinite(value) and low <= value <= high):
        raise InputFileError(f"{label} must be between {low:g} and {high:g}, not {value:g}")
