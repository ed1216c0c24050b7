"""Progress of long work, reported to whoever shows it (a terminal bar, a dashboard bar).

The core never prints: a long function takes an optional ``progress`` callback and calls
it with the stage it is in and the share of the whole job done (0 to 1).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]


def report(progress: Progress | None, stage: str, done: float) -> None:
    """Tell ``progress`` (if any) that ``stage`` is under way, ``done`` of the job over."""
    if progress is not None:
        progress(stage, min(max(done, 0.0), 1.0))


def scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A callback for a sub-job that covers ``start``..``end`` of the whole job."""
    if progress is None:
        return None
    outer = progress

    def inner(stage: str, done: float) -> None:
        outer(stage, start + (end - start) * min(max(done, 0.0), 1.0))

    return inner
