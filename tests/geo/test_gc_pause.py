"""The cycle collector is paused for a block and comes back exactly as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from geo.gc_pause import paused_gc


def test_paused_for_the_block_and_back_on_after_nested_and_failing_blocks() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), paused_gc():
        _ = 1 / 0
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_pauses_end_with_the_last_one() -> None:
    inside = threading.Barrier(2)
    first_done = threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with paused_gc():
            inside.wait()
        first_done.set()

    def second() -> None:
        with paused_gc():
            inside.wait()
            first_done.wait(timeout=10)
            seen.append(gc.isenabled())  # the first pause ended, this one holds

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert seen == [False]
    assert gc.isenabled()


def test_what_the_block_kept_is_swept_when_the_last_pause_ends() -> None:
    # Left in the youngest generation, 100,000 kept objects would be walked by the next
    # collection, wherever it lands (a click after a city's analysis: ~0.1 s).
    assert gc.isenabled()
    with paused_gc():
        kept = [[i] for i in range(100_000)]
        assert gc.get_count()[0] >= 90_000  # young, not collected
    assert gc.get_count()[0] < 1_000
    assert len(kept) == 100_000
