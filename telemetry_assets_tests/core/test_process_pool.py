"""Work spread over forked processes comes back whole, in input order, with the state the
caller handed over; small work and platforms without fork stay in the calling process."""

from __future__ import annotations

import os

import pytest

from telemetry_assets.core import process_pool


def _tagged(items: list[int]) -> list[tuple[int, str, int]]:
    prefix: str = process_pool.inherited()
    return [(item, f"{prefix}-{item}", os.getpid()) for item in items]


def _short(items: list[int]) -> list[int]:
    return items[:-1]


@pytest.mark.skipif(not process_pool.fork_available(), reason="needs fork")
def test_results_keep_input_order_and_see_the_handed_state() -> None:
    items = list(range(5000, 0, -1))
    out = process_pool.map_chunks(_tagged, items, workers=2, state="shard", min_items=10)

    assert [item for item, _, _ in out] == items
    assert all(text == f"shard-{item}" for item, text, _ in out)
    # The work really left this process (otherwise the pool costs without helping).
    assert os.getpid() not in {pid for _, _, pid in out}
    assert process_pool.inherited() is None  # the handed state does not outlive the call


def test_small_work_stays_in_this_process() -> None:
    out = process_pool.map_chunks(_tagged, [3, 1, 2], workers=2, state="x", min_items=1000)

    assert out == [(3, "x-3", os.getpid()), (1, "x-1", os.getpid()), (2, "x-2", os.getpid())]


@pytest.mark.skipif(not process_pool.fork_available(), reason="needs fork")
def test_a_task_that_drops_results_is_an_error_not_a_shifted_table() -> None:
    with pytest.raises(RuntimeError, match="returned"):
        process_pool.map_chunks(_short, list(range(100)), workers=2, min_items=10)
