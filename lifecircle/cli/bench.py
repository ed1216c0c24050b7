"""``lifecircle bench``: run the benchmarks of the source checkout (``python -m bench``).

The benchmarks are a development tool, not part of the installed package: they live in
``bench/`` next to ``geo/`` in a clone. This command runs them in a child process with the
clone on ``PYTHONPATH``, so the command line never imports them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from geo.errors import LifecircleError

CHECKOUT = Path(__file__).resolve().parents[2]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="time the distance engine against networkx and pandana",
        add_help=False,
        prefix_chars="\0",  # every option goes to the benchmark's own parser
    )
    p.add_argument("bench_args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    if not (CHECKOUT / "bench" / "__main__.py").is_file():
        raise LifecircleError(
            "the benchmarks ship with the source checkout (bench/): clone the repository "
            "and install it with pip install -e ."
        )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH")) if p)
    return subprocess.call([sys.executable, "-m", "bench", *args.bench_args], env=env)
