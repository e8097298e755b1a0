"""Every write the product makes goes through here: atomic, so no half-written file is ever seen.

A file is written to a temporary sibling, flushed and fsynced, then moved over the target with
``os.replace`` (atomic on POSIX within one filesystem). A process killed at any point leaves
either the old file or the new one, and at worst a ``.tmp-*`` sibling that the next write of
the same target removes.

Caches may skip the fsync (``durable=False``) and may append (:func:`append_bytes`): their
readers verify every record (a checksum) and treat a torn or missing one as a miss, so a crash
or power loss costs a recomputation, never a wrong answer.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


@contextlib.contextmanager
def _atomic_target(path: Path, durable: bool = True) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.tmp-*"):
        with contextlib.suppress(OSError):
            stale.unlink()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if durable:
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> Path:
    with _atomic_target(path, durable) as tmp:
        tmp.write_bytes(data)
    return path


def append_bytes(path: Path, data: bytes) -> Path:
    """Append ``data`` with one ``write`` on an ``O_APPEND`` descriptor (no fsync).

    Only for self-verifying records (see the module docstring): concurrent appenders each land
    whole at the end on a local filesystem, and a crash can leave a torn last record.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


INDENT_BELOW = 64 << 10
"""JSON documents smaller than this are indented for people; bigger ones (a manifest of tens of
thousands of files) are written compact, since only the compact encoder runs in C."""


def write_json(path: Path, value: Any) -> Path:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text) < INDENT_BELOW:
        text = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)
    return write_text(path, text + "\n")


PARQUET_COMPRESSION = "snappy"
"""Parquet's own default codec, readable everywhere. The tables are small and every step
writes and reads several: snappy took about a third less CPU than zstd for each, for files
about 1.7 times as large."""


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The table a frame is stored as: no pandas index, no schema metadata (so no creation-time
    or library-version bytes), hence the same bytes for the same data."""
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def table_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=PARQUET_COMPRESSION, write_statistics=False)
    return sink.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic Parquet bytes of ``frame`` (see :func:`arrow_table`)."""
    return table_bytes(arrow_table(frame))


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    return write_bytes(path, parquet_bytes(frame))


def write_table(path: Path, table: pa.Table) -> Path:
    return write_bytes(path, table_bytes(table))


def read_parquet(path: Path) -> pd.DataFrame:
    # One file, read as one: ``pq.read_table`` goes through the dataset layer (discovery,
    # partitioning), a fixed cost that weighed more than the read of a small table.
    with pq.ParquetFile(path) as parquet:
        return parquet.read().to_pandas()


def remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
