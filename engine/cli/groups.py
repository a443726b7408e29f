"""`probation groups plan`: the programme quarter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from engine.cli.common import (
    ENGINE,
    KEEP_BEST,
    QUIET,
    SCHEDULER,
    app,
    command_group,
    config_or_exit,
    guard,
    no_store,
    out_file,
    run_options,
)

groups_app = command_group("Accredited Programmes and Structured Interventions: groups.")
app.add_typer(groups_app, name="groups")


@groups_app.command("plan")
def groups_plan(
    data: Path = typer.Option(
        ..., help="Folder with referrals, programmes, venues, facilitators (CSV or Parquet)"
    ),
    from_: str = typer.Option(
        ..., "--from", help="First day of the horizon (YYYY-MM-DD); groups start on Mondays"
    ),
    out: Path = typer.Option(..., help="Output folder"),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite"
    ),
    osm: Path | None = typer.Option(None, help="Road network (local OpenStreetMap XML)"),
    solver: str = typer.Option(
        "mip", help="mip (all programmes together) | cpsat | greedy (one after another)"
    ),
    time_limit: float | None = typer.Option(None, min=1, help="Seconds per programme"),
    config: Path | None = typer.Option(None),
    force: bool = typer.Option(False, "--force", help="Plan again even if this plan is stored"),
    quiet: bool = QUIET,
    keep_best: bool = KEEP_BEST,
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Form and schedule programme groups for a quarter: who joins which group, where, when,
    with which facilitators; the unplaced with a reason and an alternative."""
    from engine.core.errors import RunFailed
    from engine.groups.pipeline import run_groups
    from engine.groups.plan import SOLVERS

    if solver not in SOLVERS:
        raise typer.BadParameter(f"solver must be one of {sorted(SOLVERS)}")
    start = _first_day(from_)
    opts = run_options(
        data,
        out,
        config,
        engine=engine,
        scheduler=scheduler,
        quiet=quiet,
        osm=osm,
        period=start.isoformat(),
        db_url=db,
        solver=solver,
        time_limit=time_limit,
        force=force,
        keep_best=keep_best,
    )
    s = guard(lambda: run_groups(opts), (RunFailed, ValueError), "plan failed").summary
    g = s["greedy"]
    print(
        f"Programme groups from {s['from']} ({s['solver']}): {s['started']} of {s['referrals']} people start in "
        f"{s['groups']} groups, mean wait {s['mean_wait_days']} days, travel over 60 min {s['travel_over_60']}, "
        f"{s['unplaced']} unplaced (each with a reason and an alternative)"
    )
    if s.get("started_bound") is not None:
        print(
            f"  proved: no plan starts more than {s['started_bound']:g} "
            f"(gap {100 * s['started_gap']:.2f}%; per programme in groups_summary.json)"
        )
    print(
        f"  first come first served on the same referrals: {g['started']} start in {g['groups']} groups, mean wait "
        f"{g['mean_wait_days']} days, travel over 60 min {g['travel_over_60']}"
    )
    print(
        "  each member meets a facilitator one to one before their group's first session "
        "(pre_group.csv)"
    )
    if s.get("one_to_one"):
        print(
            f"  {s['one_to_one']} no group took delivered one-to-one instead "
            "(one_to_one.csv: venue, slots, dates, facilitator)"
        )
    if s.get("unplaced_by_reason"):
        why = ", ".join(
            f"{n} {code.lower().replace('_', ' ').replace(';', ' and ')}"
            for code, n in list(s["unplaced_by_reason"].items())[:5]
        )
        more = " ..." if len(s["unplaced_by_reason"]) > 5 else ""
        print(f"  why the unplaced start no group: {why}{more} (unplaced.csv, reason_code)")
    if s.get("facilitator_gaps"):
        print(f"  {facilitator_gaps_line(s['facilitator_gaps'])}")
    if s.get("facilitators"):
        f = s["facilitators"]
        print(
            f"  facilitators: {f['weeks_at_most']} week(s) at their most sessions this quarter, "
            f"{f['sessions_spare']} sessions spare (facilitator_weeks.csv)"
        )
    if s.get("reviews", {}).get("due"):
        r = s["reviews"]
        parts = ", ".join(f"{r[k]} {k.lower().replace('_', ' ')}" for k in sorted(r) if k != "due")
        print(f"  {r['due']} review(s) this quarter with the programme not done: {parts}")
    if s.get("running_groups") or s.get("running_one_to_one"):
        ones = (
            f" and {s['running_one_to_one']} one-to-one(s)" if s.get("running_one_to_one") else ""
        )
        print(
            f"  {s['running_groups']} group(s) ({s['running_members']} members){ones} already "
            "running: their rooms and facilitators held first, their people not planned again, "
            "their end dates recomputed (groups.csv, status RUNNING)"
        )
    if s.get("reused"):
        print(
            "  (this plan was already stored: files re-exported, nothing planned or written again)"
        )
    print(
        f"  files: {out}/groups.csv, group_members.csv, pre_group.csv, unplaced.csv, "
        "one_to_one.csv, group_reviews.csv, facilitator_weeks.csv, groups_summary.json"
    )


@groups_app.command("replan")
def groups_replan(
    data: Path = typer.Option(..., help="The folder the stored plan was made from"),
    from_: str = typer.Option(..., "--from", help="The quarter's first day, as planned"),
    out: Path = typer.Option(..., help="Output folder"),
    facilitator_off: list[str] = typer.Option(
        [], help="A facilitator off: FACILITATOR_ID@FROM..TO, dates YYYY-MM-DD (repeatable)"
    ),
    venue_closed: list[str] = typer.Option(
        [], help="A venue closed: VENUE_ID@FROM..TO, dates YYYY-MM-DD (repeatable)"
    ),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite"
    ),
    osm: Path | None = typer.Option(None, help="Road network (local OpenStreetMap XML)"),
    time_limit: float | None = typer.Option(None, min=1, help="Seconds for the re-plan's solve"),
    config: Path | None = typer.Option(None),
    quiet: bool = QUIET,
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Re-plan the quarter's stored plan around facilitators off and venues closed: each
    session they hit is covered by another trained facilitator, else moved to another venue,
    else postponed, with the fewest people affected; everything else stays as it was. Lists
    who must be told (tell.csv) and every session changed (changes.csv)."""
    from engine.core.errors import RunFailed
    from engine.groups.pipeline import replan_groups

    start = _first_day(from_)
    opts = run_options(
        data,
        out,
        config,
        engine=engine,
        scheduler=scheduler,
        quiet=quiet,
        osm=osm,
        period=start.isoformat(),
        db_url=db,
        time_limit=time_limit,
        force=True,  # a re-plan replaces the quarter's plan
        facilitator_off=tuple(facilitator_off),
        venue_closed=tuple(venue_closed),
    )
    s = guard(lambda: replan_groups(opts), (RunFailed, ValueError), "re-plan failed").summary
    r = s["replan"]
    print(f"Programme groups from {s['from']} re-planned around {'; '.join(r['disruptions'])}:")
    print(
        f"  {r['sessions_disrupted']} session(s) hit: {r['cover']} covered by another "
        f"facilitator, {r['move']} moved to another venue, {r['reschedule']} held another day "
        f"that week, {r['postpone']} postponed, "
        f"{r['rebook']} pre-group appointment(s) rebooked, {r['unresolved']} left for the team"
    )
    print(f"  {_told(r)}")
    print("  everything else is kept as it was")
    print(f"  files: {out}/tell.csv (who must be told what), changes.csv, groups.csv, ...")


@groups_app.command("running")
def groups_running(
    data: Path = typer.Option(..., help="The folder the stored plan was made from"),
    from_: str = typer.Option(
        ..., "--from", help="First day of the stored plan's quarter (YYYY-MM-DD), as planned"
    ),
    on: str = typer.Option(
        ...,
        "--on",
        help="First day of the next plan (YYYY-MM-DD): sessions before its Monday are held",
    ),
    out: Path = typer.Option(..., help="The file to write, e.g. next/groups_running.csv"),
    db: str = typer.Option(..., help="SQLAlchemy URL of the store holding the plan"),
    config: Path | None = typer.Option(None),
) -> None:
    """Write the groups and one-to-ones of the stored plan under way on --on as
    groups_running.csv, for the next plan to pin: each (new or already running) that began
    before that week, with its venue, slots, facilitators, members and the sessions it has
    held (earlier re-plans applied; a session left for the team counts as not held)."""
    from engine.core.errors import RunFailed
    from engine.core.export import write_csv
    from engine.groups.carry import carry_stored
    from engine.groups.plan import horizon_start
    from engine.groups.store import GroupsStore

    first, cut = horizon_start(_first_day(from_)), horizon_start(_first_day(on, "--on"))
    out_file(out)
    cfg = config_or_exit(config)

    def carry():
        if no_store(db):
            raise RunFailed(f"no store at {db}")
        carried = carry_stored(GroupsStore(db), data, first, cut, cfg)
        try:
            write_csv(out, carried.running)
        except OSError as exc:
            raise RunFailed(f"cannot write {out}: {exc.strerror or exc}") from None
        return carried

    c = guard(carry, (RunFailed, ValueError), "running groups not written")
    ones = c.running["one_to_one"].astype(bool)
    groups = c.running[~ones]
    people = int(groups["person_ids"].str.count(";").add(1).sum()) if len(groups) else 0
    print(
        f"{len(groups)} group(s) ({people} members) and {int(ones.sum())} one-to-one(s) under "
        f"way on {cut} written to {out}, with the sessions held before {cut}: give it to "
        f"`probation groups plan --from {cut}`"
    )
    if c.changed_later:
        print(
            f"  re-plan changes from {cut} on are not carried ({', '.join(c.changed_later)}): "
            "each group is held at its own venue with its own facilitators; re-plan again "
            "around what still stands"
        )


def _told(r: dict) -> str:
    """Who must be told, beside what the first repair that fits would do, compared in the
    re-plan's own order (config groups.replan_*: people whose sessions nothing repairs first,
    and they are told too, then people told), so that a plan repairing one more session and
    telling one more person is not read as the worse of the two."""
    g = r["greedy"]
    proved = " (proved best: fewest people in sessions left for the team, then fewest told)"
    return (
        f"{r['people_affected']} people must be told, and {r['facilitators_told']} "
        f"facilitator(s), with {r['unresolved']} session(s) left for the team"
        f"{proved if r['status'] == 'OPTIMAL' else ''}; taking the first repair that fits "
        f"would leave {g['unresolved']} for the team and tell {g['people_affected']}"
    )


def _first_day(from_: str, option: str = "--from") -> date:
    """A day as given to --from or --on (a clear error, not a traceback)."""
    try:
        return date.fromisoformat(from_)
    except ValueError:
        raise typer.BadParameter(f"{option} {from_!r} is not a date like 2026-11-23") from None


def facilitator_gaps_line(gaps: list[dict], most: int = 3) -> str:
    """The summary's line on where too few trained facilitators kept a group from being
    offered (the first `most`), with how many more each needs: a group needing two with none
    free needs two more, not another one."""
    where = "; ".join(
        f"{g['programme']} at {g['venue_id']} {g['slots']} ({g['waiting']} waiting, "
        f"{g['facilitators_free']} of {g['facilitators_needed']} facilitators free: "
        f"{g['facilitators_needed'] - g['facilitators_free']} more needed)"
        for g in gaps[:most]
    )
    return f"where more trained facilitators would let a group be offered: {where}"
