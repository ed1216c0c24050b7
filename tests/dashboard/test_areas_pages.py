"""The areas on the pages: the example on Lujiazui, then a saved upload whose names carry
HTML and template syntax (escaped on the map, plain text in the table), lowest served first."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.areas import EMPTY_CELL
from dashboard.downloads import csv_bytes
from dashboard.loaders import STATIC_DIR
from dashboard.map_frame import shown_script
from geo.areas.boundaries import read_area_file
from geo.areas.sources import example_area_file, save_areas, saved_area_file
from lifecircle.i18n import t

HOSTILE = "<b>x</b>${alert(1)}"


def _map_args(at: AppTest) -> dict[str, Any]:
    for element in at.main.get("component_instance"):
        if element.proto.component_name == "streamlit_folium.st_folium":
            args: dict[str, Any] = json.loads(element.proto.json_args)
            return args
    raise AssertionError("no map on the page")


def _map_script(at: AppTest) -> str:
    return shown_script(_map_args(at), STATIC_DIR)


def test_areas_on_the_map_and_gaps_pages(app_test: Callable[..., AppTest]) -> None:
    lang = "en"
    at = app_test(lang=lang)
    script = _map_script(at)
    assert "示例片区 1" in script  # the shipped example, drawn at district zoom
    # In the map's own legend (the map's HTML), not a caption under it.
    assert t("ar_legend", lang) in _map_args(at)["html"]
    assert t("ar_legend", lang) not in " ".join(c.value for c in at.caption)
    example = example_area_file("lujiazui")
    assert example is not None
    areas = read_area_file(example)
    frame = areas.frame.copy()
    frame.loc[0, "name"] = HOSTILE
    saved = saved_area_file("lujiazui")
    save_areas(replace(areas, frame=frame), saved)
    try:
        at.run()
        script = _map_script(at)
        assert HOSTILE not in script and "<b>x</b>" not in script
        assert "&lt;b&gt;x&lt;/b&gt;&#36;&#123;alert(1)&#125;" in script

        at.switch_page("views/gaps.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert t("ar_source_file", lang, n=5) in " ".join(c.value for c in at.caption)
        (table,) = [d.value for d in at.dataframe if t("ar_col_area", lang) in d.value.columns]
        names = list(table[t("ar_col_area", lang)])
        assert HOSTILE in names and names[-1] == t("ar_outside", lang)
        served = table.filter(like="served %").iloc[:-1, 0].to_numpy(dtype=float)
        known = served[~np.isnan(served)]
        assert len(known) >= 3 and np.all(np.diff(known) >= 0)  # lowest served first
        assert np.isnan(served[len(known) :]).all()  # areas with no residents last
        # Drawn as an em dash (the grid's placeholder, else "None"), with a caption saying
        # why; the downloads keep the cell empty.
        (grid,) = [d for d in at.dataframe if t("ar_col_area", lang) in d.value.columns]
        assert grid.proto.placeholder == EMPTY_CELL
        captions = " ".join(c.value for c in at.caption)
        assert t("ar_empty_cells", lang, dash=EMPTY_CELL) in captions
        written = pd.read_csv(io.BytesIO(csv_bytes(table)), encoding="utf-8-sig")
        assert written.filter(like="served %").iloc[len(known) : -1, 0].isna().all()
        assert EMPTY_CELL not in csv_bytes(table).decode("utf-8-sig")
        ctx = at.session_state["_context"]
        total = table[t("ar_col_residents", lang)].sum()
        assert abs(total - ctx.analysis.coverage.residents_total) <= len(table)  # rounding
    finally:
        saved.unlink(missing_ok=True)
