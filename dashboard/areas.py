"""Per-area summaries (街道, 社区/居委) on the pages: which areas, their cached summary, the
data page's upload, the gaps page's table and the map's choropleth group.

The areas of a district are, in order: the boundary file uploaded for it (kept as
``<user data>/<district>/areas.geojson``, :func:`geo.areas.sources.saved_area_file`),
OSM's closed administrative boundaries, the shipped illustrative example of a bundled
district. Area names come from users' files: shown in tables (plain text) or escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import numpy as np
import pandas as pd
import streamlit as st

from dashboard import loaders
from dashboard.downloads import table_buttons
from dashboard.text import escape_markdown
from dashboard.upload_errors import read_upload, show_error
from geo.access.analysis import Analysis
from geo.areas.boundaries import AREA_FILE_SUFFIXES, Areas, areas_in_district, read_area_file
from geo.areas.export import area_csv_frame
from geo.areas.sources import load_areas, remove_saved_areas, save_areas, saved_area_file
from geo.areas.summary import OUTSIDE_ID, AreaSummary, area_shares, summarise_areas
from geo.errors import LifecircleError
from geo.inputs.coords import parse_coord_system
from lifecircle.i18n import t
from lifecircle.maps.area_layers import area_layer, area_legend_html

__all__ = [
    "EMPTY_CELL",
    "area_key",
    "area_map_group",
    "area_map_legends",
    "area_summary",
    "area_table",
    "render_area_table",
    "render_area_upload",
]


EMPTY_CELL = "—"
"""What an empty cell (no residents, no data) shows on the page, where Streamlit's grid
would print "None"; the values, and their sorting, stay numbers, and the CSV and XLSX
leave the cell empty."""


def area_key(analysis: Analysis) -> str:
    """A cache key part that changes whenever the district's uploaded areas do."""
    return _file_key(analysis.district.meta.name)


def _file_key(district_name: str) -> str:
    """Changes whenever the district's uploaded areas file does (a new upload, a removal)."""
    path = saved_area_file(district_name)
    try:
        info = path.stat()
    except OSError:
        return "-"
    return f"{info.st_mtime_ns}:{info.st_size}"


@st.cache_resource(show_spinner=False, max_entries=16)
def _area_summary(key: str, file_key: str, _analysis: Analysis) -> AreaSummary | None:
    a = _analysis
    saved = saved_area_file(a.district.meta.name)
    areas = load_areas(a.district, path=saved if file_key != "-" else None, example=True)
    if areas is None:
        return None
    return summarise_areas(a, areas, hexagons=loaders.hexagons(key, a))


def area_summary(analysis_key: str, analysis: Analysis) -> AreaSummary | None:
    """The district's areas and their figures (None: no areas); raises LifecircleError."""
    return _area_summary(analysis_key, _file_key(analysis.district.meta.name), analysis)


def source_line(areas: Areas, lang: str) -> str:
    """Where the areas come from, in one line (file names escaped)."""
    n = len(areas)
    if areas.source == "file":
        return t("ar_source_file", lang, n=n)
    if areas.source == "osm":
        return t("ar_source_osm", lang, n=n, label=escape_markdown(areas.label))
    return t("ar_source_example", lang, n=n)


def _flags(text: str, lang: str) -> str:
    return "; ".join(t(f"ar_flag_{f}", lang) for f in text.split(";") if f)


def _percent(values: pd.Series) -> list[float | None]:
    return [None if v is None or v != v else round(float(v) * 100, 1) for v in values]


def area_table(summary: AreaSummary, category: str, analysis: Analysis, lang: str) -> pd.DataFrame:
    """The page's table: lowest share served by ``category`` first, "outside" last."""
    table = summary.table
    share = table[f"share_{category}"].astype(float)
    is_outside = (table["area_id"] == OUTSIDE_ID).to_numpy()
    order = np.lexsort((share.fillna(2.0).to_numpy(), is_outside))
    rows = table.iloc[order]
    item = analysis.taxonomy.get(category).name(lang)
    names = [
        t("ar_outside", lang) if aid == OUTSIDE_ID else str(name)
        for aid, name in zip(rows["area_id"], rows["name"], strict=True)
    ]
    return pd.DataFrame(
        {
            t("ar_col_area", lang): names,
            t("ar_col_homes", lang): rows["homes"].to_numpy(),
            t("ar_col_residents", lang): rows["residents"].round(0).astype(int).to_numpy(),
            t("ar_col_served", lang, item=item): _percent(rows[f"share_{category}"]),
            t("ar_col_complete", lang): _percent(rows["complete_share"]),
            t("ar_col_gap_hexes", lang): rows["gap_hexagons"].to_numpy(),
            t("ar_col_facilities", lang): rows["facilities"].to_numpy(),
            t("ar_col_default_floors", lang): _percent(rows["default_floors_share"]),
            t("ar_col_flags", lang): [_flags(str(f), lang) for f in rows["flags"]],
        }
    )


def render_area_table(analysis_key: str, analysis: Analysis, category: str, lang: str) -> None:
    """The gaps page's section: the areas' table, where they come from, the downloads."""
    st.subheader(t("ar_table", lang))
    try:
        summary = area_summary(analysis_key, analysis)
    except LifecircleError as exc:
        show_error(exc, lang)
        return
    if summary is None:
        st.info(t("ar_none", lang))
        return
    st.caption(source_line(summary.areas, lang) + " " + t("ar_table_help", lang))
    for note in summary.areas.notes:
        st.caption(escape_markdown(note))
    shown = area_table(summary, category, analysis, lang)
    # Streamlit's grid draws an empty cell as "None" unless told otherwise.
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=EMPTY_CELL)
    if shown.isna().to_numpy().any():
        st.caption(t("ar_empty_cells", lang, dash=EMPTY_CELL))
    # The downloads keep an empty cell empty: a dash is not a number to a spreadsheet.
    table_buttons(
        shown,
        {"areas": shown, "areas_all_items": area_csv_frame(summary)},
        stem=f"lifecircle-{analysis.district.meta.name}-areas",
        lang=lang,
    )


def render_area_upload(analysis: Analysis, lang: str) -> None:
    """The data page's section: upload a boundary file for this district, or remove it."""
    st.subheader(t("ar_title", lang))
    name = analysis.district.meta.name
    saved = saved_area_file(name)
    upload = st.file_uploader(
        t("ar_upload", lang),
        # A lone .shp lacks its .dbf and .shx: Shapefiles come zipped.
        type=[s.lstrip(".") for s in AREA_FILE_SUFFIXES if s != ".shp"],
        key="ar_file",
    )
    c1, c2 = st.columns(2)
    crs = c1.selectbox(
        t("ar_crs", lang),
        options=["wgs84", "gcj02", "bd09"],
        format_func=lambda c: t(f"crs_{c}", lang),
        key="ar_crs",
    )
    column = c2.text_input(t("ar_name_column", lang), value="", key="ar_name_column")
    b1, b2 = st.columns(2)
    if upload is not None and b1.button(t("ar_use", lang), key="ar_use"):
        boundary_file = upload  # bound once: the function below reads it

        def read_areas_upload() -> Areas:
            # Checked against the district now; kept only when it passes.
            path = loaders.save_upload(boundary_file.getvalue(), boundary_file.name, "areas")
            areas = read_area_file(
                path,
                coord_system=parse_coord_system(crs),
                name_column=column.strip() or None,
            )
            checked = areas_in_district(areas, analysis.district)
            save_areas(checked, saved)
            return checked

        accepted = read_upload(read_areas_upload, lang, what="boundary file")
        if accepted is not None:
            st.success(t("ar_saved", lang, n=len(accepted)))
    if saved.is_file() and b2.button(t("ar_remove", lang), key="ar_remove"):
        try:
            remove_saved_areas(saved)
        except LifecircleError as exc:
            show_error(exc, lang)
    try:
        current = load_areas(
            analysis.district, path=saved if saved.is_file() else None, example=True
        )
    except LifecircleError as exc:
        show_error(exc, lang)
        return
    st.caption(source_line(current, lang) if current is not None else t("ar_none", lang))


def area_map_group(
    analysis_key: str,
    analysis: Analysis,
    *,
    measure: str,
    category: str,
    within_m: float,
    lang: str,
    shift: Callable[[Any], Any],
) -> folium.FeatureGroup | None:
    """The choropleth of the areas (None without areas): the share complete, or the share
    of residents within ``within_m`` of ``category`` (the sidebar's item and tier)."""
    try:
        summary = area_summary(analysis_key, analysis)
    except LifecircleError:
        return None  # the gaps and data pages say why
    if summary is None:
        return None
    if measure == "complete":
        shares = [None if v != v else float(v) for v in summary.table["complete_share"]]
        shares = shares[: len(summary.areas)]
    else:
        row = analysis.categories.index(category)
        served = analysis.home_dist_m[row] <= within_m
        shares = area_shares(summary, served, analysis.homes["population"].to_numpy(dtype=float))
    label = _measure_label(analysis, measure=measure, category=category, lang=lang)
    return area_layer(summary.layer(), shares, measure=label, lang=lang, shift=shift)


def _measure_label(analysis: Analysis, *, measure: str, category: str, lang: str) -> str:
    if measure == "complete":
        return t("ar_measure_complete", lang)
    return analysis.taxonomy.get(category).name(lang)


def area_map_legends(
    analysis_key: str, analysis: Analysis, *, measure: str, category: str, lang: str
) -> tuple[str, ...]:
    """The choropleth's section of the map's legend (none without areas), as
    :func:`area_map_group` draws it."""
    try:
        summary = area_summary(analysis_key, analysis)
    except LifecircleError:
        return ()
    if summary is None:
        return ()
    label = _measure_label(analysis, measure=measure, category=category, lang=lang)
    return (area_legend_html(label, lang=lang),)
