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
# (view file, title key, icon, url path) of every page after the map.
PAGES = (
    ("gaps.py", "page_gaps", ":material/bar_chart:", "gaps"),
    ("scenarios.py", "page_scenarios", ":material/edit_location_alt:", "scenarios"),
    ("survey.py", "page_survey", ":material/forum:", "survey"),
    ("report.py", "ck_page_report", ":material/summarize:", "report"),
    ("population.py", "page_population", ":material/groups:", "population"),
    ("data.py", "page_data", ":material/database:", "data"),
    ("topics.py", "page_topics", ":material/how_to_vote:", "topics"),
    ("vote.py", "page_vote", ":material/ballot:", "vote"),
)
map_page, map_title = HERE / "views" / "map.py", t("page_map", lang)
pages = [
    # Served at "/" (the default page), so "/map" can be the alias below.
    st.Page(map_page, title=map_title, icon=":material/map:", url_path="home", default=True),
    # A deep link to /map (e.g. /map?lang=zh) opens the map: Streamlit serves the default
    # page only at "/" and answered its own url_path with "Page not found".
    st.Page(map_page, title=map_title, icon=":material/map:", url_path="map", visibility="hidden"),
    *(
        st.Page(HERE / "views" / view, title=t(key, lang), icon=icon, url_path=path)
        for view, key, icon, path in PAGES
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
