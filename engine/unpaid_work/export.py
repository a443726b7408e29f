"""Files out of an Unpaid Work week: the schedule, the unplaced with their reasons, the reviews
due, and the summary; each written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.export import in_order, write_csv, write_json
from engine.unpaid_work.decode import (
    INDUCTION_COLUMNS,
    ROSTER_COLUMNS,
    SCHEDULE_COLUMNS,
    UNPLACED_COLUMNS,
    UNSUPERVISED_COLUMNS,
    review_rows,
)
from engine.unpaid_work.plan import week_dates

# table -> (its columns, the rows' order): the same week writes the same files whether just
# planned or read back from the store (and sums its hours in the same order for progress)
ORDER = {
    "schedule": (SCHEDULE_COLUMNS, ["person_id", "date", "placement_id"]),
    "unplaced": (UNPLACED_COLUMNS, ["pdu", "person_id"]),
    "roster": (ROSTER_COLUMNS, ["supervisor_id", "date", "placement_id"]),
    "unsupervised": (UNSUPERVISED_COLUMNS, ["placement_id", "date"]),
    "inductions": (INDUCTION_COLUMNS, ["pdu", "person_id"]),
}


def ordered(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The week's tables in `ORDER` (those it names; the others as they are), an induction's
    minutes whole where the store read them back as floats beside the missing ones."""
    out = dict(tables)
    for name, (columns, order) in ORDER.items():
        if name in out:
            out[name] = in_order(out[name], columns, order)
    if "inductions" in out:
        out["inductions"] = out["inductions"].astype({"travel_minutes": "Int64"})
    return out


def with_weeks(schedule: pd.DataFrame, first: str) -> pd.DataFrame:
    """The schedule with each row's ISO week, and `firm` for the first week's (the weeks
    after it are provisional: re-planned next time)."""
    end = (week_dates(first)[-1]).isoformat()
    days = pd.to_datetime(schedule["date"].astype(str))
    return schedule[SCHEDULE_COLUMNS].assign(
        week=days.dt.strftime("%G-W%V"), firm=schedule["date"].astype(str) <= end
    )


def export_week(
    out: Path,
    tables: dict[str, pd.DataFrame],
    progress: pd.DataFrame,
    tell: pd.DataFrame,
    summary: dict[str, Any],
) -> list[Path]:
    """upw_schedule.csv, upw_unplaced.csv, upw_progress.csv (everyone still working off hours,
    with the projected completion), upw_reviews.csv (those at a review or late),
    upw_tell_practitioner.csv (the unacceptable absences to report), upw_roster.csv (who
    supervises which session) and upw_unsupervised.csv (sessions that cannot run for want of a
    supervisor, with why) when the week has supervisors, upw_induction_plan.csv (everyone who
    needs an induction: planned, late or not, with why) when it has induction slots, and
    upw_summary.json."""
    out = Path(out)
    return [
        write_csv(out / "upw_schedule.csv", with_weeks(tables["schedule"], summary["week"])),
        write_csv(out / "upw_unplaced.csv", tables["unplaced"][UNPLACED_COLUMNS]),
        write_csv(out / "upw_progress.csv", progress),
        write_csv(out / "upw_reviews.csv", review_rows(progress)),
        write_csv(out / "upw_tell_practitioner.csv", tell),
        *(
            [
                write_csv(out / "upw_roster.csv", tables["roster"][ROSTER_COLUMNS]),
                write_csv(
                    out / "upw_unsupervised.csv", tables["unsupervised"][UNSUPERVISED_COLUMNS]
                ),
            ]
            if summary.get("supervisors", {}).get("given")
            else []
        ),
        *(
            [write_csv(out / "upw_induction_plan.csv", tables["inductions"][INDUCTION_COLUMNS])]
            if summary.get("inductions", {}).get("given")
            else []
        ),
        write_json(out / "upw_summary.json", summary),
    ]
