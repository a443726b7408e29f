"""The programme group hard rules between people, venues and facilitators that the candidate
groups are built from (the group rules themselves, sizes, one woman, co-defendants, rooms and
facilitators' weeks, are the model's constraints). The independent checker (check.py) writes
them again row by row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.core.config import Config
from engine.groups.records import SLOTS


def venue_reach(
    people: pd.DataFrame, venues: pd.DataFrame, travel: np.ndarray, config: Config
) -> np.ndarray:
    """[people x venues]: within the travel limit each way, and step-free where needed."""
    step_free = (
        ~people["needs_accessible"].to_numpy(bool)[:, None]
        | venues["accessible"].to_numpy(bool)[None, :]
    )
    return (travel <= config.groups.max_travel_minutes) & step_free


def trained_for(programme: str, facilitators: pd.DataFrame) -> np.ndarray:
    """Per facilitator: trained to deliver the programme."""
    return np.array([programme in t for t in facilitators["trained_programmes"]], bool)


def able_facilitators(
    trained: np.ndarray,
    free_slots: np.ndarray,
    minutes_to_venue: np.ndarray,
    pattern: Sequence[int],
    config: Config,
) -> np.ndarray:
    """The facilitators who may run a group at a venue in a weekly slot pattern: trained, free
    in every slot of it, and within their travel limit of the venue."""
    return np.nonzero(
        trained
        & free_slots[:, list(pattern)].all(1)
        & (minutes_to_venue <= config.groups.facilitator_max_travel_minutes)
    )[0]


def group_sessions(
    start: date, slots: list[str], sessions: int, holidays: frozenset[date] = frozenset()
) -> list[tuple[date, str]]:
    """(date, slot) of every session: the slots' weekdays from the start date's week on, never
    on a bank holiday (that session is held at the next slot)."""
    monday = start - timedelta(days=start.weekday())
    days = sorted(slots, key=SLOTS.index)
    out: list[tuple[date, str]] = []
    week = 0
    while len(out) < sessions and week < 400:
        for s in days:
            d = monday + timedelta(days=7 * week + SLOTS.index(s) // 3)
            if d >= start and len(out) < sessions and d not in holidays:
                out.append((d, s))
        week += 1
    return out


def running_sessions(
    start: date,
    slots: list[str],
    done: int,
    left: int,
    first_day: date,
    holidays: frozenset[date],
) -> list[tuple[date, str]]:
    """(date, slot) of the sessions a running group has left: `left` of its weekly slots from
    `first_day` on (its start, where later), a bank holiday's session held at the next slot, so
    its end date is recomputed with the calendar. A group that starts on or after `first_day`
    (a plan run for a quarter already begun, with the groups as they are today) held its
    `done` sessions from its start: the `left` follow them, where counting from its start
    would hold its first sessions twice and end it late by as many."""
    held = group_sessions(start, slots, done, holidays) if start >= first_day else []
    begin = held[-1][0] + timedelta(days=1) if held else max(start, first_day)
    return group_sessions(begin, slots, left, holidays)


def co_defendants(exclusions: list[tuple[int, int]], i: int) -> set[int]:
    """Whom person `i` may not share a group with (either side of an exclusion pair)."""
    return {b for a, b in exclusions if a == i} | {a for a, b in exclusions if b == i}


def pre_group_venues(order: list[int], own: int, others: int) -> list[int]:
    """Where a member of a group at venue `own` may have their pre-group appointment: there,
    or at the `others` venues nearest them that they reach (`order`: the venues they reach,
    nearest first)."""
    return [own] + [u for u in order if u != own][:others]
