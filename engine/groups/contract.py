"""Programme groups data contract: `referrals`, `programmes`, `venues`, `facilitators` (CSV or
Parquet), and optionally `groups_running`, validated row by row like the allocation inputs;
all-or-nothing, every problem named by file, row and column, cross-references checked
(programmes named, people excluded, a running group's programme, venue and facilitators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from engine.core.contract import (
    DataContractError,
    Issue,
    check_duplicates,
    check_exclusions,
    file_hash,
    find_table,
    find_tables,
    keyed_rows,
    read_table_or_fail,
    validate_rows,
)
from engine.core.errors import RunFailed
from engine.groups.records import Facilitator, Programme, Referral, RunningGroup, Venue

COLUMNS = {
    "referrals": [
        "person_id",
        "sex",
        "pdu",
        "programme",
        "referral_date",
        "sentence_end",
        "home_lat",
        "home_lon",
        "travel_mode",
        "available_slots",
        "exclude_person_ids",
    ],
    "programmes": [
        "programme",
        "kind",
        "sessions",
        "sessions_per_week",
        "session_hours",
        "min_group",
        "max_group",
        "facilitators_per_session",
    ],
    "venues": [
        "venue_id",
        "pdu",
        "lat",
        "lon",
        "rooms",
        "available_slots",
        "women_only_space",
        "accessible",
    ],
    "facilitators": [
        "facilitator_id",
        "sex",
        "pdu",
        "trained_programmes",
        "available_slots",
        "max_sessions_per_week",
        "base_lat",
        "base_lon",
    ],
}
RUNNING_COLUMNS = [
    "group_id",
    "programme",
    "venue_id",
    "slots",
    "start_date",
    "facilitator_ids",
    "person_ids",
    "sessions_done",
]
RUNNING_LISTS = ["slots", "facilitator_ids", "person_ids"]
RUNNING_OPTIONAL = ["women_only", "one_to_one"]
OPTIONAL = {"referrals": ["needs_accessible"]}
MODELS = {
    "referrals": Referral,
    "programmes": Programme,
    "venues": Venue,
    "facilitators": Facilitator,
}
KEYS = {
    "referrals": "person_id",
    "programmes": "programme",
    "venues": "venue_id",
    "facilitators": "facilitator_id",
}
LISTS = {
    "referrals": ["available_slots", "exclude_person_ids"],
    "venues": ["available_slots"],
    "facilitators": ["trained_programmes", "available_slots"],
}


@dataclass
class GroupsDataset:
    referrals: pd.DataFrame
    programmes: pd.DataFrame
    venues: pd.DataFrame
    facilitators: pd.DataFrame
    inputs_hash: str
    source: str
    running: pd.DataFrame | None = None  # groups already running (None: no file given)


def load_groups(folder: str | Path, max_group: int = 12) -> GroupsDataset:
    """Read and validate a programme groups folder. Raises DataContractError listing every problem."""
    folder = Path(folder)
    paths = find_tables(folder, COLUMNS)
    issues: list[Issue] = []
    recs = {
        stem: validate_rows(
            p.name,
            read_table_or_fail(p),
            MODELS[stem],
            COLUMNS[stem],
            issues,
            OPTIONAL.get(stem, ()),
        )
        for stem, p in paths.items()
    }
    for stem, rows in recs.items():
        check_duplicates(
            paths[stem].name, (getattr(r, KEYS[stem]) for r in rows), KEYS[stem], issues
        )
    name = {stem: p.name for stem, p in paths.items()}
    programmes = {p.programme for p in recs["programmes"]}
    for row, p in enumerate(recs["programmes"], start=1):
        if p.max_group > max_group:
            issues.append(
                Issue(
                    name["programmes"],
                    row,
                    "max_group",
                    f"groups run with at most {max_group}",
                    p.max_group,
                )
            )
    if recs["programmes"]:
        people = {r.person_id for r in recs["referrals"]}
        for row, r in enumerate(recs["referrals"], start=1):
            if r.programme not in programmes:
                issues.append(
                    Issue(
                        name["referrals"],
                        row,
                        "programme",
                        f"not in {name['programmes']}",
                        r.programme,
                    )
                )
            check_exclusions(
                name["referrals"], row, r.person_id, r.exclude_person_ids, people, issues
            )
        for row, f in enumerate(recs["facilitators"], start=1):
            bad = [x for x in f.trained_programmes if x not in programmes]
            if bad:
                issues.append(
                    Issue(
                        name["facilitators"],
                        row,
                        "trained_programmes",
                        f"not in {name['programmes']}: {bad}",
                    )
                )
    rpath = find_table(folder, "groups_running")
    running = None
    if rpath is not None:
        running = keyed_rows(
            rpath, RunningGroup, RUNNING_COLUMNS, "group_id", issues, RUNNING_OPTIONAL
        )
        _check_running(rpath.name, running, recs, issues)
    if issues:
        raise DataContractError(issues)
    frames = {}
    for stem, rows in recs.items():
        df = pd.DataFrame(
            [r.model_dump(mode="json") for r in rows],
            columns=COLUMNS[stem] + OPTIONAL.get(stem, []),
        )
        for col in LISTS.get(stem, []):
            df[col] = [getattr(r, col) for r in rows]
        frames[stem] = df
    if (
        "needs_accessible" not in frames["referrals"]
        or frames["referrals"]["needs_accessible"].isna().any()
    ):
        frames["referrals"]["needs_accessible"] = [r.needs_accessible for r in recs["referrals"]]
    return GroupsDataset(
        frames["referrals"],
        frames["programmes"],
        frames["venues"],
        frames["facilitators"],
        file_hash(list(paths.values()) + ([rpath] if rpath is not None else [])),
        str(folder),
        _frame(running) if running is not None else None,
    )


def running_one_to_ones(running: pd.DataFrame | None) -> set[str]:
    """The ids of the running rows that are one-to-ones under way (`one_to_one`)."""
    if running is None:
        return set()
    return set(running.loc[running["one_to_one"].fillna(False).astype(bool), "group_id"])


def _frame(running: list[RunningGroup]) -> pd.DataFrame:
    df = pd.DataFrame(
        [g.model_dump(mode="json") for g in running], columns=RUNNING_COLUMNS + RUNNING_OPTIONAL
    )
    for col in RUNNING_LISTS:
        df[col] = [getattr(g, col) for g in running]
    return df


def _check_running(name: str, running: list[RunningGroup], recs: dict, issues: list[Issue]) -> None:
    """A running group names a programme, venue and facilitators of the other files; its slots
    are the programme's sessions a week on different days; it has sessions left; its members
    fit the programme's groups and are in no other running group. A file that failed its own
    checks (no rows back from `validate_rows`) is not checked against: its problems are listed
    already, and every id in it would read as unknown (one bad facilitator row had each running
    group's facilitators reported as not in facilitators.csv)."""
    progs = {p.programme: p for p in recs.get("programmes", [])}
    venues = {v.venue_id for v in recs.get("venues", [])}
    facs = {f.facilitator_id: f for f in recs.get("facilitators", [])}
    member_of: dict[str, str] = {}
    for row, g in enumerate(running, start=1):

        def bad(field: str, message: str, value: object = None) -> None:
            issues.append(Issue(name, row, field, message, value))  # noqa: B023

        prog = progs.get(g.programme)
        if progs and prog is None:
            bad("programme", "not in programmes", g.programme)
        if venues and g.venue_id not in venues:
            bad("venue_id", "not in venues", g.venue_id)
        for f in g.facilitator_ids:
            if facs and f not in facs:
                bad("facilitator_ids", "not in facilitators", f)
        days = [s[:3] for s in g.slots]
        if len(set(days)) != len(days):
            bad("slots", "two sessions on one day", ";".join(g.slots))
        for pid in g.person_ids:
            if pid in member_of:
                bad("person_ids", f"already a member of {member_of[pid]}", pid)
            member_of[pid] = g.group_id
        if prog is None:
            continue
        if len(g.slots) != prog.sessions_per_week:
            bad("slots", f"{prog.programme} runs {prog.sessions_per_week} session(s) a week")
        if g.sessions_done >= prog.sessions:
            bad("sessions_done", f"{prog.programme} has {prog.sessions} sessions: nothing left")
        if len(g.person_ids) > prog.max_group:
            bad("person_ids", f"{len(g.person_ids)} members, at most {prog.max_group}")
        if g.one_to_one:
            if len(g.person_ids) != 1 or len(g.facilitator_ids) != 1:
                bad("one_to_one", "a one-to-one has one person and one facilitator", True)
        elif len(g.facilitator_ids) != prog.facilitators_per_session:
            bad(
                "facilitator_ids",
                f"{len(g.facilitator_ids)} named, {prog.facilitators_per_session} run each session",
            )


@dataclass(frozen=True)
class Disruption:
    """A facilitator off, or a venue closed, from `first` to `last` inclusive."""

    kind: str  # facilitator | venue
    who: str
    first: date
    last: date

    def hits(self, day: date, venue: str, facilitators: tuple[str, ...]) -> bool:
        if not self.first <= day <= self.last:
            return False
        return venue == self.who if self.kind == "venue" else self.who in facilitators

    def __str__(self) -> str:
        what = "off" if self.kind == "facilitator" else "closed"
        return f"{self.who} {what} {self.first}..{self.last}"


def parse_disruptions(
    off: tuple[str, ...], closed: tuple[str, ...], ds: GroupsDataset
) -> list[Disruption]:
    """`F@FROM..TO` (or `F@DAY`) per facilitator off and venue closed, each checked against
    the folder: a clear error naming the option and the value that is wrong."""
    out = []
    known = {
        "facilitator": set(ds.facilitators["facilitator_id"]),
        "venue": set(ds.venues["venue_id"]),
    }
    for kind, flag, specs in (
        ("facilitator", "--facilitator-off", off),
        ("venue", "--venue-closed", closed),
    ):
        for spec in specs:
            who, at, span = spec.partition("@")
            first_s, _, last_s = span.partition("..")
            try:
                first = date.fromisoformat(first_s.strip())
                last = date.fromisoformat((last_s or first_s).strip())
            except ValueError:
                raise RunFailed(
                    f"{flag} {spec!r}: give ID@YYYY-MM-DD..YYYY-MM-DD (or ID@YYYY-MM-DD)"
                ) from None
            who = who.strip()
            if not at or not who:
                raise RunFailed(f"{flag} {spec!r}: give ID@YYYY-MM-DD..YYYY-MM-DD")
            if last < first:
                raise RunFailed(f"{flag} {spec!r}: the period ends before it begins")
            if who not in known[kind]:
                raise RunFailed(f"{flag} {spec!r}: no {kind} {who!r} in the folder")
            out.append(Disruption(kind, who, first, last))
    if not out:
        raise RunFailed("a re-plan needs --facilitator-off or --venue-closed")
    return out
