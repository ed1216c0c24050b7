"""The browser benchmark's scenario edit, computed in this process with ``geo``.

The page's default analysis (Lujiazui, loaded from the server's warm cache) gives the
candidate sites for the clinic the benchmark draws (the most populous homes with no
clinic in reach), and times the same edit as the Scenarios page computes it:
``apply_scenario`` then ``compare``. That is what the page's "Recomputed in N ms" caption
should be close to.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.browser_steps import CATEGORY

DISTRICT = "lujiazui"
SITE_CANDIDATES = 40


@dataclass(frozen=True)
class Baseline:
    """The page's default analysis, loaded here from the server's warm cache."""

    analysis: Any

    def clinic_candidates(self, count: int = SITE_CANDIDATES) -> list[tuple[float, float]]:
        """The most populous homes with no clinic in reach, most populous first."""
        a = self.analysis
        served = a.served[a.categories.index(CATEGORY)]
        homes = a.homes[~served].sort_values("population", ascending=False).head(count)
        return [(float(x), float(y)) for x, y in zip(homes["lon"], homes["lat"], strict=True)]

    def apply_clinic_ms(self, lon: float, lat: float, *, repeats: int) -> dict[str, float]:
        """Median ms to apply a one-clinic scenario, and to compare it with the baseline.

        What the Scenarios page computes after an edit (``apply_scenario`` then
        ``compare``), timed here on the same analysis and the same point.
        """
        from geo.scenarios.apply import apply_scenario
        from geo.scenarios.compare import compare
        from geo.scenarios.model import Scenario, ScenarioMeta, parse_intervention

        feature = {
            "type": "Feature",
            "properties": {"kind": "facility", "category": CATEGORY, "name": ""},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        item = parse_intervention(feature, taxonomy=self.analysis.taxonomy)
        scenario = Scenario(id="bench", meta=ScenarioMeta(), interventions=(item,))
        apply_ms, compare_ms = [], []
        for _ in range(max(1, repeats)):
            started = time.perf_counter()
            after = apply_scenario(self.analysis, scenario)
            applied = time.perf_counter()
            compare(self.analysis, after)
            apply_ms.append((applied - started) * 1e3)
            compare_ms.append((time.perf_counter() - applied) * 1e3)
        return {
            "scenario_apply_ms": statistics.median(apply_ms),
            "scenario_compare_ms": statistics.median(compare_ms),
        }


def load_baseline(cache_dir: Path) -> Baseline:
    from geo.access.analysis import analyse
    from geo.district.loader import load_district
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    district = load_district(DISTRICT, taxonomy=taxonomy, settings=Settings(cache_dir=cache_dir))
    return Baseline(analysis=analyse(district, taxonomy))
