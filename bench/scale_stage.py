"""One process of the scale benchmark: ``python -m bench.scale_stage cold|warm ...``.

Each run is a fresh interpreter so that its peak memory (``ru_maxrss``) is its own. It
prints one JSON object on its last line: per stage, wall seconds and the peak resident
memory so far (MB). ``cold`` reads the OSM file into an empty cache (``prepare``);
``warm`` loads the cached district and runs everything a user does next: the analysis,
its layers and files, a first and a second isochrone, and workshop edits. ``edits`` loads
and analyses, then runs only the workshop edits, each several times, with wall and CPU
milliseconds (:func:`bench.workshop.time_scale_edits`): the quick check of issue 10's
≤ 100 ms edit without the minutes of layers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from geo.access.analysis import Analysis
    from geo.district.model import District
    from geo.standards.taxonomy import Taxonomy

T = TypeVar("T")
_START = time.perf_counter()


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Stages:
    """Wall time and peak memory of each named stage, in run order."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, float]] = {}

    def run(self, name: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        out = fn()
        self.add(name, time.perf_counter() - t0)
        return out

    def add(self, name: str, seconds: float) -> None:
        # The largest child process so far too: the CLI forks writers and a second
        # Dijkstra (their memory is mostly shared with this process's, copy-on-write).
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        self.rows[name] = {
            "s": round(seconds, 4),
            "peak_mb": round(peak_mb(), 1),
            "child_peak_mb": round(child, 1),
        }


def _bbox(text: str) -> tuple[float, float, float, float]:
    w, s, e, n = (float(x) for x in text.split(","))
    return w, s, e, n


def _loaded(
    path: Path, bbox: tuple[float, float, float, float], *, stage: str
) -> tuple[Stages, Taxonomy, District]:
    """Every run's start: the import stage (all imports done), then the district loaded
    (read from OSM into an empty cache, or from the cache) as the stage ``stage``."""
    from geo.district.loader import load_district
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    stages = Stages()
    stages.add("import", time.perf_counter() - _START)
    taxonomy = load_taxonomy()
    district = stages.run(
        stage, lambda: load_district(path, taxonomy=taxonomy, settings=Settings(), bbox=bbox)
    )
    return stages, taxonomy, district


def _analysed(path: Path, bbox: tuple[float, float, float, float]) -> tuple[Stages, Analysis]:
    """The warm runs' start: the cached district (``cached_load``), then ``analyse``."""
    from geo.access.analysis import analyse  # imported before the import stage is taken

    stages, taxonomy, district = _loaded(path, bbox, stage="cached_load")
    return stages, stages.run("analyse", lambda: analyse(district, taxonomy))


def run_cold(path: Path, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    stages, _, district = _loaded(path, bbox, stage="prepare")
    net = district.network
    return {
        "stages": stages.rows,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "homes_buildings": len(district.buildings),
        "facilities": len(district.facilities),
        "prepare_parts_s": {k: round(v, 3) for k, v in district.timings_s.items()},
    }


def run_warm(path: Path, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    from bench.workshop import centre_lonlat, scenario_edits
    from geo.access.analysis import add_facility
    from geo.access.service_areas import isochrone
    from geo.export import write_analysis
    from geo.scenarios.apply import apply_scenario

    stages, analysis = _analysed(path, bbox)
    net = analysis.district.network
    with tempfile.TemporaryDirectory(prefix="lifecircle-scale-") as tmp:
        layer_times: dict[str, float] = {}

        def write() -> None:
            write_analysis(analysis, Path(tmp))
            summary = json.loads((Path(tmp) / "summary.json").read_text("utf-8"))
            layer_times.update(summary.get("timings_s", {}))

        stages.run("layers_and_files", write)
    lon, lat = centre_lonlat(analysis)
    iso = {"lon": lon, "lat": lat, "within_m": (analysis.limit_m,)}
    stages.run("first_isochrone", lambda: isochrone(net, analysis.engine, **iso))  # type: ignore[arg-type]
    stages.run("next_isochrone", lambda: isochrone(net, analysis.engine, **iso))  # type: ignore[arg-type]
    category = analysis.categories[0]
    stages.run(
        "edit_add_facility",
        lambda: add_facility(analysis, category=category, lon=lon + 0.001, lat=lat),
    )
    # A workshop edits again and again: the second edit shows the steady state (the
    # first may also build something once).
    stages.run(
        "edit_add_facility_again",
        lambda: add_facility(analysis, category=category, lon=lon + 0.002, lat=lat),
    )
    edits = scenario_edits(analysis, lon, lat)
    stages.run(
        "edit_scenario_facility", lambda: apply_scenario(analysis, edits["edit_scenario_facility"])
    )
    stages.run("edit_scenario_link", lambda: apply_scenario(analysis, edits["edit_scenario_link"]))
    return {
        "stages": stages.rows,
        "nodes": net.n_nodes,
        "homes": len(analysis.homes),
        "analyse_parts_s": {k: round(v, 3) for k, v in analysis.timings_s.items()},
        "layer_parts_s": {k: round(float(v), 3) for k, v in layer_times.items()},
    }


def run_edits(path: Path, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    from bench.workshop import time_scale_edits

    stages, analysis = _analysed(path, bbox)
    return {
        "stages": stages.rows,
        "nodes": analysis.district.network.n_nodes,
        "homes": len(analysis.homes),
        "edits_ms": time_scale_edits(analysis, repeats=5),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_stage")
    parser.add_argument("mode", choices=["cold", "warm", "edits"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--bbox", type=_bbox, required=True)
    parser.add_argument(
        "--cache", type=Path, help="cache folder of this run (else $LIFECIRCLE_CACHE_DIR)"
    )
    args = parser.parse_args(argv)
    if args.cache is not None:
        # A fresh process per stage: the one place every Settings() of the run reads.
        os.environ["LIFECIRCLE_CACHE_DIR"] = str(args.cache)
    run = {"cold": run_cold, "warm": run_warm, "edits": run_edits}[args.mode]
    result = run(args.path, args.bbox)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
