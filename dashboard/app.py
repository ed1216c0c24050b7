"""lifecircle dashboard: ``streamlit run dashboard/app.py`` (or ``lifecircle dashboard``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import loaders
from dashboard.i18n import t
from dashboard.sidebar import current_lang

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="lifecircle · 15分钟社区生活圈", page_icon="🏘️", layout="wide")
loaders.vendor_assets()
lang = current_lang()
pages = [
    st.Page(HERE / "pages" / "map.py", title=t("page_map", lang), icon="🗺️", url_path="map", default=True),
    st.Page(HERE / "pages" / "gaps.py", title=t("page_gaps", lang), icon="📊", url_path="gaps"),
    st.Page(HERE / "pages" / "data.py", title=t("page_data", lang), icon="🗂️", url_path="data"),
]
st.navigation(pages).run()
