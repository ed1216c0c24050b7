"""Tests for geo.surveys.tables: CSV that opens in Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.access.analysis import Analysis
from geo.district.model import District
from geo.errors import InputFileError
from geo.standards.taxonomy import Taxonomy
from geo.surveys.priorities import PRIORITY_COLUMNS, rank_priorities
from geo.surveys.tables import priorities_to_csv
from tests.geo.surveys.survey_files import (
    SAMPLE,
    survey,
)


def test_priorities_csv_opens_in_excel(
    tmp_path: Path, analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    responses = survey(SAMPLE, lujiazui, taxonomy, crs="gcj02").responses
    ranked = rank_priorities(analysis, responses, by="compound")
    path = priorities_to_csv(ranked, tmp_path / "priorities.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == list(PRIORITY_COLUMNS)
    assert back["unit"].tolist() == ranked["unit"].tolist()
    assert back["reasons"].tolist() == ranked["reasons"].tolist()
    with pytest.raises(InputFileError, match="does not exist"):
        priorities_to_csv(ranked, tmp_path / "missing" / "p.csv")
