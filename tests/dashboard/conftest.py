"""Fixtures for the dashboard's ``AppTest`` runs.

Two things about the environment matter here:

* ``dashboard.loaders.scenario_store`` is a ``st.cache_resource``: it reads
  ``LIFECIRCLE_SCENARIO_DIR`` once per process. The variable is set for the whole session,
  before any app runs, so no test ever writes into the repository's ``scenarios/``. (The
  district cache already lives in the session's temporary directory, see
  ``tests/conftest.py``.)
* The dashboard's pages live in ``dashboard/pages/``, a folder name Streamlit treats as an
  old-style (v1) multipage app until a script calls ``st.navigation``. A real server forgets
  that once any session has run the entrypoint; ``AppTest`` re-detects the folder on *every*
  run, so from the second run on it would execute the current page's file on its own,
  without the entrypoint (no sidebar, no context). :func:`app_test` therefore runs the app
  the way a server does after its first ``st.navigation`` call. The first-visit problem
  itself is a real bug, covered by ``tests/e2e/test_browser.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
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
        yield folder


class _NavigationPagesManager(PagesManager):
    """A PagesManager that, like a warmed-up server, ignores the ``pages/`` folder."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False


@pytest.fixture(scope="session")
def _navigation_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
        yield


@pytest.fixture
def app_test(_navigation_only: None, scenario_dir: Path) -> Callable[..., AppTest]:
    """Run the dashboard: ``app_test(lang="en")`` returns an AppTest after its first run."""

    def start(*, lang: str | None = None) -> AppTest:
        at = AppTest.from_file(str(APP_PATH), default_timeout=APP_TIMEOUT_S)
        if lang is not None:
            at.query_params["lang"] = lang
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start
