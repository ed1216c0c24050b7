"""``lifecircle dashboard [SOURCE]``: start the Streamlit dashboard.

SOURCE (a bundled district or a local ``.osm``/``.osm.bz2``/``.osm.pbf`` file, as in
``prepare``) is the district the dashboard opens on; it reaches the server as
``$LIFECIRCLE_DASHBOARD_SOURCE``. ``--address 0.0.0.0`` serves a workshop on a LAN.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lifecircle.dashboard_source import SOURCE_ENV


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="open the dashboard in your browser (Streamlit)")
    p.add_argument(
        "source",
        nargs="?",
        help="open on this district: an .osm/.osm.bz2/.osm.pbf file or a bundled district "
        "(lujiazui, wangjing); default lujiazui",
    )
    p.add_argument("--port", type=int, default=8501, help="the port to serve on (default 8501)")
    p.add_argument(
        "--address",
        default="localhost",
        help="the address to serve on: localhost (default; this computer only) or 0.0.0.0 "
        "(every network interface, for phones in a workshop on the same LAN)",
    )
    p.set_defaults(handler=cmd_dashboard)


def source_value(source: str | None) -> str | None:
    """What ``$LIFECIRCLE_DASHBOARD_SOURCE`` gets: a bundled name, or an absolute path.

    Raises
    ------
    geo.errors.InputFileError
        If SOURCE is neither a bundled district nor an existing file.
    """
    if not source:
        return None
    from geo.district.loader import bundled_districts, resolve_source

    if source in bundled_districts():
        return source
    path, _ = resolve_source(source)
    if not path.is_file():
        from geo.errors import InputFileError

        raise InputFileError(f"'{source}' is not a file")
    return str(path.resolve())


def cmd_dashboard(args: argparse.Namespace) -> int:
    import os
    import secrets
    import subprocess

    source = source_value(args.source)  # a bad SOURCE: one line, exit 2 (cli.main)
    app = Path(__file__).resolve().parent.parent.parent / "dashboard" / "app.py"
    # The served map assets exist before Streamlit starts: it looks for its static folder
    # once, at start-up (else a warning), and nothing is then written under the folder
    # it watches while the first visitor waits.
    from lifecircle.maps.offline import prepare_served_assets

    prepare_served_assets(app.parent / "static")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        f"--server.port={args.port}",
        f"--server.address={args.address}",
        "--server.enableStaticServing=true",
        "--runner.postScriptGC=false",
        "--browser.gatherUsageStats=false",
        # A workshop server never reruns on a source edit; watching the source tree only
        # cost a watchdog thread (and its traceback when files moved under it).
        "--server.fileWatcherType=none",
    ]
    env = dict(os.environ)
    if source is not None:
        env[SOURCE_ENV] = source
    if not env.get("LIFECIRCLE_FACILITATOR_KEY", "").strip():
        env["LIFECIRCLE_FACILITATOR_KEY"] = secrets.token_urlsafe(12)
        print(f"facilitator key (LIFECIRCLE_FACILITATOR_KEY): {env['LIFECIRCLE_FACILITATOR_KEY']}")
    shown = "<this computer's LAN address>" if args.address in {"0.0.0.0", "::"} else args.address
    print(f"lifecircle dashboard: http://{shown}:{args.port}  (Ctrl+C to stop)")
    return subprocess.call(cmd, env=env)
