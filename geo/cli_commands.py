"""Sub-commands beyond ``prepare`` (analysis, comparison, export, benchmark)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(sub: Any, add_source_args: Callable[..., None]) -> None:
    """Add the analysis commands to the ``lifecircle`` parser."""
    _ = (sub, add_source_args, argparse)
