"""Files out of a run, written atomically: each goes to a temporary file beside it and is then
renamed over the old one, so a reader (or a run killed half way) never sees half a file."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.records import FORMULA_STARTS


def write_text(path: Path, text: str) -> Path:
    """Write `text` to `path` atomically (a temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # a temporary name of its own per call: threads and processes may write the same file
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("x") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """A table as CSV (no index), atomically, with every text cell a spreadsheet would run as a
    formula escaped by a leading apostrophe (OWASP's advice on CSV injection)."""
    return write_text(path, escape_formulas(frame).to_csv(index=False))


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each text cell that starts like a formula (=, +, -, @, tab, CR) prefixed
    with an apostrophe; numbers are left as they are."""
    out = frame
    for col in frame.columns:
        cells = frame[col]
        if not (pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells)):
            continue
        risky = cells.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
        if risky.any():
            out = out.copy() if out is frame else out
            out[col] = cells.where(~risky, "'" + cells.astype(str))
    return out


def in_order(frame: pd.DataFrame, columns: list[str], order: list[str]) -> pd.DataFrame:
    """`frame`'s `columns` with its rows in `order` (a stable sort): a plan read back from the
    store, whose rows come in no set order (PostgreSQL; SQLite by its key), writes the same
    files as when it was made."""
    return frame[columns].sort_values(order, kind="stable", ignore_index=True)


def write_json(path: Path, data: Any) -> Path:
    """A summary as indented JSON (dates and the like as text), atomically."""
    return write_text(path, json.dumps(data, indent=2, default=str))
