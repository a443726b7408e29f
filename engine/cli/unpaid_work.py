"""`probation upw plan|replan`: the Unpaid Work week."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from engine.cli.common import (
    ENGINE,
    KEEP_BEST,
    QUIET,
    SCHEDULER,
    app,
    command_group,
    guard,
    run_options,
)

if TYPE_CHECKING:
    from engine.core.lifecycle import RunOptions

upw_app = command_group("Unpaid Work: weekly placement planning.")
app.add_typer(upw_app, name="upw")


def _run_week(opts: RunOptions, cancel: list[str]) -> None:
    """Plan (or re-plan) the week and print what the coordinator needs to know."""
    from engine.core.errors import RunFailed
    from engine.unpaid_work.pipeline import run_week
    from engine.unpaid_work.plan import SOLVERS

    if opts.solver not in SOLVERS:
        raise typer.BadParameter(f"solver must be one of {sorted(SOLVERS)}")
    s = guard(lambda: run_week(opts), (RunFailed, ValueError), "week failed").summary
    g = s["greedy"]
    print(
        f"Unpaid Work week {s['week']} ({s['solver']}): {s['placed']} of {s['people']} people placed in "
        f"{s['sessions']} sessions, {s['credited_hours']:g} hours credited; behind pace and unplaced "
        f"{s['behind_pace_unplaced']} of {s['behind_pace']}; travel over 60 min {s['travel_over_60']}"
    )
    print(
        f"  greedy first-fit on the same week: {g['placed']} placed, {g['credited_hours']:g} hours, behind pace "
        f"and unplaced {g['behind_pace_unplaced']}, travel over 60 min {g['travel_over_60']}"
    )
    ahead = s.get("horizon", [])[1:]
    if ahead:
        print(
            "  provisional weeks ahead (re-planned next time): "
            + "; ".join(
                f"{h['week']} {h['placed']} placed, {h['credited_hours']:g} h" for h in ahead
            )
            + " (upw_progress.csv: each person's projected completion at this pace)"
        )
    sup, ind = s.get("supervisors", {}), s.get("inductions", {})
    _given_or_note(
        sup,
        lambda: (
            f"supervisors: {sup['rostered']} of {sup['supervisors']} rostered to "
            f"{sup['sessions_rostered']} sessions; {sup['sessions_unsupervised']} session(s) cannot "
            "run for want of a supervisor (upw_unsupervised.csv, with why)"
        ),
    )
    _given_or_note(
        ind,
        lambda: (
            f"inductions: {ind['needed']} needed, {ind['planned']} planned in time, "
            f"{ind['late']} late, {ind['not_planned']} not planned (upw_induction_plan.csv, with why)"
        ),
    )
    if "tell" in s:
        print(f"  re-planned around {', '.join(cancel)}: tell {len(s['tell'])} people:")
        for t in s["tell"][:20]:
            print(
                f"    {t['person_id']}: lost {', '.join(t['cancelled']) or '-'}; replacement {', '.join(t['added']) or 'none found'}"
            )
    if s.get("ete_over_share"):
        n = len(s["ete_over_share"])
        who = "person has" if n == 1 else "people have"
        print(
            f"  {n} {who} ETE hours already over the share allowed (no more ETE planned for them): "
            f"{', '.join(s['ete_over_share'][:10])}"
        )
    if s.get("placements_without_days"):
        print(f"  placements with no session days: {', '.join(s['placements_without_days'])}")
    if "outcomes" in s:
        o = s["outcomes"]
        print(
            f"  outcomes fed back: {o['sessions']} sessions, {o['hours_added']:g} hours added; "
            f"tell the practitioner of {o['unacceptable_absences']} unacceptable absence(s):"
        )
        for t in s["tell_practitioner"][:20]:
            late = " (OVERDUE)" if t["overdue"] else ""
            print(
                f"    {t['person_id']} ({t['pdu']}) absent from {t['placement_id']} on {t['date']}: "
                f"tell by {t['tell_by']}{late}"
            )
    if s.get("reused"):
        print(
            "  (this week was already stored: files re-exported, nothing planned or written again)"
        )
    rostered = "upw_roster.csv, upw_unsupervised.csv, " if sup.get("given") else ""
    rostered += "upw_induction_plan.csv, " if ind.get("given") else ""
    print(
        f"  files: {opts.out}/upw_schedule.csv, upw_unplaced.csv, upw_reviews.csv, "
        f"upw_progress.csv, upw_tell_practitioner.csv, {rostered}upw_summary.json"
    )


def _given_or_note(part: dict, line) -> None:
    """A summary part's line when its input was given, else its note (nothing if absent)."""
    if part.get("given"):
        print(f"  {line()}")
    elif part:
        print(f"  {part['note']}")


@upw_app.command("plan")
def upw_plan(
    data: Path = typer.Option(
        ..., help="Folder with upw_people and upw_placements (CSV or Parquet)"
    ),
    week: str = typer.Option(..., help="ISO week to plan, e.g. 2026-W48"),
    out: Path = typer.Option(..., help="Output folder"),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite"
    ),
    osm: Path | None = typer.Option(None, help="Road network (local OpenStreetMap XML)"),
    solver: str = typer.Option("mip", help="mip (LP-guided HiGHS, the default) | cpsat | greedy"),
    time_limit: float | None = typer.Option(None, min=1, help="Seconds per PDU"),
    weeks: int = typer.Option(
        4, min=1, max=12, help="Weeks planned ahead: week 1 firm, the rest provisional"
    ),
    config: Path | None = typer.Option(None),
    force: bool = typer.Option(False, "--force", help="Plan again even if this week is stored"),
    quiet: bool = QUIET,
    keep_best: bool = KEEP_BEST,
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Plan a week: people to placement sessions, within every Unpaid Work rule."""
    opts = run_options(
        data,
        out,
        config,
        engine=engine,
        scheduler=scheduler,
        quiet=quiet,
        osm=osm,
        period=week,
        db_url=db,
        solver=solver,
        force=force,
        time_limit=time_limit,
        keep_best=keep_best,
        weeks=weeks,
    )
    _run_week(opts, [])


@upw_app.command("replan")
def upw_replan(
    data: Path = typer.Option(...),
    week: str = typer.Option(...),
    out: Path = typer.Option(...),
    cancel: list[str] = typer.Option(
        ..., help="Session that stands down: PLACEMENT_ID@YYYY-MM-DD (repeatable)"
    ),
    db: str | None = typer.Option(None),
    osm: Path | None = typer.Option(None),
    solver: str = typer.Option("mip", help="mip | cpsat | greedy"),
    time_limit: float | None = typer.Option(None, min=1, help="Seconds for the re-plan's solve"),
    weeks: int = typer.Option(
        4, min=1, max=12, help="Weeks planned ahead: week 1 firm, the rest provisional"
    ),
    config: Path | None = typer.Option(None),
    quiet: bool = QUIET,
    keep_best: bool = KEEP_BEST,
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Re-plan a stored week around cancelled sessions, keeping everyone else's sessions, and
    list who must be told."""
    opts = run_options(
        data,
        out,
        config,
        engine=engine,
        scheduler=scheduler,
        quiet=quiet,
        osm=osm,
        period=week,
        db_url=db,
        solver=solver,
        cancel=tuple(cancel),
        force=True,  # a re-plan replaces the week's plan
        time_limit=time_limit,
        keep_best=keep_best,
        weeks=weeks,
    )
    _run_week(opts, cancel)
