"""A progress bar on the terminal for long commands, quiet when not a terminal or asked.

Drawn on stderr with a carriage return, so stdout (tables, JSON) stays clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 28


class TerminalProgress:
    """Callable as a :data:`geo.progress.Progress`: ``bar(stage, done)``."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and self.stream.isatty()
        self.started = time.perf_counter()
        self.drawn = False

    def __call__(self, stage: str, done: float) -> None:
        if not self.enabled:
            return
        filled = round(done * BAR_WIDTH)
        seconds = time.perf_counter() - self.started
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"\r[{bar}] {done * 100:3.0f}%  {stage[:40]:<40} {seconds:5.1f} s"
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line, so the command's own output starts on a fresh one."""
        if self.enabled and self.drawn:
            self.stream.write("\r" + " " * (BAR_WIDTH + 60) + "\r")
            self.stream.flush()
