"""Columnar, atomic storage for the intermediate assets: Parquet for tables, JSON for models.

Not pickles: anyone can open an intermediate with pandas or DuckDB, and a code change cannot
make yesterday's data unreadable. Files are ``<base>/<asset>/<partition>.parquet`` (or
``.json``, or a folder of Parquet files for a dict of tables), written atomically.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import BaseModel, create_model

from telemetry_assets import storage
from telemetry_assets.defs.gc_tuning import with_fewer_collections

_MODEL_HEADER = re.compile(rb'\{"model": "([\w.]+):([\w.]+)", "data": ')
"""The start :meth:`TelemetryIOManager.handle_output` writes for a model. Anything else (a plain
value, a file written by hand) is read through ``json`` as before."""


@lru_cache(maxsize=16)
def _stored_model(module: str, name: str) -> Any:
    """The stored file as one pydantic model (``model`` and ``data``), so pydantic's own JSON
    parser reads it in one pass: ``json.loads`` and then validating built each of a manifest's
    ten thousand artifact records twice (a dict, then the model)."""
    model = getattr(importlib.import_module(module), name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return create_model(f"Stored{name}", model=(str, ...), data=(model, ...))


Identity = tuple[tuple[str, int, int, int, int], ...]


def _identity(path: Path) -> Identity | None:
    """What tells one stored file (or folder of tables) from any rewrite of it: every write
    goes through a new temporary file moved into place, so a rewrite is a new inode."""
    try:
        paths = [path, *sorted(path.glob("*.parquet"))] if path.is_dir() else [path]
        stats = [(p.name, *_stat(p)) for p in paths]
    except OSError:
        return None
    return tuple(stats)


def _stat(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


class _Loaded:
    """What this process last wrote to or read from the store, per file, while the file is
    unchanged.

    In one process (``materialize``, the in-process executor) each step's output is read by the
    next step, and the sanitized tables, the occurrences, the groups and the manifest by two:
    each was parsed again. A hit hands out a shallow copy of a table (pandas copies on write, so
    no step can change another's) and a frozen model itself; other values are not kept. Only
    the partition last written or read is kept, so an earlier date's tables do not stay in
    memory.
    """

    def __init__(self) -> None:
        self._partition: str | None = None
        self._entries: dict[Path, tuple[Identity, Any]] = {}

    def _for(self, partition: str | None) -> None:
        if partition != self._partition:
            self._entries.clear()
            self._partition = partition

    def get(self, path: Path, partition: str | None, identity: Identity | None) -> Any:
        self._for(partition)
        found = self._entries.get(path)
        if found is None or identity is None or found[0] != identity:
            return None
        return _handed_out(found[1])

    def put(self, path: Path, partition: str | None, identity: Identity | None, value: Any) -> Any:
        self._for(partition)
        if identity is not None and _keepable(value):
            self._entries[path] = (identity, value)
            return _handed_out(value)
        return value

    def forget(self, path: Path, partition: str | None) -> None:
        self._for(partition)
        self._entries.pop(path, None)


def _keepable(value: Any) -> bool:
    if isinstance(value, pd.DataFrame):
        return True
    if isinstance(value, dict):
        return bool(value) and all(isinstance(v, pd.DataFrame) for v in value.values())
    return isinstance(value, BaseModel) and bool(type(value).model_config.get("frozen"))


def _handed_out(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: v.copy(deep=False) for k, v in value.items()}
    return value


_loaded = _Loaded()


class TelemetryIOManager(dg.ConfigurableIOManager):
    base_dir: str

    def _stem(self, key: dg.AssetKey, partition: str | None) -> Path:
        return Path(self.base_dir).joinpath(*key.path) / (partition or "__unpartitioned__")

    @with_fewer_collections
    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        partition = context.partition_key if context.has_partition_key else None
        stem = self._stem(context.asset_key, partition)
        for suffix in (".parquet", ".tables", ".json"):
            _loaded.forget(stem.with_suffix(suffix), partition)
        # What a later step of this run would read back from the written file, kept so it is
        # not read and decoded again: the Arrow tables the frames were stored as (so a frame
        # comes back with the stored types, exactly as from the file), a frozen model itself.
        as_read: Any = None
        if isinstance(obj, pd.DataFrame):
            table = storage.arrow_table(obj)
            path = storage.write_table(stem.with_suffix(".parquet"), table)
            as_read = table.to_pandas()
        elif (
            isinstance(obj, dict) and obj and all(isinstance(v, pd.DataFrame) for v in obj.values())
        ):
            folder = stem.with_suffix(".tables")
            staging = folder.with_name(folder.name + ".staging")
            shutil.rmtree(staging, ignore_errors=True)
            tables = {name: storage.arrow_table(frame) for name, frame in obj.items()}
            for name, table in tables.items():
                storage.write_table(staging / f"{name}.parquet", table)
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
            path = folder
            # In the order :meth:`_read` lists the files.
            as_read = {
                n: tables[n].to_pandas() for n in sorted(tables, key=lambda n: f"{n}.parquet")
            }
        elif isinstance(obj, BaseModel):
            kind = f"{type(obj).__module__}:{type(obj).__qualname__}"
            # Pydantic's own serializer writes the data part: a manifest of tens of thousands
            # of files decoded and re-encoded through ``json`` cost seconds.
            text = f'{{"model": {json.dumps(kind)}, "data": {obj.model_dump_json()}}}\n'
            path = storage.write_text(stem.with_suffix(".json"), text)
            as_read = obj
        else:
            path = storage.write_json(stem.with_suffix(".json"), {"model": None, "data": obj})
        if as_read is not None:
            _loaded.put(path, partition, _identity(path), as_read)
        context.add_output_metadata({"stored_at": dg.MetadataValue.path(str(path))})

    @with_fewer_collections
    def load_input(self, context: dg.InputContext) -> Any:
        key = context.asset_key
        partition = context.asset_partition_key if context.has_asset_partitions else None
        stem = self._stem(key, partition)
        path = stem.with_suffix(".parquet")
        if not path.is_file():
            path = stem.with_suffix(".tables")
            if not path.is_dir():
                path = stem.with_suffix(".json")
        identity = _identity(path)
        found = _loaded.get(path, partition, identity)
        if found is not None:
            return found
        return _loaded.put(path, partition, identity, self._read(path))

    def _read(self, path: Path) -> Any:
        if path.suffix == ".parquet":
            return storage.read_parquet(path)
        if path.suffix == ".tables":
            return {p.stem: storage.read_parquet(p) for p in sorted(path.glob("*.parquet"))}
        raw = path.read_bytes()
        header = _MODEL_HEADER.match(raw)
        stored = _stored_model(*(g.decode() for g in header.groups())) if header else None
        if stored is not None:
            return stored.model_validate_json(raw).data
        payload = json.loads(raw)
        if payload["model"]:
            module, _, name = payload["model"].partition(":")
            model = getattr(importlib.import_module(module), name)
            return model.model_validate(payload["data"])
        return payload["data"]
