"""The residents page (AppTest): the per-compound table and sentence from the geo
estimate, and a saved correction that changes the analysis by exactly its residents."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.sidebar import CONTEXT_KEY
from geo.district.model import District
from geo.population.estimate import estimate_population
from lifecircle.i18n import t

KEY = "东昌新村"


def by_label(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in widgets if w.label == label)


def test_population_page_shows_and_saves_a_correction(
    app_test: Callable[..., AppTest],
    lujiazui: District,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path))
    lang = "zh"
    expected = estimate_population(lujiazui)
    share, floors = expected.default_floors()
    at = app_test(lang=lang)
    at.switch_page("views/population.py").run()
    assert not at.exception, [e.value for e in at.exception]
    sentence = t(
        "pop_default_sentence",
        lang,
        share=share * 100,
        homes_default=int((expected.homes["levels_source"] == "default").sum()),
        homes=len(expected.homes),
        floors=floors,
    )
    assert any(sentence in m.value for m in at.markdown)
    table = at.dataframe[0].value
    names = table[t("pop_col_compound", lang)].tolist()
    assert names[-1] == t("pop_outside", lang)
    assert table[t("pop_col_homes", lang)].sum() == len(expected.homes)
    assert table[t("pop_col_residents", lang)].sum() == pytest.approx(
        expected.homes["population"].sum(), abs=len(table)
    )
    served_before = at.session_state[CONTEXT_KEY].analysis.coverage.row("health_centre")["served"]

    by_label(at.selectbox, t("pop_edit_compound", lang)).set_value(KEY).run()
    by_label(at.number_input, t("pop_edit_floors", lang)).set_value(12.0)
    by_label(at.button, t("pop_save", lang)).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    saved = json.loads((tmp_path / "lujiazui" / "population.json").read_text("utf-8"))
    assert saved["compounds"] == {KEY: {"floors": 12.0}}
    # The analysis now uses 12 floors there: health centre residents served change by the
    # extra residents of the compound's served homes (6 → 12 floors doubles them).
    after = at.session_state[CONTEXT_KEY].analysis
    homes = expected.homes
    row = after.categories.index("health_centre")
    in_key = (homes["compound"] == KEY).to_numpy()
    extra = float(homes["population"].to_numpy()[in_key & after.served[row]].sum())
    got = after.coverage.row("health_centre")["served"] - served_before
    assert got == pytest.approx(extra, abs=1e-6)
    assert after.population["overridden_compounds"][0]["compound"] == KEY
    overridden = at.dataframe[0].value.set_index(t("pop_col_compound", lang))
    assert overridden.loc[KEY, t("pop_col_override", lang)] == t("pop_override_floors", lang)
