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


class TelemetryIOManager(dg.ConfigurableIOManager):
    base_dir: str

    def _stem(self, key: dg.AssetKey, partition: str | None) -> Path:
        return Path(self.base_dir).joinpath(*key.path) / (partition or "__unpartitioned__")

    @with_fewer_collections
    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        stem = self._stem(
            context.asset_key, context.partition_key if context.has_partition_key else None
        )
        if isinstance(obj, pd.DataFrame):
            path = storage.write_parquet(stem.with_suffix(".parquet"), obj)
        elif (
            isinstance(obj, dict) and obj and all(isinstance(v, pd.DataFrame) for v in obj.values())
        ):
            folder = stem.with_suffix(".tables")
            staging = folder.with_name(folder.name + ".staging")
            shutil.rmtree(staging, ignore_errors=True)
            for name, frame in obj.items():
                storage.write_parquet(staging / f"{name}.parquet", frame)
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
            path = folder
        elif isinstance(obj, BaseModel):
            kind = f"{type(obj).__module__}:{type(obj).__qualname__}"
            # Pydantic's own serializer writes the data part: a manifest of tens of thousands
            # of files decoded and re-encoded through ``json`` cost seconds.
            text = f'{{"model": {json.dumps(kind)}, "data": {obj.model_dump_json()}}}\n'
            path = storage.write_text(stem.with_suffix(".json"), text)
        else:
            path = storage.write_json(stem.with_suffix(".json"), {"model": None, "data": obj})
        context.add_output_metadata({"stored_at": dg.MetadataValue.path(str(path))})

    @with_fewer_collections
    def load_input(self, context: dg.InputContext) -> Any:
        key = context.asset_key
        partition = context.asset_partition_key if context.has_asset_partitions else None
        stem = self._stem(key, partition)
        if stem.with_suffix(".parquet").is_file():
            return storage.read_parquet(stem.with_suffix(".parquet"))
        if stem.with_suffix(".tables").is_dir():
            return {
                p.stem: storage.read_parquet(p)
                for p in sorted(stem.with_suffix(".tables").glob("*.parquet"))
            }
        raw = stem.with_suffix(".json").read_bytes()
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
