"""The dashboard's user files: where they live and the stores over them (cached).

Everything here follows :mod:`geo.userdata`: a workshop's scenarios (one store per
district), the deliberation record, minutes and uploads are in the user data folder,
never in the source tree. :mod:`dashboard.loaders` re-exports these functions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from geo.scenarios.store import ScenarioStore
from geo.standards.taxonomy import load_taxonomy
from geo.userdata import UserData, purge_old_uploads, seed_examples

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data"
"""Where the bundled sample surveys are (``sample_survey_<district>.csv``)."""


def user_data() -> UserData:
    """The user data folder and its settings (:mod:`geo.userdata`; read from the
    environment on every call, so a test can point it elsewhere)."""
    return UserData()


@st.cache_resource(show_spinner=False)
def _purged_uploads(folder: str, retention_days: float) -> int:
    """Delete uploads older than the retention setting, once per server start."""
    return sum(
        purge_old_uploads(sub, retention_days=retention_days)
        for sub in [Path(folder), *(p for p in Path(folder).glob("*") if p.is_dir())]
    )


def uploads_folder() -> Path:
    """``<user data>/uploads`` (purged of files older than the retention setting)."""
    data = user_data()
    _purged_uploads(str(data.uploads_dir), data.upload_retention_days)
    return data.uploads_dir


@st.cache_resource(show_spinner=False, max_entries=32)
def _scenario_store_at(folder: str, district: str) -> ScenarioStore:
    # The district's shipped examples are copied in the first time (never written).
    seed_examples(Path(folder), district)
    return ScenarioStore(Path(folder), taxonomy=load_taxonomy(), district=district)


def scenario_store(district: str) -> ScenarioStore:
    """The scenarios of one district (``<user data>/scenarios/<district>/``, see
    :mod:`geo.userdata`); other districts' scenarios are never offered."""
    return _scenario_store_at(str(user_data().scenario_dir(district)), district)


def sample_survey(district: str) -> Path | None:
    """The bundled sample survey of ``district`` (``data/sample_survey_<district>.csv``),
    or ``None``: a district never gets another district's sample (0 rows would match)."""
    path = SAMPLE_DIR / f"sample_survey_{district}.csv"
    return path if district.isidentifier() and path.is_file() else None


def database_folder() -> Path:
    """Where ``deliberation.sqlite3`` is unless ``$LIFECIRCLE_DB_URL`` (see :mod:`geo.userdata`)."""
    return user_data().database_dir


def minutes_folder() -> Path:
    """Where the topics page writes minutes."""
    return user_data().minutes_dir


def save_upload(data: bytes, filename: str, folder_name: str) -> Path:
    """Store an uploaded file in the uploads folder, in a folder named by its content hash,
    under the user's own file name (letters, digits, - and _ only: never a path), so that
    messages name the file as the user knows it.

    Uploads hold residents' comments: they are kept
    ``$LIFECIRCLE_UPLOAD_RETENTION_DAYS`` days and purged when the server starts.
    """
    digest = hashlib.sha256(data).hexdigest()[:24]
    suffix = "".join(Path(filename).suffixes[-2:]).lower()
    safe_suffix = "".join(ch for ch in suffix if ch.isalnum() or ch == ".")[:16]
    stem = Path(filename).name[: -len(suffix) or None]
    safe_stem = "".join(ch for ch in stem if ch.isalnum() or ch in "-_")[:60] or "upload"
    folder = uploads_folder() / folder_name / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_stem}{safe_suffix}"
    if not path.exists():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path
