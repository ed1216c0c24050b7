"""Browser-test fixtures: a shared Streamlit server, offline Chromium, screenshots.

The server, Chromium and the offline request blocking come from ``bench/harness.py``
(shared with ``tests/maps/test_offline.py`` and the browser benchmark), modelled on
Streamlit's own ``e2e_playwright/conftest.py``: the server runs ``streamlit run
--server.headless true`` on a free port and is ready once ``/_stcore/health`` answers
``ok``; every page is opened in a fresh browser context whose requests to any other host
are aborted (as on an offline machine) and recorded, with JavaScript errors and console
errors collected. Every test leaves a screenshot in ``tests/artifacts/``
(``e2e-<test>.png``, or ``e2e-<test>-FAILED.png`` when it failed). No sleeps: only
Playwright's waits.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bench.harness import (
    CHROMIUM,
    CHROMIUM_MISSING,
    LOCAL_HOSTS,
    BlockedRequest,
    DashboardServer,
    block_remote_requests,
    dashboard_server,
    running_chromium,
)
from lifecircle.maps import BASEMAPS

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
# On a deep link (/gaps) Streamlit's frontend first looks for the server under that path
# (/gaps/_stcore/health), gets a 404 and falls back to the root: expected, not a bug.
STREAMLIT_BASE_PATH_PROBE = re.compile(r"^/[^/]+/_stcore/(?:health|host-config)$")
VIEWPORT = {"width": 1400, "height": 1000}


def _tile_host_patterns() -> list[re.Pattern[str]]:
    """Hosts of every basemap's tile URL template (``{s}`` is a subdomain)."""
    patterns = []
    for basemap in BASEMAPS.values():
        for template in basemap.tiles:
            host = urlsplit(template.replace("{s}", "SUBDOMAIN")).hostname or ""
            patterns.append(re.compile(re.escape(host).replace("subdomain", "[a-z0-9]+") + r"\Z"))
    return patterns


TILE_HOSTS = _tile_host_patterns()


def is_tile_request(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return any(pattern.match(host) for pattern in TILE_HOSTS)


@dataclass
class BrowserLog:
    """What a page did that a test checks afterwards."""

    blocked: list[BlockedRequest] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[tuple[int, str]] = field(default_factory=list)  # local 4xx/5xx

    def blocked_other_than_tiles(self) -> list[tuple[str, str]]:
        return [(kind, url) for kind, url in self.blocked if not is_tile_request(url)]

    def blocked_assets(self) -> list[str]:
        return [url for kind, url in self.blocked if kind in {"script", "stylesheet", "font"}]

    def unexpected_console_errors(self) -> list[str]:
        # A blocked request (a tile) logs "Failed to load resource: net::ERR_...".
        return [e for e in self.console_errors if not e.startswith("Failed to load resource")]

    def assert_clean(self) -> None:
        """No JS error, nothing but map tiles asked from the internet, no local 404."""
        assert self.page_errors == []
        assert self.unexpected_console_errors() == []
        assert self.blocked_assets() == []
        assert self.blocked_other_than_tiles() == []
        assert {kind for kind, _ in self.blocked} <= {"image"}
        assert self.bad_responses == []


def repository_state() -> tuple[str, str]:
    """What ``git status`` sees (tracked changes, untracked files) and a digest of the
    tracked changes' content, so a second change to an already changed file shows too."""

    def git(*args: str) -> bytes:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, check=True, timeout=60
        ).stdout

    status = git("status", "--porcelain", "--untracked-files=all").decode("utf-8")
    return status, hashlib.sha256(git("diff", "HEAD", "--binary")).hexdigest()


@pytest.fixture(scope="session")
def repository_before_server() -> tuple[str, str]:
    """:func:`repository_state` before :func:`streamlit_server` started."""
    return repository_state()


@pytest.fixture(scope="session")
def streamlit_server(
    tmp_path_factory: pytest.TempPathFactory,
    _cache_dir_in_tmp: Path,
    repository_before_server: tuple[str, str],
) -> Iterator[DashboardServer]:
    """The server of the browser-test files (one per pytest-xdist worker), warmed up by
    :func:`app_server` before tests use it.

    Its district cache is the session's (``_cache_dir_in_tmp``), its scenario folder one
    of its own. Shared by the files, as a dashboard is by its users: every test opens its
    own session (its own browser context), and what a test saves (a scenario) is named
    for that test. A test that needs a server nobody has used asks for
    :func:`fresh_streamlit_server`; one that changes the server's settings starts its own.
    """
    with dashboard_server(
        tmp_path_factory.mktemp("e2e-server"), cache_dir=_cache_dir_in_tmp
    ) as server:
        yield server


# Servers a page was opened on (base URLs): the shared server is "fresh" until then.
_VISITED: set[str] = set()


@pytest.fixture
def fresh_streamlit_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _cache_dir_in_tmp: Path,
) -> Iterator[DashboardServer]:
    """A server no session has visited yet, for tests of a first visit.

    The shared server while nothing has opened a page on it (the first browser test of
    a worker: it saves a server start), else one started for the test.
    """
    module_server: DashboardServer = request.getfixturevalue("streamlit_server")
    if module_server.base_url not in _VISITED:
        _VISITED.add(module_server.base_url)
        yield module_server
        return
    with dashboard_server(
        tmp_path_factory.mktemp("e2e-fresh"), cache_dir=_cache_dir_in_tmp
    ) as server:
        _VISITED.add(server.base_url)
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for the module (Playwright's sync API allows one running instance in a
    process: others, as in ``tests/maps/test_offline.py``, start after this one stops)."""
    if not CHROMIUM.exists():
        pytest.fail(CHROMIUM_MISSING)
    pytest.importorskip("playwright.sync_api")
    with running_chromium() as chromium:
        yield chromium


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, for the screenshot-on-failure fixture."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _artifact_name(node: pytest.Item) -> str:
    return "e2e-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name).strip("_")


@pytest.fixture
def offline_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, BrowserLog]]:
    """A fresh page (own context, own Streamlit session) that cannot reach the internet."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    log = BrowserLog(blocked=block_remote_requests(context))

    def on_response(response: Any) -> None:
        parts = urlsplit(response.url)
        if response.status < 400 or parts.hostname not in LOCAL_HOSTS:
            return
        if response.status == 404 and STREAMLIT_BASE_PATH_PROBE.search(parts.path):
            return
        log.bad_responses.append((response.status, response.url))

    def on_console(message: Any) -> None:
        if message.type == "error":
            log.console_errors.append(message.text)

    page = context.new_page()
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("console", on_console)
    page.on("response", on_response)
    try:
        yield page, log
    finally:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        report = getattr(request.node, "report_call", None)
        failed = report is None or report.failed
        name = _artifact_name(request.node)
        # The screenshot of this run only: no stale "-FAILED" picture next to a pass.
        for stale in (f"{name}.png", f"{name}-FAILED.png"):
            (ARTIFACTS_DIR / stale).unlink(missing_ok=True)
        try:
            page.screenshot(
                path=str(ARTIFACTS_DIR / f"{name}{'-FAILED' if failed else ''}.png"),
                animations="disabled",
            )
        finally:
            context.close()


FIRST_RUN_TIMEOUT_MS = (
    240_000  # a cold start loads and analyses the district (slow on a busy machine)
)


# Servers that had the visit of :func:`app_server` (base URLs).
_WARMED: set[str] = set()


@pytest.fixture(scope="module")
def app_server(browser: Any, streamlit_server: DashboardServer) -> DashboardServer:
    """The shared server after one visit of the map page (made by the first module that
    asks for it).

    The visit loads the district into the server's caches, and it makes the server run the
    entrypoint once, which is what switches Streamlit from the ``pages/`` folder to
    ``st.navigation`` (see ``test_browser.py::test_a_deep_link_works_as_the_first_visit``).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    if streamlit_server.base_url in _WARMED:
        return streamlit_server
    context = browser.new_context(viewport=VIEWPORT)
    _VISITED.add(streamlit_server.base_url)
    try:
        page = context.new_page()
        page.goto(streamlit_server.url("/?lang=en"))
        page.locator('iframe[title="streamlit_folium.st_folium"]').wait_for(
            timeout=FIRST_RUN_TIMEOUT_MS
        )
    except PlaywrightTimeoutError as exc:
        raise RuntimeError(f"the app did not start: {exc}\n{streamlit_server.log()}") from exc
    finally:
        context.close()
    _WARMED.add(streamlit_server.base_url)
    return streamlit_server


DOWNLOAD_TRY_MS = 30_000


def click_download(button: Any, *, timeout_ms: int, try_ms: int = DOWNLOAD_TRY_MS) -> Any:
    """Click a download button until the browser gets its file; the Download.

    Streamlit gives a lazily built download a new id on every run of the page: a click that
    lands while a late rerun (the map's first value, say) replaces the button asks for an id
    the server has just dropped, and nothing comes back. A person clicks again; so does
    this (after ``try_ms`` without a file), until ``timeout_ms`` has passed in all.
    """
    import time

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = button.page
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left_ms = max(1_000, int((deadline - time.monotonic()) * 1000))
        try:
            with page.expect_download(timeout=min(try_ms, left_ms)) as info:
                button.click(timeout=left_ms)
            return info.value
        except PlaywrightTimeout:
            if time.monotonic() >= deadline:
                raise
