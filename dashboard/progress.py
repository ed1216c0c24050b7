"""A progress bar for long work, fed by the ``geo.progress`` callbacks of cached loaders.

The loaders in :mod:`dashboard.loaders` are ``st.cache_resource`` functions, and Streamlit
records every element a cached function draws so that it can replay it on the next cache
hit; an element drawn into a container made outside the function cannot be replayed and
fails (``CacheReplayClosureError``). So the bar is made outside, and the callbacks update
it in the context the bar was made in (:meth:`contextvars.Context.run`), where Streamlit
records nothing: a cache hit draws no bar at all.

A run that did some work leaves the bar full with what took how long ("Ready in 4.2 s ·
Loading the district 1.1 s · ..."), until the next rerun.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field

import streamlit as st

from geo.progress import Progress
from lifecircle.i18n import t

# What ``geo`` reports (its stage names are English), and the keys of their translations.
STEP_KEYS = {
    "reading the cache": "step_reading_cache",
    "building the walking network and features": "step_building_network",
    "writing the cache": "step_writing_cache",
    "district loaded": "step_district_loaded",
    "joining facilities to the streets": "step_joining",
    "walking distances": "step_distances",
    "homes and residents served": "step_homes",
    "analysis done": "step_analysis_done",
    "summaries by area": "step_summaries",
    "service areas": "step_service_areas",
    "land use": "step_land_use",
    "doorstep circles": "step_doorstep",
    "spatial index of the view": "step_view_index",
}
READING_PREFIX = "reading "


def step_text(step: str, lang: str) -> str:
    """A stage name from ``geo`` in the page's language (as it is when unknown)."""
    key = STEP_KEYS.get(step)
    if key is not None:
        return t(key, lang)
    if step.startswith(READING_PREFIX):
        return t("step_reading_file", lang, name=step.removeprefix(READING_PREFIX))
    return step


@dataclass
class LoadProgress:
    """One bar for the long work of a script run: stages in order, each a share of the bar.

    Make it where the bar should appear, pass :meth:`stage` callbacks to the loaders, and
    call :meth:`finish` once they returned.
    """

    lang: str
    stages: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"stage_district": (0.0, 0.4), "stage_analysis": (0.4, 1.0)}
    )
    started_s: dict[str, float] = field(default_factory=dict)
    ended_s: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._slot = st.empty()
        self._context = contextvars.copy_context()
        self._current: str | None = None

    @property
    def reported(self) -> bool:
        """Whether any stage did some work in this run."""
        return bool(self.started_s)

    def stage(self, key: str) -> Progress:
        """The ``geo.progress`` callback of the stage ``key`` (an i18n key)."""
        start, end = self.stages.get(key, (0.0, 1.0))

        def callback(step: str, done: float) -> None:
            now = time.perf_counter()
            if self._current != key:
                if self._current is not None:
                    self.ended_s.setdefault(self._current, now)
                self._current = key
                self.started_s.setdefault(key, now)
            value = start + (end - start) * min(max(done, 0.0), 1.0)
            text = f"{t(key, self.lang)} · {step_text(step, self.lang)}"
            self._context.run(self._slot.progress, min(max(value, 0.0), 1.0), text=text)

        return callback

    def summary(self) -> str:
        """ "Ready in N s" and the time of each stage that ran."""
        now = time.perf_counter()
        parts = []
        for key in self.started_s:
            seconds = self.ended_s.get(key, now) - self.started_s[key]
            parts.append(f"{t(key, self.lang)} {seconds:.1f} s")
        first = min(self.started_s.values(), default=now)
        head = t("stage_ready", self.lang, seconds=f"{now - first:.1f}")
        return " · ".join([head, *parts])

    def clear(self) -> None:
        """Remove the bar (the work failed; the page says why)."""
        self._slot.empty()

    def finish(self) -> None:
        """Leave the bar full with :meth:`summary` if work was done; else draw nothing."""
        if self.reported:
            self._slot.progress(1.0, text=self.summary())
        else:
            self._slot.empty()
