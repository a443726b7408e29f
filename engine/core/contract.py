"""Reading and validating input tables: every problem named by file, row and column.

Import is all-or-nothing for every planner: any bad row fails the whole import with every
problem listed, and nothing is handed on (so nothing can be stored half-written).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from engine.core.errors import ProbationError

MAX_LISTED = 50


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where it is and what is wrong."""

    file: str
    row: int | None  # 1-based data row (the header is not a row); None for file-level problems
    column: str | None
    message: str
    value: Any = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row} (line {self.row + 1})"
        if self.column:
            where += f", column '{self.column}'"
        val = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{val}"


class DataContractError(ProbationError, ValueError):
    """The input does not meet the data contract. `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        shown = "\n".join(f"  - {i}" for i in issues[:MAX_LISTED])
        more = f"\n  ... and {len(issues) - MAX_LISTED} more" if len(issues) > MAX_LISTED else ""
        super().__init__(f"input rejected, {len(issues)} problem(s):\n{shown}{more}")

    def __reduce__(self):
        """Raised in a checking process, it crosses back whole (issues, not only the text)."""
        return (type(self), (self.issues,))


def find_table(folder: Path, stem: str) -> Path | None:
    for ext in (".csv", ".parquet"):
        p = folder / f"{stem}{ext}"
        if p.exists():
            return p
    return None


def find_tables(folder: str | Path, stems: Iterable[str]) -> dict[str, Path]:
    """The folder's table for each stem (.csv or .parquet); a missing folder or table fails
    with every one named."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataContractError([Issue(str(folder), None, None, "input folder does not exist")])
    found = {stem: find_table(folder, stem) for stem in stems}
    missing = [
        Issue(str(folder / f"{stem}.csv"), None, None, "file not found (.csv or .parquet)")
        for stem, p in found.items()
        if p is None
    ]
    if missing:
        raise DataContractError(missing)
    return {stem: p for stem, p in found.items() if p is not None}


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
        return df.astype(object).where(df.notna(), "")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:  # pandas would rename the second 'x' to 'x.1' and read the first silently
        raise DataContractError(
            [
                Issue(path.name, None, c, "column appears more than once in the header")
                for c in twice
            ]
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def read_table_or_fail(path: Path) -> pd.DataFrame:
    try:
        return read_table(path)
    except ProbationError:  # already says what: bad input (by file and column), or a signal
        raise  # (Ctrl-C or SIGTERM while the file is read ends the run, not as bad input)
    except Exception as exc:  # unreadable or malformed file: name it
        raise DataContractError([Issue(path.name, None, None, f"cannot be read: {exc}")]) from exc


def validate_rows(
    name: str,
    df: pd.DataFrame,
    model: type,
    required: list[str],
    issues: list[Issue],
    optional: Iterable[str] = (),
) -> list[Any]:
    missing = [c for c in required if c not in df.columns]
    if missing:
        for c in missing:
            issues.append(Issue(name, None, c, "required column is missing"))
        return []
    if df.empty:  # a header alone would plan nothing, or fail later far from its cause
        issues.append(Issue(name, None, None, "has no rows (only a header)"))
        return []
    required = required + [c for c in optional if c in df.columns]
    records = df[required].to_dict("records")
    adapter: TypeAdapter[list[Any]] = TypeAdapter(list[model])  # type: ignore[valid-type]
    try:
        return adapter.validate_python(records)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            row = int(loc[0]) + 1 if loc and isinstance(loc[0], int) else None
            col = str(loc[1]) if len(loc) > 1 else None
            value = records[row - 1].get(col) if row is not None and col in required else None
            msg = err["msg"].removeprefix("Value error, ")
            issues.append(Issue(name, row, col, msg, value))
        return []


def check_duplicates(name: str, ids: Iterable[str], column: str, issues: list[Issue]) -> None:
    seen: dict[str, int] = {}
    for row, i in enumerate(ids, start=1):
        if i in seen:
            issues.append(Issue(name, row, column, f"duplicate id, first seen at row {seen[i]}", i))
        else:
            seen[i] = row


def keyed_rows(
    path: Path,
    model: type,
    required: list[str],
    key: str,
    issues: list[Issue],
    optional: Iterable[str] = (),
) -> list:
    """An extra table's rows (an optional file of a planner): each row valid against `model`,
    its `key` unique; every problem added to `issues` by file, row and field."""
    rows = validate_rows(path.name, read_table_or_fail(path), model, required, issues, optional)
    check_duplicates(path.name, (getattr(r, key) for r in rows), key, issues)
    return rows


def check_reference(
    name: str, row: int, column: str, value: str | None, known: set[str], what: str, issues: list
) -> None:
    """An optional id that must name a row of another file (`what`: 'a placement not in X')."""
    if value is not None and value not in known:
        issues.append(Issue(name, row, column, f"refers to {what}", value))


def check_exclusions(
    name: str, row: int, own: str, excluded: Iterable[str], known: set[str], issues: list[Issue]
) -> None:
    """People to keep apart must be other people of the same file."""
    bad = [x for x in excluded if x not in known or x == own]
    if bad:
        issues.append(
            Issue(
                name,
                row,
                "exclude_person_ids",
                f"refers to unknown people or to the person themself: {bad}",
            )
        )


def file_hash(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
