"""Files out of an Unpaid Work week: the schedule, the unplaced with their reasons, the reviews
due, and the summary; each written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.export import write_csv, write_json
from engine.unpaid_work.decode import SCHEDULE_COLUMNS, UNPLACED_COLUMNS


def export_week(
    out: Path,
    tables: dict[str, pd.DataFrame],
    reviews: pd.DataFrame,
    tell: pd.DataFrame,
    summary: dict[str, Any],
) -> list[Path]:
    """upw_schedule.csv, upw_unplaced.csv, upw_reviews.csv, upw_tell_practitioner.csv (the
    unacceptable absences to report) and upw_summary.json in `out`."""
    out = Path(out)
    return [
        write_csv(out / "upw_schedule.csv", tables["schedule"][SCHEDULE_COLUMNS]),
        write_csv(out / "upw_unplaced.csv", tables["unplaced"][UNPLACED_COLUMNS]),
        write_csv(out / "upw_reviews.csv", reviews),
        write_csv(out / "upw_tell_practitioner.csv", tell),
        write_json(out / "upw_summary.json", summary),
    ]
