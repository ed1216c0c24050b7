"""The distance table of a large network, split over two processes, is the one table.

The split only starts from ``PARALLEL_MIN_NODES`` nodes and in a process without other
threads; here both are forced on the bundled district, and every row must equal the
single-process table exactly (each row's Dijkstra is its own search). The single-process
table is itself checked against networkx in ``test_engine.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo.access import engine as engine_module
from geo.access.engine import DistanceEngine
from geo.access.snapping import snap_facilities, sources_by_category
from geo.district.model import District
from geo.forked import rows_in_two_processes
from geo.standards.taxonomy import Taxonomy


def test_two_processes_fill_the_same_table(
    lujiazui: District, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = DistanceEngine.for_network(lujiazui.network, limit_m=taxonomy.limit_m)
    _, rows = snap_facilities(
        lujiazui.network,
        lujiazui.facilities,
        areas=lujiazui.facility_areas,
        entrances=lujiazui.entrances,
    )
    groups = sources_by_category(rows, taxonomy.ids)
    alone = engine.multi_source_groups(groups)
    forks: list[bool] = []

    def counted(search, rows, out):  # type: ignore[no-untyped-def]
        forks.append(True)
        rows_in_two_processes(search, rows, out)

    monkeypatch.setattr(engine_module, "PARALLEL_MIN_NODES", 0)
    monkeypatch.setattr(engine_module, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(engine_module, "can_fork", lambda: True)
    monkeypatch.setattr(engine_module, "rows_in_two_processes", counted)
    split = engine.multi_source_groups(groups)
    assert forks == [True]
    assert split.shape == alone.shape and split.dtype == alone.dtype
    assert np.array_equal(split, alone)  # inf where unreached, in the same places
    # Rows searched in the child are there (not left as allocated).
    searched = np.flatnonzero([len(g[0]) > 0 for g in groups])
    assert np.isfinite(split[searched[1::2]]).any(axis=1).all()
