"""Fixtures for the dashboard's ``AppTest`` runs.

Two things about the environment matter here:

* ``LIFECIRCLE_SCENARIO_DIR`` is set for the whole session, before any app runs, so the
  scenarios of every district (``<folder>/<district>/``, see ``geo.userdata``) and the
  deliberation record go to a temporary folder, never to the user's data folder. (The
  district cache already lives in the session's temporary directory, see
  ``tests/conftest.py``.)
* The dashboard's pages live in ``dashboard/views/``, not ``pages/``: Streamlit would treat
  a ``pages/`` folder next to the entrypoint as an old-style multipage app and run a page's
  file on its own, without the entrypoint's sidebar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_PATH = REPO_ROOT / "dashboard" / "app.py"
APP_TIMEOUT_S = 120


@pytest.fixture(scope="session", autouse=True)
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The scenario folder of every app run in this session (never the repository's)."""
    folder = tmp_path_factory.mktemp("scenarios")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFECIRCLE_SCENARIO_DIR", str(folder))
        # The deliberation record too: SQLite in that folder, never a database set outside.
        mp.delenv("LIFECIRCLE_DB_URL", raising=False)
        yield folder


@pytest.fixture
def app_test(scenario_dir: Path) -> Callable[..., AppTest]:
    """Run the dashboard: ``app_test(lang="en")`` returns an AppTest after its first run."""

    def start(*, lang: str | None = None) -> AppTest:
        at = AppTest.from_file(str(APP_PATH), default_timeout=APP_TIMEOUT_S)
        if lang is not None:
            at.query_params["lang"] = lang
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start
