"""``python -m bench --scale``: a whole district and a city, stage by stage.

Lujiazui is tiled (:mod:`bench.tiles`) into networks of about 100,000 and 1,000,000 street
nodes. For each size, fresh processes (:mod:`bench.scale_stage`) read the file into an
empty cache, then load it from the cache and run the analysis, its layers and files,
isochrones and workshop edits; each stage reports its wall time and the process's peak
memory. The bundled Lujiazui (6,500 nodes) runs first as the baseline of the same run, and
each stage's log-log slope between the two largest sizes says how it grows (1.0 =
linear; the target is at most 1.2).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.tiles import BBOX, SOURCE, tiled_district

DEFAULT_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (20_000,)
START_REPEATS = 3

# The targets, by (size class, stage): seconds.
TARGETS_S: dict[tuple[str, str], float] = {
    ("1M", "prepare"): 60.0,
    ("1M", "cached_load"): 1.0,
    ("1M", "analyse+layers"): 30.0,
    ("1M", "edit_add_facility"): 0.1,
    ("1M", "edit_scenario_facility"): 0.1,
    ("100k", "analyse"): 5.0,
    ("100k", "first_isochrone"): 0.1,
}
TARGET_PEAK_MB = {("1M", "prepare"): 4096.0}


class ScaleBenchError(RuntimeError):
    """A stage process failed; the message carries its last lines."""


def _child(mode: str, path: Path, bbox: tuple[float, ...], cache_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "LIFECIRCLE_CACHE_DIR": str(cache_dir)}
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    cmd = [
        sys.executable,
        "-m",
        "bench.scale_stage",
        mode,
        str(path),
        "--bbox",
        ",".join(f"{v:.6f}" for v in bbox),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ScaleBenchError(f"{mode} {path.name} failed ({done.returncode}): {tail}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def start_time_s() -> float:
    """Best of a few wall times of ``lifecircle --help`` in a fresh interpreter."""
    code = (
        "import sys; from lifecircle.cli.main import main; "
        "sys.argv = ['lifecircle', '--help']; main()"
    )
    best = math.inf
    for _ in range(START_REPEATS):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, check=False, env=dict(os.environ)
        )
        best = min(best, time.perf_counter() - t0)
    return best


def measure_size(label: str, path: Path, bbox: tuple[float, ...]) -> dict[str, Any]:
    """A cold and a warm run of one network."""
    cache = Path(tempfile.mkdtemp(prefix="lifecircle-scale-cache-"))
    try:
        cold = _child("cold", path, bbox, cache)
        warm = _child("warm", path, bbox, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    stages = {**cold["stages"], **{k: v for k, v in warm["stages"].items() if k != "import"}}
    analyse_s = stages["analyse"]["s"] + stages["layers_and_files"]["s"]
    stages["analyse+layers"] = {
        "s": round(analyse_s, 4),
        "peak_mb": stages["layers_and_files"]["peak_mb"],
        "child_peak_mb": stages["layers_and_files"].get("child_peak_mb", 0.0),
    }
    return {
        "label": label,
        "nodes": cold["nodes"],
        "edges": cold["edges"],
        "homes": warm["homes"],
        "stages": stages,
        "prepare_parts_s": cold["prepare_parts_s"],
        "analyse_parts_s": warm["analyse_parts_s"],
        "layer_parts_s": warm["layer_parts_s"],
    }


def size_class(nodes: int) -> str:
    return "1M" if nodes >= 500_000 else "100k" if nodes >= 50_000 else "small"


def slopes(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Per stage, d log(time) / d log(nodes) between the two largest runs."""
    if len(runs) < 2:
        return {}
    a, b = sorted(runs, key=lambda r: r["nodes"])[-2:]
    ratio_n = math.log(b["nodes"] / a["nodes"])
    out = {}
    for stage, row in b["stages"].items():
        before = a["stages"].get(stage)
        # Sub-10 ms stages are noise-dominated: a slope of them says nothing.
        if before and before["s"] >= 0.01 and row["s"] > 0 and ratio_n > 0:
            out[stage] = round(math.log(row["s"] / before["s"]) / ratio_n, 2)
    return out


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target the runs can check: the figure and whether it is met."""
    rows = []
    for run in runs:
        cls = size_class(run["nodes"])
        for (want_cls, stage), limit in TARGETS_S.items():
            if want_cls == cls and stage in run["stages"]:
                got = run["stages"][stage]["s"]
                rows.append(
                    {"size": cls, "stage": stage, "limit_s": limit, "s": got, "met": got <= limit}
                )
        for (want_cls, stage), limit_mb in TARGET_PEAK_MB.items():
            if want_cls == cls and stage in run["stages"]:
                peak = run["stages"][stage]["peak_mb"]
                rows.append(
                    {
                        "size": cls,
                        "stage": f"{stage} peak MB",
                        "limit_mb": limit_mb,
                        "peak_mb": peak,
                        "met": peak <= limit_mb,
                    }
                )
    return rows


def run_scale_bench(
    *, sizes: tuple[int, ...] = DEFAULT_SIZES, folder: Path | None = None
) -> dict[str, Any]:
    """The whole scale benchmark as one JSON-ready report."""
    folder = folder or Path(tempfile.gettempdir()) / "lifecircle-bench-tiles"
    runs = [measure_size("lujiazui (bundled)", SOURCE, BBOX)]
    for nodes in sizes:
        tiled = tiled_district(folder, nodes=nodes)
        label = f"lujiazui tiled {tiled.tiles_x}x{tiled.tiles_y}"
        runs.append(measure_size(label, tiled.path, tiled.bbox))
    base = runs[0]["stages"]
    for run in runs:
        run["ratio_to_bundled"] = {
            k: round(v["s"] / base[k]["s"], 1)
            for k, v in run["stages"].items()
            if k in base and base[k]["s"] > 0
        }
    return {
        "runs": runs,
        "slopes": slopes(runs[1:] if len(runs) > 2 else runs),
        "start_s": round(start_time_s(), 3),
        "targets": targets(runs),
        "loadavg": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
    }


STAGE_ORDER = [
    "prepare",
    "cached_load",
    "analyse",
    "layers_and_files",
    "analyse+layers",
    "first_isochrone",
    "next_isochrone",
    "edit_add_facility",
    "edit_add_facility_again",
    "edit_scenario_facility",
    "edit_scenario_link",
]


def _memory(row: dict[str, float]) -> str:
    """Peak MB of the stage's process, and of its largest child where it had one."""
    child = row.get("child_peak_mb", 0.0)
    return f"{row['peak_mb']:,.0f} MB" + (f", child {child:,.0f} MB" if child else "")


def format_scale_table(report: dict[str, Any]) -> str:
    """The report as a plain-text table: seconds (peak MB) per stage and size."""
    runs = report["runs"]
    head = ["stage"] + [f"{r['label']} ({r['nodes']:,} nodes)" for r in runs] + ["slope"]
    rows = [head]
    for stage in STAGE_ORDER:
        cells = [stage]
        for r in runs:
            row = r["stages"].get(stage)
            cells.append("-" if row is None else f"{_secs(row['s'])} ({_memory(row)})")
        cells.append(str(report["slopes"].get(stage, "-")))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"lifecircle --help starts in {report['start_s']:.2f} s")
    for r in runs[1:]:
        parts = ", ".join(f"{k} {v}" for k, v in r["analyse_parts_s"].items())
        lines.append(f"{r['label']}: analyse stages (s): {parts}")
        parts = ", ".join(f"{k} {v}" for k, v in r["layer_parts_s"].items())
        lines.append(f"{r['label']}: layer stages (s): {parts}")
    for t in report["targets"]:
        limit = f"≤ {t['limit_s']} s" if "limit_s" in t else f"≤ {t['limit_mb']:,.0f} MB"
        got = f"{t['s']} s" if "s" in t else f"{t['peak_mb']:,.0f} MB"
        verdict = "met" if t["met"] else "NOT met"
        lines.append(f"target {t['size']} {t['stage']} {limit}: {got} {verdict}")
    lines.append(f"load average {report['loadavg']}, {report['cpus']} CPUs")
    return "\n".join(lines)


def _secs(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"
