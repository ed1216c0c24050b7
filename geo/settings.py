"""Settings passed explicitly (never process-wide globals: a Streamlit server shares them)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
"""The bundled districts, taxonomy and standards (``data/`` in the source tree)."""

DEFAULT_WALK_SPEED_KMH = 4.0
"""GB 50180-2018 puts the 15-minute circle at 800–1000 m, i.e. about 4 km/h."""

DEFAULT_OVERPASS_URL = "https://overpass-api.de/api"
DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org/"


def default_cache_dir() -> Path:
    """``$LIFECIRCLE_CACHE_DIR``, else the per-user cache folder of the platform."""
    env = os.environ.get("LIFECIRCLE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "lifecircle" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lifecircle"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lifecircle"


def default_overpass_url() -> str:
    """``$LIFECIRCLE_OVERPASS_URL`` (for example a local Overpass instance), else the public one."""
    return os.environ.get("LIFECIRCLE_OVERPASS_URL") or DEFAULT_OVERPASS_URL


def default_nominatim_url() -> str:
    """``$LIFECIRCLE_NOMINATIM_URL``, else the public Nominatim."""
    return os.environ.get("LIFECIRCLE_NOMINATIM_URL") or DEFAULT_NOMINATIM_URL


@dataclass(frozen=True)
class Settings:
    """Everything that changes how a district is loaded or analysed."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    walk_speed_kmh: float = DEFAULT_WALK_SPEED_KMH
    overpass_url: str = field(default_factory=default_overpass_url)
    nominatim_url: str = field(default_factory=default_nominatim_url)
    overpass_timeout_s: int = 180
    use_cache: bool = True

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
