"""The groups and one-to-ones of a stored quarter's plan that are under way on a later day, as
the `groups_running.csv` rows the next plan pins (`probation groups running`). A team planning
again part-way through the quarter, or planning the next one, carries what it has started
without typing it again: each keeps its venue, slots, facilitators and members, and the
sessions it has held are counted from the plan as it stands (earlier re-plans applied)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from engine.core.config import Config
from engine.core.errors import RunFailed
from engine.groups.contract import (
    RUNNING_COLUMNS,
    RUNNING_OPTIONAL,
    GroupsDataset,
    load_groups,
    running_one_to_ones,
)
from engine.groups.decode import POSTPONE, UNRESOLVED
from engine.groups.replan import Delivery, Session, deliveries
from engine.groups.store import GroupsStore


@dataclass
class Carried:
    """What the next plan is given (`running`: groups_running.csv's rows, one-to-ones under
    way among them, marked `one_to_one`) and what it is not, for the team to act on: sessions
    a re-plan changed from the day on (the next plan holds each at its own venue and with its
    own facilitators; re-plan again around what still stands; `_moved`)."""

    running: pd.DataFrame
    changed_later: list[str] = field(default_factory=list)  # groups with changes from the day


def carry_stored(
    store: GroupsStore, data: Path, first: date, cut: date, config: Config, key: str | None = None
) -> Carried:
    """`running_on` for the plan stored as `key` (default: the latest of the quarter from
    `first`, its Monday), from the folder it was made from (its running groups' members are
    read there). RunFailed, in a sentence, where there is no such plan, the folder is another,
    or `cut` is not after the quarter's first Monday."""
    if cut <= first:
        raise RunFailed(f"{cut} is not after the quarter's first Monday, {first}")
    ds = load_groups(data, config.groups.max_group)
    key = key or store.latest(first.isoformat())
    found = None if key is None else store.find(key)
    if key is None or found is None:
        raise RunFailed(f"no stored plan from {first}: run `probation groups plan` first")
    if found["inputs_hash"] != ds.inputs_hash:
        raise RunFailed(
            f"the folder {data} is not the one the stored plan {key} was made from: give that "
            "folder (write the running groups before changing it)"
        )
    tables, _ = store.load(key)
    return running_on(ds, tables, first, cut, config)


def held(s: Session, cut: date) -> bool:
    """A session held before `cut`: on a day before it, where it stands now (a postponed
    session counts where it went), and not one a re-plan left for the team (not known to have
    gone ahead; the team corrects `sessions_done` where it did)."""
    return s.day < cut and not (s.change is not None and s.change["action"] == UNRESOLVED)


def running_on(
    ds: GroupsDataset,
    tables: dict[str, pd.DataFrame],
    first_day: date,
    cut: date,
    config: Config,
) -> Carried:
    """Every group (new or running) and one-to-one of the stored plan (`tables`, made from
    `first_day`) that began before `cut` and has sessions left from it, as a running group:
    its start, venue, slots and facilitators as planned, its members, and the sessions held
    before `cut` (with those a running group had held before the plan)."""
    sessions = ds.programmes.set_index("programme")["sessions"].astype(int).to_dict()
    stored = tables["groups"].set_index("group_id")
    ones = tables["one_to_one"].set_index("person_id")["start_date"].to_dict()
    carried_ones = running_one_to_ones(ds.running)
    rows: list[dict] = []
    columns = RUNNING_COLUMNS + RUNNING_OPTIONAL
    out = Carried(pd.DataFrame(columns=columns))
    for d in deliveries(ds, tables, first_day, config):
        if d.kind == "pre_group":
            continue
        total, before = sessions[d.programme], 0
        if d.kind == "one_to_one":
            start = date.fromisoformat(str(ones[d.people[0]]))
        else:
            g = stored.loc[d.item]
            start = date.fromisoformat(str(g["start_date"]))
            before = total - int(g["sessions_left"]) if g["status"] == "RUNNING" else 0
        done = before + sum(held(s, cut) for s in d.sessions)
        if start >= cut or done >= total:
            continue
        one = d.kind == "one_to_one" or d.item in carried_ones
        rows.append(_row(d, start, done, one))
        if any(_moved(s) and s.day >= cut for s in d.sessions):
            out.changed_later.append(d.item)
    out.running = pd.DataFrame(rows, columns=columns)
    return out


def _moved(s: Session) -> bool:
    """A session a re-plan covered, moved, held another day or left for the team: the next
    plan holds it as the group's own again. A postponement is carried by the count of
    sessions held (the next plan's sessions run on that many weeks longer)."""
    return s.change is not None and s.change["action"] != POSTPONE


def _row(d: Delivery, start: date, done: int, one_to_one: bool) -> dict:
    return {
        "group_id": d.item,
        "programme": d.programme,
        "venue_id": d.venue,
        "slots": ";".join(d.slots),
        "start_date": start.isoformat(),
        "facilitator_ids": ";".join(d.facilitators),
        "person_ids": ";".join(d.people),
        "sessions_done": done,
        "women_only": d.women_only,
        "one_to_one": one_to_one,
    }
