"""A Streamlit server and an offline headless Chromium, for browser tests and benchmarks.

One copy of what the browser tests (``tests/e2e/``, ``tests/maps/test_offline.py``) and
the browser benchmark (:mod:`bench.browser`) all need, modelled on Streamlit's own
``e2e_playwright/conftest.py``:

* :func:`streamlit_server` runs ``streamlit run APP --server.headless true`` on a free
  port and yields once ``/_stcore/health`` answers ``ok`` (no sleeps: a health poll that
  notices at once if the server died); :func:`dashboard_server` runs ``dashboard/app.py``
  that way with its district cache and scenario folder in a temporary folder;
* :func:`launch_chromium` (and :func:`running_chromium`) start Debian's Chromium through
  Playwright;
* :func:`block_remote_requests` makes a browser context (or page) behave as on an offline
  machine: every request to another host is aborted, and recorded.

Only the standard library is imported here; Playwright is imported by
:func:`running_chromium` when it runs. Tests may import this module; it never imports
from ``tests``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_APP = Path("dashboard") / "app.py"
"""The dashboard's entrypoint, relative to :data:`REPO_ROOT` (the server's working folder)."""

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHROMIUM_MISSING = (
    f"{CHROMIUM} is not installed: apt-get install chromium fonts-noto-cjk (see .ci/run)"
)
"""What a browser test says when it cannot run (it fails, never skips)."""

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
OFFLINE_SCHEMES = frozenset({"http", "https", "ws", "wss"})
REMOTE_URL = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?/)")
"""Every URL but this machine's (``http(s)``/``ws(s)`` on 127.0.0.1 or localhost)."""
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
HEALTH_PATH = "/_stcore/health"
LOG_TAIL_LINES = 40


class ServerStartError(RuntimeError):
    """The Streamlit server exited, or did not answer its health check in time."""


# --- the server -----------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, *, timeout_s: float) -> None:
    """Poll ``url`` until it answers ``ok``; raise at once if ``process`` exits.

    Raises
    ------
    ServerStartError
        The process exited, or ``url`` did not answer ``ok`` within ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=1) as response,
        ):
            if response.read().decode().strip() == "ok":
                return
        try:  # a short wait before the next poll that notices at once if the server died
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
        raise ServerStartError(f"streamlit exited with status {process.returncode}")
    raise ServerStartError(f"streamlit did not answer {url} within {timeout_s:g} s")


@dataclass(frozen=True)
class StreamlitServer:
    """A running ``streamlit run``: its address, its process and its log file."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def url(self, path: str = "") -> str:
        return f"{self.base_url}{path}"

    def log(self) -> str:
        """Everything the server printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def streamlit_server(
    app: Path,
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_path: Path,
    port: int | None = None,
    options: Mapping[str, str] | None = None,
    timeout_s: float = SERVER_START_TIMEOUT_S,
) -> Iterator[StreamlitServer]:
    """``streamlit run app`` on 127.0.0.1, ready once its health check answers ``ok``.

    Parameters
    ----------
    app
        The script, as given on the command line (relative paths are from ``cwd``).
    cwd
        The server's working folder (its ``.streamlit/config.toml`` applies).
    env
        The server's whole environment.
    log_path
        Where the server's stdout and stderr go.
    port
        The port; a free one by default.
    options
        More ``--name value`` options, e.g. ``{"server.enableStaticServing": "true"}``.
    timeout_s
        How long the health check may take before :class:`ServerStartError`.

    The server is stopped (terminated, killed after 10 s) on the way out. The error raised
    when it does not start ends with the tail of its log.
    """
    port = free_port() if port is None else port
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
    ]  # fmt: skip
    for name, value in (options or {}).items():
        command += [f"--{name}", value]
    command += ["--browser.gatherUsageStats", "false"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    server = StreamlitServer(
        base_url=f"http://127.0.0.1:{port}", process=process, log_path=log_path
    )
    try:
        try:
            wait_until_healthy(process, server.url(HEALTH_PATH), timeout_s=timeout_s)
        except ServerStartError as exc:
            raise ServerStartError(f"{exc}\n--- streamlit log ---\n{server.log_tail()}") from exc
        yield server
    finally:
        _stop(process)


def with_repo_on_pythonpath(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the repository first on ``PYTHONPATH``, so the server imports this tree."""
    paths = [str(REPO_ROOT), env.get("PYTHONPATH")]
    return {**env, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


@dataclass(frozen=True)
class DashboardServer(StreamlitServer):
    """The dashboard's server, with the folders it writes to."""

    cache_dir: Path
    scenario_dir: Path


@contextlib.contextmanager
def dashboard_server(
    workdir: Path,
    *,
    cache_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    db_url: str | None = None,
) -> Iterator[DashboardServer]:
    """``streamlit run dashboard/app.py`` from the repository root, on a free port.

    The district cache is ``cache_dir`` (``workdir/cache`` by default) and the user data
    folder follows its default rule under a temporary ``HOME`` and ``XDG_DATA_HOME``
    (``workdir/xdg-data/lifecircle``: scenarios of a district in
    ``scenario_dir/<district>/``), so the server never writes into the repository or the
    user's folders; its log is ``workdir/streamlit.log``. No Tianditu key reaches it (the
    basemaps stay the offline defaults). The file watcher is off, so that edits in the
    working tree do not rerun the app under a test or a benchmark. ``env`` adds variables
    to the server's environment (for example ``LIFECIRCLE_LARGE_MAP_NODES``). The
    deliberation record is ``db_url`` when given, else SQLite in the user data folder:
    never a ``$LIFECIRCLE_DB_URL`` of the calling environment.
    """
    cache_dir = workdir / "cache" if cache_dir is None else cache_dir
    home_dir = workdir / "home"
    data_home = workdir / "xdg-data"
    scenario_dir = data_home / "lifecircle" / "scenarios"
    cache_dir.mkdir(parents=True, exist_ok=True)
    home_dir.mkdir(parents=True, exist_ok=True)
    server_env = with_repo_on_pythonpath(os.environ)
    server_env.update(env or {})
    server_env["LIFECIRCLE_CACHE_DIR"] = str(cache_dir)
    # The user data folder by its default rule (geo.userdata), in the workdir: a temporary
    # home and XDG data folder, no LIFECIRCLE_DATA_DIR or LIFECIRCLE_SCENARIO_DIR.
    for name in ("LIFECIRCLE_DATA_DIR", "LIFECIRCLE_SCENARIO_DIR"):
        server_env.pop(name, None)
    server_env["HOME"] = str(home_dir)
    server_env["XDG_DATA_HOME"] = str(data_home)
    server_env.pop("TIANDITU_KEY", None)
    server_env.pop("LIFECIRCLE_DB_URL", None)
    if db_url is not None:
        server_env["LIFECIRCLE_DB_URL"] = db_url
    options = {"server.enableStaticServing": "true", "server.fileWatcherType": "none"}
    with streamlit_server(
        DASHBOARD_APP,
        cwd=REPO_ROOT,
        env=server_env,
        log_path=workdir / "streamlit.log",
        options=options,
    ) as server:
        yield DashboardServer(
            base_url=server.base_url,
            process=server.process,
            log_path=server.log_path,
            cache_dir=cache_dir,
            scenario_dir=scenario_dir,
        )


# --- the browser ----------------------------------------------------------------------------
def launch_chromium(playwright: Any, *, args: Sequence[str] = CHROMIUM_ARGS) -> Any:
    """Debian's headless Chromium (:data:`CHROMIUM`) through a started Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(args))


@contextlib.contextmanager
def running_chromium(*, args: Sequence[str] = CHROMIUM_ARGS) -> Iterator[Any]:
    """Playwright and :func:`launch_chromium`'s browser, both closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, args=args)
        try:
            yield browser
        finally:
            browser.close()


class BlockedRequest(NamedTuple):
    """A request :func:`block_remote_requests` aborted."""

    resource_type: str  # Playwright's: "image", "script", "stylesheet", "font", ...
    url: str


def is_remote(url: str) -> bool:
    """True for an http(s) or WebSocket URL whose host is not this machine."""
    parts = urlsplit(url)
    return parts.scheme in OFFLINE_SCHEMES and parts.hostname not in LOCAL_HOSTS


def block_remote_requests(target: Any) -> list[BlockedRequest]:
    """Abort every request of ``target`` (a browser context or a page) to another host.

    The request fails as on a machine with no internet (``internetdisconnected``). Returns
    the list the aborted requests are appended to, as they happen. Register it before the
    first navigation.
    """
    blocked: list[BlockedRequest] = []

    def route(route: Any) -> None:
        request = route.request
        if is_remote(request.url):
            blocked.append(BlockedRequest(request.resource_type, request.url))
            route.abort("internetdisconnected")
        else:
            route.continue_()

    # Only requests to other hosts are routed through Python: the pattern is matched in the
    # browser, so the page's own requests (a Streamlit page makes ~80) take no detour.
    target.route(REMOTE_URL, route)
    return blocked
