"""Spread CPU-bound work on many small items over forked processes, results in input order.

Hashing, displaying and scanning tens of thousands of short strings is pure Python work: threads
would take turns on the GIL, so a second core only helps from a second process. The pool is
forked, so the state a task needs (a built redactor, a detector with its compiled patterns, or a
closure over them) is inherited as it is at the fork instead of being pickled or rebuilt; it is
handed over in :func:`map_chunks` and read back in the task with :func:`inherited`. Where fork
is not available, or the work is too small to pay for starting processes, everything runs here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_STATE: Any = None

MIN_ITEMS = 5000
"""Items below which the work stays in this process: forking and collecting results cost about
as much as a few thousand hashes, redactions or scans of short strings."""

CHUNKS_PER_WORKER = 4
"""Tasks per process: a few, so one slow chunk (a big file to hash) does not leave a core idle."""


def inherited() -> Any:
    """The state :func:`map_chunks` handed to the processes (in this process too when it ran
    the work itself)."""
    return _STATE


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def map_chunks(
    task: Callable[[list[Item]], list[Result]],
    items: Sequence[Item],
    workers: int,
    *,
    state: Any = None,
    min_items: int = MIN_ITEMS,
) -> list[Result]:
    """``task`` over ``items`` cut into chunks; one result per item, in the order of ``items``.

    ``task`` must be a module-level function (it is pickled by name) that returns one result per
    item of its chunk; it reads ``state`` with :func:`inherited`.
    """
    global _STATE
    previous, _STATE = _STATE, state
    try:
        if workers <= 1 or len(items) < min_items or not fork_available():
            return task(list(items))
        count = min(len(items), workers * CHUNKS_PER_WORKER)
        size = -(-len(items) // count)
        chunks = [list(items[k : k + size]) for k in range(0, len(items), size)]
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            out: list[Result] = []
            for part, chunk in zip(pool.map(task, chunks), chunks, strict=True):
                if len(part) != len(chunk):
                    raise RuntimeError(f"{task.__name__} returned {len(part)} of {len(chunk)}")
                out.extend(part)
            return out
    finally:
        _STATE = previous
