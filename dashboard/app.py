"""lifecircle dashboard: ``streamlit run dashboard/app.py`` (or ``lifecircle dashboard``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from dashboard import loaders
from dashboard.sidebar import CONTEXT_KEY, current_lang, render_sidebar
from lifecircle.i18n import t

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="lifecircle · 15分钟社区生活圈", page_icon="🏙️", layout="wide")
loaders.vendor_assets()
loaders.facilitator_key()  # printed in the server log at start-up when not set
loaders.uploads_folder()  # deletes uploads older than LIFECIRCLE_UPLOAD_RETENTION_DAYS, once
lang = current_lang()
pages = [
    st.Page(
        HERE / "views" / "map.py",
        title=t("page_map", lang),
        icon=":material/map:",
        url_path="home",  # served at "/" (the default page), so "/map" can be the alias below
        default=True,
    ),
    # A deep link to /map (e.g. /map?lang=zh) opens the map: Streamlit serves the default
    # page only at "/" and answered its own url_path with "Page not found".
    st.Page(
        HERE / "views" / "map.py",
        title=t("page_map", lang),
        icon=":material/map:",
        url_path="map",
        visibility="hidden",
    ),
    st.Page(
        HERE / "views" / "gaps.py",
        title=t("page_gaps", lang),
        icon=":material/bar_chart:",
        url_path="gaps",
    ),
    st.Page(
        HERE / "views" / "scenarios.py",
        title=t("page_scenarios", lang),
        icon=":material/edit_location_alt:",
        url_path="scenarios",
    ),
    st.Page(
        HERE / "views" / "survey.py",
        title=t("page_survey", lang),
        icon=":material/forum:",
        url_path="survey",
    ),
    st.Page(
        HERE / "views" / "report.py",
        title=t("ck_page_report", lang),
        icon=":material/summarize:",
        url_path="report",
    ),
    st.Page(HERE / "views" / "population.py", title=t("page_population", lang)),
    st.Page(
        HERE / "views" / "data.py",
        title=t("page_data", lang),
        icon=":material/database:",
        url_path="data",
    ),
    st.Page(
        HERE / "views" / "topics.py",
        title=t("page_topics", lang),
        icon=":material/how_to_vote:",
        url_path="topics",
    ),
    st.Page(
        HERE / "views" / "vote.py",
        title=t("page_vote", lang),
        icon=":material/ballot:",
        url_path="vote",
    ),
]
# Residents' phones open /vote: no navigation, no sidebar, no analysis there.
resident = urlsplit(st.context.url or "").path.rstrip("/").endswith("/vote")
nav = st.navigation(pages, position="hidden" if resident else "sidebar")
if nav.url_path == "vote":
    st.session_state[CONTEXT_KEY] = None
else:
    # The sidebar lives in the entrypoint so that its widgets keep their values across pages.
    render_sidebar()
nav.run()
