"""Files out of a run, written atomically: each goes to a temporary file beside it and is then
renamed over the old one, so a reader (or a run killed half way) never sees half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd


def write_text(path: Path, text: str) -> Path:
    """Write `text` to `path` atomically (a temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """A table as CSV (no index), atomically."""
    return write_text(path, frame.to_csv(index=False))


def write_json(path: Path, data: Any) -> Path:
    """A summary as indented JSON (dates and the like as text), atomically."""
    return write_text(path, json.dumps(data, indent=2, default=str))
