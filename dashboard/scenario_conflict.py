"""The conflict screen of the scenarios page: both versions, and the user's choice saved.

A save that others overtook with a different version of the same feature or metadata
field raises :class:`geo.scenarios.merge.ConflictError` (its ``feature_ids`` and
``fields``); the page keeps it in the session and this screen shows, for each, my version
and theirs, then saves what was chosen on top of their revision.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard.text import escape_markdown, public_markdown
from geo.errors import LifecircleError
from geo.scenarios.merge import META_CHOICE_PREFIX, ConflictError, resolve
from geo.scenarios.model import Intervention
from geo.scenarios.store import ScenarioStore
from lifecircle.i18n import t

CONFLICT = "scn_conflict"


def rerun_here() -> None:
    """Rerun the fragment when this is a fragment's rerun, else the page."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


def _version_text(item: Intervention | None, lang: str) -> str:
    if item is None:
        return t("ws_conflict_gone", lang)
    what = t(f"kind_{item.kind}", lang)
    name = item.name
    return f"{what} · {name}" if name else what


def conflict_screen(*, store: ScenarioStore, picked: str, work_key: str, lang: str) -> None:
    """Both versions of every conflicting feature or field; save the ones chosen."""
    conflict = st.session_state.get(CONFLICT)
    if not isinstance(conflict, ConflictError) or conflict.mine.id != picked:
        return
    st.warning(t("scn_conflict", lang))
    rows: list[tuple[str, str, Intervention | None, Intervention | None]] = []
    for fid in conflict.feature_ids:
        mine, theirs = conflict.mine.get(fid), conflict.theirs.get(fid)
        rows.append((fid, f"{t('ws_conflict_feature', lang)} {fid}", mine, theirs))
    choices: dict[str, Literal["mine", "theirs"]] = {}
    for fid, label, mine, theirs in rows:
        st.write(
            f"**{escape_markdown(label)}** — {t('scn_mine', lang)}: "
            f"{escape_markdown(_version_text(mine, lang))} · "
            f"{t('scn_theirs', lang)}: {escape_markdown(_version_text(theirs, lang))}"
        )
        choices[fid] = _choice(fid, lang)
    for name in conflict.fields:
        mine_value = getattr(conflict.mine.meta, name)
        theirs_value = getattr(conflict.theirs.meta, name)
        st.write(
            f"**{t('ws_conflict_field', lang)} {name}** — {t('scn_mine', lang)}: "
            f"{escape_markdown(str(mine_value))} · "
            f"{t('scn_theirs', lang)}: {escape_markdown(str(theirs_value))}"
        )
        choices[META_CHOICE_PREFIX + name] = _choice(META_CHOICE_PREFIX + name, lang)
    if st.button(t("scn_resolve", lang)):
        chosen = resolve(conflict, take=choices)
        try:
            store.save(chosen, base_revision=conflict.theirs.meta.revision)
        except ConflictError as again:  # someone saved once more meanwhile
            st.session_state[CONFLICT] = again
            rerun_here()
        except LifecircleError as exc:
            st.error(f"{t('error', lang)}: {public_markdown(exc)}")
            return
        saved = store.load(picked)
        st.session_state[work_key] = (saved, saved.meta.revision)
        del st.session_state[CONFLICT]
        rerun_here()


def _choice(key: str, lang: str) -> Literal["mine", "theirs"]:
    picked = st.radio(
        key,
        options=["mine", "theirs"],
        horizontal=True,
        key=f"pick::{key}",
        format_func=lambda c: t(f"scn_{c}", lang),
        label_visibility="collapsed",
    )
    return "theirs" if picked == "theirs" else "mine"
