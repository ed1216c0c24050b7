"""Data page: choose the district (bundled, uploaded, Overpass), add a facility inventory."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import loaders, state
from dashboard.areas import render_area_upload
from dashboard.loaders import DataSource, UploadedInventory
from dashboard.progress import LoadProgress
from dashboard.provenance import provenance_sentence
from dashboard.sidebar import current_lang, require_context
from dashboard.text import escape_markdown, public_markdown
from dashboard.upload_errors import read_upload, rejected_rows_table, show_error
from geo.district.loader import bundled_districts
from geo.errors import LifecircleError, OfflineError
from geo.osm.bbox import parse_bbox
from lifecircle.i18n import t

lang = current_lang()
st.title(t("data_title", lang))

st.subheader(t("data_source", lang))
kind = st.radio(
    t("data_source", lang),
    options=["bundled", "file", "overpass"],
    format_func=lambda k: t(
        {"bundled": "source_bundled", "file": "source_upload", "overpass": "source_overpass"}[k],
        lang,
    ),
    horizontal=True,
    label_visibility="collapsed",
)
bundled = bundled_districts()
if kind == "bundled":
    name = st.selectbox(
        t("district", lang),
        options=list(bundled),
        format_func=lambda n: bundled[n].title_zh if lang == "zh" else bundled[n].title_en,
    )
    if st.button(t("use_this", lang), key="use_bundled"):
        st.session_state[state.SOURCE] = DataSource(kind="bundled", value=name, label=name)
        st.rerun()
elif kind == "file":
    upload = st.file_uploader(t("upload_osm", lang), type=["osm", "bz2", "pbf", "xml"])
    bbox_text = st.text_input(t("bbox", lang), value="", key="upload_bbox")
    if upload is not None and st.button(t("use_this", lang), key="use_file"):
        osm_file = upload  # bound once: the function below reads it

        def load_osm_upload() -> DataSource:
            bbox = parse_bbox(bbox_text) if bbox_text.strip() else None
            path = loaders.save_upload(osm_file.getvalue(), osm_file.name, "uploads")
            source = DataSource(kind="file", value=str(path), label=osm_file.name, bbox=bbox)
            # A large file takes a while: its stages are shown as it is read.
            progress = LoadProgress(lang, stages={"stage_district": (0.0, 1.0)})
            loaders.district(source.key, source, progress)
            progress.finish()
            return source

        loaded_source = read_upload(load_osm_upload, lang, what="OSM file")
        if loaded_source is not None:
            st.session_state[state.SOURCE] = loaded_source
            st.rerun()
else:
    place = st.text_input(t("place_name", lang), value="")
    bbox_text = st.text_input(t("bbox", lang), value="", key="overpass_bbox")
    if st.button(t("download", lang)):
        try:
            bbox = parse_bbox(bbox_text) if bbox_text.strip() else None
            if bbox is None and not place.strip():
                raise LifecircleError(t("place_name", lang) + " / " + t("bbox", lang) + "?")
            source = DataSource(
                kind="overpass",
                value=place.strip() or bbox_text,
                label=place or bbox_text,
                bbox=bbox,
            )
            with st.spinner(t("loading", lang)):
                loaders.district(source.key, source)
            st.session_state[state.SOURCE] = source
            st.rerun()
        except OfflineError:
            st.error(t("offline_msg", lang))
        except LifecircleError as exc:
            show_error(exc, lang)

st.subheader(t("inventory", lang))
inv_file = st.file_uploader(
    t("inventory", lang), type=["csv", "xlsx", "geojson", "json"], label_visibility="collapsed"
)
crs = st.selectbox(
    t("inventory_crs", lang),
    options=["wgs84", "gcj02", "bd09"],
    format_func=lambda c: t(f"crs_{c}", lang),
)
cols = st.columns(2)
if inv_file is not None and cols[0].button(t("use_this", lang), key="use_inventory"):
    inventory_file = inv_file  # bound once: the function below reads it

    def read_inventory_upload() -> UploadedInventory:
        # Read now, against the district in use, so a bad file is refused here with its
        # reason instead of breaking every page once it is in the session.
        path = loaders.save_upload(inventory_file.getvalue(), inventory_file.name, "inventories")
        candidate = UploadedInventory(path=str(path), coord_system=crs, name=inventory_file.name)
        source = st.session_state.get(state.SOURCE, loaders.DEFAULT_SOURCE)
        loaders.district_with_inventory(source.key, candidate.key, source, candidate)
        return candidate

    accepted = read_upload(read_inventory_upload, lang, what="facility inventory")
    if accepted is not None:
        st.session_state[state.INVENTORY] = accepted
        st.rerun()  # the sidebar analyses the district with it
if st.session_state.get(state.INVENTORY) is not None and cols[1].button(t("clear_inventory", lang)):
    st.session_state[state.INVENTORY] = None

ctx = require_context()
a = ctx.analysis
source = st.session_state.get(state.SOURCE, loaders.DEFAULT_SOURCE)
inventory = st.session_state.get(state.INVENTORY)
if inventory is not None:
    try:
        _, rejected = loaders.district_with_inventory(source.key, inventory.key, source, inventory)
    except LifecircleError as exc:  # the sidebar was drawn before this file was chosen
        st.error(f"{t('error', lang)}: {public_markdown(exc)}")
        st.stop()
    n_inv = int(a.facilities["source"].astype(str).str.startswith("inventory").sum())
    st.success(t("inventory_loaded", lang, n=n_inv))
    if rejected:
        st.warning(t("inventory_rejected", lang, n=len(rejected)))
        st.dataframe(rejected_rows_table(rejected, lang), hide_index=True)

render_area_upload(a, lang)

meta = a.district.meta
net = a.district.network
st.subheader(t("provenance", lang))
# The source is a bundled file or an upload stored under its name reduced to letters,
# digits, - and _: nothing that could break out of the code span.
st.markdown(f"**{escape_markdown(meta.title(lang))}** — `{Path(meta.source).name}`")
st.write(
    t(
        "network_summary",
        lang,
        nodes=net.n_nodes,
        edges=net.n_edges,
        pieces=len(net.component_sizes()),
    )
)
st.write(f"{t('data_date', lang)}: {escape_markdown(meta.data_date or '—')}")
st.write(f"{t('provenance', lang)}: {public_markdown(provenance_sentence(meta, lang))}")
with st.expander(t("ml_prov_details", lang)):
    st.text(meta.provenance)  # the note as written (technical English), never as markdown
st.write(f"{t('attribution', lang)}: {meta.attribution}")
counts = a.facilities.groupby(["category", "source"]).size().rename("n").reset_index()
counts["category"] = [a.taxonomy.get(c).name(lang) for c in counts["category"]]
counts.columns = [t("col_category", lang), t("col_source", lang), t("col_facilities", lang)]
st.dataframe(counts, hide_index=True)
