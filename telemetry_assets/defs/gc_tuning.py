"""Fewer garbage collections while an asset step runs or its input and output are moved.

A step allocates hundreds of thousands of small, short-lived, acyclic objects (manifest records,
table rows, parsed cells) next to a large live heap (Dagster, pandas, the loaded manifest).
With CPython's default threshold of 700 allocations, young collections run thousands of times
per step and each full collection walks the whole heap: on ten thousand small files that was a
sixth of the main process's CPU. Reference counting frees the acyclic garbage anyway, so the
young generation is collected less often while our code runs; the previous thresholds come back
afterwards, so Dagster and anything else in the process keep theirs.
"""

from __future__ import annotations

import functools
import gc
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

YOUNG_THRESHOLD = 50_000
"""Net allocations between young collections (CPython's default is 700)."""

Fn = TypeVar("Fn", bound=Callable[..., Any])


@contextmanager
def fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def with_fewer_collections(fn: Fn) -> Fn:
    """``fn`` (a function or a generator function) run under :func:`fewer_collections`; its
    signature is kept, so Dagster still sees its context and resource parameters."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            with fewer_collections():
                yield from fn(*args, **kwargs)

        return generator  # type: ignore[return-value]

    @functools.wraps(fn)
    def plain(*args: Any, **kwargs: Any) -> Any:
        with fewer_collections():
            return fn(*args, **kwargs)

    return plain  # type: ignore[return-value]
