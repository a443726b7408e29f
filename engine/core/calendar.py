"""Working days for the 5-working-day allocation deadline (Mon-Fri less bank holidays)."""

from __future__ import annotations

from datetime import date

import numpy as np


def _holidays(holidays: list[date]) -> np.ndarray:
    return np.array(sorted(holidays), dtype="datetime64[D]")


def working_days_elapsed(
    sentence_dates: np.ndarray, run_date: date, holidays: list[date]
) -> np.ndarray:
    """Working days after each sentence date up to and including the run date (0 on the day)."""
    start = np.asarray(sentence_dates, dtype="datetime64[D]") + 1
    end = np.datetime64(run_date, "D") + 1
    elapsed = np.busday_count(start, end, holidays=_holidays(holidays))
    return np.maximum(elapsed, 0)


def deadline(sentence_dates: np.ndarray, days: int, holidays: list[date]) -> np.ndarray:
    """The date by which each case must be allocated: `days` working days after sentence."""
    start = np.asarray(sentence_dates, dtype="datetime64[D]")
    return np.busday_offset(start, days, roll="forward", holidays=_holidays(holidays))


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_dates(week: str) -> list[date]:
    """'2026-W48' -> the seven dates Monday..Sunday of that ISO week."""
    try:
        year, w = week.upper().split("-W")
        return [date.fromisocalendar(int(year), int(w), d) for d in range(1, 8)]
    except ValueError:
        raise ValueError(f"{week!r} is not an ISO week like 2026-W48") from None
