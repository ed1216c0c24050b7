"""The options of ``bench --users`` (:mod:`bench.load`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

DEFAULT_USERS = (1, 10, 30)
MAX_USERS = 50
"""More contexts than this would measure the machine's memory, not the dashboard."""
DEFAULT_TIMEOUT_S = 300.0
DEFAULT_ROUNDS = 3


def user_count(text: str) -> int:
    """An argparse ``type``: a number of users from 1 to :data:`MAX_USERS`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_USERS:
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_USERS} users, not {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("give a time bound from 0 to 3600 s")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--users N [N ...]`` and ``--users-timeout S``."""
    parser.add_argument(
        "--users",
        type=user_count,
        nargs="*",
        default=None,
        metavar="N",
        help="time to map and click for N users at once against one dashboard server "
        f"(default {' '.join(map(str, DEFAULT_USERS))}; at most {MAX_USERS})",
    )
    parser.add_argument(
        "--users-timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT_S,
        help=f"time bound of each user's step with --users (default {DEFAULT_TIMEOUT_S:g} s)",
    )
    parser.add_argument(
        "--users-rounds",
        type=round_count,
        default=DEFAULT_ROUNDS,
        help="rounds per level with --users; the browser user's figures are medians over "
        f"them (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--users-all-browsers",
        action="store_true",
        help="with --users, every user in its own Chromium context on this machine (the "
        "browsers then share the server's cores)",
    )


def round_count(text: str) -> int:
    """An argparse ``type``: 1 to 10 rounds."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 10:
        raise argparse.ArgumentTypeError(f"give 1 to 10 rounds, not {value}")
    return value


def user_levels(given: Sequence[int] | None) -> tuple[int, ...]:
    """The levels to run: the given ones in order without repeats, else the defaults."""
    return tuple(dict.fromkeys(given)) if given else DEFAULT_USERS
