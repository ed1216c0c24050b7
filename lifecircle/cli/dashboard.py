"""``lifecircle dashboard``: start the Streamlit dashboard."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="open the dashboard in your browser (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost")
    p.set_defaults(handler=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    import subprocess
    import sys

    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
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
    ]
    import os
    import secrets

    env = dict(os.environ)
    if not env.get("LIFECIRCLE_FACILITATOR_KEY", "").strip():
        env["LIFECIRCLE_FACILITATOR_KEY"] = secrets.token_urlsafe(12)
        print(f"facilitator key (LIFECIRCLE_FACILITATOR_KEY): {env['LIFECIRCLE_FACILITATOR_KEY']}")
    print(f"lifecircle dashboard: http://{args.address}:{args.port}  (Ctrl+C to stop)")
    return subprocess.call(cmd, env=env)
