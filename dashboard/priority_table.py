"""The survey's priority ranking as people read it: localized headers and names, one
language per cell, units named by compound (小区) with the H3 id kept as a second column.

Pure pandas (no ``st``): the page shows it and the CSV/XLSX exports write it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t


def reason_in(reasons: str, lang: str) -> str:
    """The ranking's reasons (``"english | 中文"``) in one language."""
    english, sep, chinese = reasons.partition(" | ")
    return chinese if lang == "zh" and sep else english


def priority_frame(
    ranked: pd.DataFrame,
    *,
    taxonomy: Taxonomy,
    lang: str,
    by: str,
    compounds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``rank_priorities``' table for people.

    Parameters
    ----------
    ranked
        The table :func:`geo.surveys.priorities.rank_priorities` returns.
    taxonomy
        For the categories' names.
    lang
        ``"zh"`` or ``"en"``: headers, names and reasons in that language only.
    by
        ``"hexagon"`` (units are H3 ids) or ``"compound"`` (units are compound names).
    compounds
        With ``by="hexagon"``, the compound covering each row's cell ("" for none).
    """
    units = ranked["unit"].astype(str).to_numpy()
    if by == "hexagon":
        names = list(compounds) if compounds is not None else [""] * len(units)
        where = {
            t("ml_col_compound", lang): [n or t("ml_no_compound", lang) for n in names],
            t("ml_col_h3", lang): units,
        }
    else:
        where = {t("ml_col_compound", lang): units}
    return pd.DataFrame(
        {
            t("col_rank", lang): ranked["rank"].to_numpy(),
            **where,
            t("col_category", lang): [taxonomy.get(str(c)).name(lang) for c in ranked["category"]],
            t("col_requests", lang): ranked["requests"].to_numpy(),
            t("col_not_served", lang): ranked["residents_not_served"]
            .round(0)
            .astype(int)
            .to_numpy(),
            t("col_score", lang): ranked["score"].round(3).to_numpy(),
            t("col_reasons", lang): [reason_in(r, lang) for r in ranked["reasons"].astype(str)],
            t("ml_col_mean_need", lang): ranked["mean_need"].to_numpy(),
            t("col_residents", lang): ranked["residents"].round(0).astype(int).to_numpy(),
            t("ml_col_lon", lang): ranked["lon"].to_numpy(),
            t("ml_col_lat", lang): ranked["lat"].to_numpy(),
        }
    )
