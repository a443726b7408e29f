"""`probation allocate`, `check`, `map`, `runs`: the nightly case allocation."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.common import (
    CONFIG,
    DB,
    ENGINE,
    KEEP_BEST,
    NIGHT,
    PDU,
    QUIET,
    REGION,
    SCHEDULER,
    app,
    config_or_exit,
    guard,
    out_file,
    parse_date,
    parse_latlon,
    run_options,
)


def _iso(day) -> str | None:
    return day.isoformat() if day else None


@app.command()
def allocate(
    data: Path = typer.Option(..., help="Input folder (practitioners and cases, CSV or Parquet)"),
    out: Path = typer.Option(..., help="Output folder"),
    db: str | None = DB,
    run_date: str | None = NIGHT,
    region: str | None = REGION,
    pdu: str | None = PDU,
    solver: str | None = typer.Option(
        None, help="cpsat | greedy | greedy-grade-first | random-eligible"
    ),
    osm: Path | None = typer.Option(
        None, help="Road network: a local OpenStreetMap XML file (.osm/.osm.bz2)"
    ),
    config: Path | None = CONFIG,
    allow_over_capacity: bool = typer.Option(
        False,
        "--allow-over-capacity",
        help="Cases nobody has room for go to the least-loaded eligible practitioner, flagged",
    ),
    force: bool = typer.Option(
        False, "--force", help="Solve again even if this night is already stored"
    ),
    quiet: bool = QUIET,
    keep_best: bool = KEEP_BEST,
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Run the nightly allocation for one PDU, a region or everything in the folder."""
    from engine.allocation.export import examples, render_summary
    from engine.allocation.pipeline import run_night
    from engine.core.errors import RunFailed

    opts = run_options(
        data,
        out,
        config,
        engine=engine,
        scheduler=scheduler,
        quiet=quiet,
        osm=osm,
        db_url=db,
        period=_iso(parse_date(run_date)),
        region=region,
        pdu=pdu,
        solver=solver,
        force=force,
        keep_best=keep_best,
    )
    if allow_over_capacity:
        allocation = opts.config.allocation.model_copy(update={"allow_over_capacity": True})
        opts.config = opts.config.model_copy(update={"allocation": allocation})
    outcome = guard(lambda: run_night(opts), (RunFailed, ValueError), "run failed")
    print(render_summary(outcome.summary))
    print("Examples (every proposal and its reason is in allocations.csv and report.md):")
    print(examples(outcome.tables["decisions"]))
    if outcome.reused:
        print(
            "  (this night was already stored: results re-exported, nothing solved or written again)"
        )
    print(f"  files: {', '.join(str(p) for p in outcome.files)}")


@app.command()
def reallocate(
    data: Path = typer.Option(..., help="Input folder of the night"),
    out: Path = typer.Option(..., help="Output folder"),
    practitioner: str = typer.Option(..., help="The practitioner whose cases move"),
    reason: str = typer.Option(..., help="left | absence | risk-to-staff | caseload-adjustment"),
    case: str | None = typer.Option(None, "--case", help="risk-to-staff: the one case that moves"),
    start: str | None = typer.Option(None, "--from", help="The request holds from (YYYY-MM-DD)"),
    end: str | None = typer.Option(None, "--to", help="... to (YYYY-MM-DD)"),
    db: str | None = DB,
    run_date: str | None = NIGHT,
    region: str | None = REGION,
    pdu: str | None = PDU,
    osm: Path | None = typer.Option(None, help="Road network: a local OpenStreetMap XML file"),
    config: Path | None = CONFIG,
    quiet: bool = QUIET,
) -> None:
    """Re-propose a practitioner's cases for a reason, with the fewest moves: their team first,
    everyone else kept. The night is solved again with the request (its stored run replaced),
    and each move is recorded with its reason."""
    from engine.allocation.export import render_summary
    from engine.allocation.pipeline import run_night
    from engine.core.errors import RunFailed

    request = {
        "practitioner_id": practitioner,
        "reason": reason,
        "case_id": case or "",
        "from_date": _iso(parse_date(start)) or "",
        "to_date": _iso(parse_date(end)) or "",
    }
    opts = run_options(
        data,
        out,
        config,
        engine="processes",
        scheduler=None,
        quiet=quiet,
        osm=osm,
        db_url=db,
        period=_iso(parse_date(run_date)),
        region=region,
        pdu=pdu,
        force=True,
        reallocations=(request,),
    )
    outcome = guard(lambda: run_night(opts), (RunFailed, ValueError), "run failed")
    print(render_summary(outcome.summary))
    d = outcome.tables["decisions"]
    affected = d[d["previous_practitioner_id"].eq(practitioner) & d["status"].ne("KEPT")]
    print(f"Cases of {practitioner} re-proposed ({reason}): {len(affected)}")
    for r in affected.head(10).itertuples():
        who = r.practitioner_id if isinstance(r.practitioner_id, str) else "nobody with room"
        print(f"  {r.status:<11} {r.case_id} -> {who}: {r.reason}")
    if len(affected) > 10:
        print(f"  ... and {len(affected) - 10} more (every one with its reason in allocations.csv)")
    print(f"  files: {', '.join(str(p) for p in outcome.files)}")


@app.command()
def recommend(
    data: Path = typer.Option(..., help="Input folder of the night"),
    results: Path = typer.Option(..., help="The night's output folder (allocations.csv, ...)"),
    case: str = typer.Option(..., "--case", help="The case to place"),
    top: int = typer.Option(5, min=1, max=50, help="How many practitioners to rank"),
    exclude: list[str] = typer.Option(
        [], "--exclude", help="A practitioner rejected for it (repeat for more)"
    ),
    osm: Path | None = typer.Option(None, help="Road network the night used"),
    config: Path | None = CONFIG,
) -> None:
    """Who should take this one case now: the eligible practitioners ranked by the night's own
    costs against its stored loads, each term's difference from the best, and the rules that
    exclude the rest."""
    import json

    import pandas as pd

    from engine.allocation.contract import load_dataset, on_night
    from engine.allocation.recommend import NoSuchCase, recommend, render
    from geo.travel import travel_service

    cfg = config_or_exit(config)

    def ranked():
        summary = json.loads((results / "summary.json").read_text())
        night = parse_date(summary["run_date"])
        assert night is not None
        ds = on_night(load_dataset(data, cfg), night, cfg)
        read = lambda name: pd.read_csv(results / name, dtype=str, keep_default_na=False)  # noqa: E731
        wl = read("workload.csv")
        wl["points"] = wl["points"].astype(int)
        return recommend(
            ds, read("allocations.csv"), wl, cfg, case, night, top, tuple(exclude),
            travel_service(cfg.travel, str(osm) if osm else None),
        )  # fmt: skip

    rec = guard(ranked, (NoSuchCase, OSError, KeyError), "cannot recommend")
    print(render(rec))


@app.command()
def capacity(
    data: Path = typer.Option(..., help="Input folder (practitioners and cases)"),
    out: Path = typer.Option(..., help="Output folder"),
    weeks: int = typer.Option(12, min=1, max=104, help="How many weeks ahead"),
    run_date: str | None = typer.Option(
        None, "--date", help="The first day (YYYY-MM-DD); default manifest or today"
    ),
    region: str | None = typer.Option(None, help="Only this region"),
    pdu: str | None = typer.Option(None, help="Only this PDU"),
    config: Path | None = CONFIG,
) -> None:
    """Capacity ahead: each practitioner's points week by week (releases to licence points,
    sentences ending, dated reductions), the cases falling due, and the fewest extra PO and PSO
    hours per PDU that place them all within 100% (CSV and an SVG chart)."""
    from datetime import date as _date

    from engine.allocation.capacity import export, project_scope
    from engine.allocation.contract import load_dataset

    cfg = config_or_exit(config)

    def run():
        ds = load_dataset(data, cfg)
        start = parse_date(run_date) or ds.run_date or _date.today()
        plan = project_scope(ds, cfg, start, weeks, region, pdu)
        return plan, export(plan, out)

    plan, files = guard(run, (OSError, ValueError), "capacity failed")
    print(f"Capacity ahead: {len(plan.weeks)} weeks from {plan.weeks[0]}")
    for r in plan.needs.itertuples():
        need = (
            f"short from the week of {r.first_week_short}: needs {r.extra_po_hours:g} more "
            f"contracted PO hours and {r.extra_pso_hours:g} PSO hours"
            if r.first_week_short is not None
            else "has room for every case due"
        )
        print(f"  {r.pdu}: {r.due_cases} cases due, {need}")
    print(f"  files: {', '.join(str(p) for p in files)}")


@app.command()
def check(
    data: Path = typer.Option(..., help="Input folder"),
    allocations: Path = typer.Option(..., help="allocations.csv to verify"),
    osm: Path | None = typer.Option(
        None, help="Road network used by the run, for a hard travel limit"
    ),
    config: Path | None = typer.Option(None),
    night: str | None = typer.Option(
        None, "--date", help="The night (YYYY-MM-DD) whose clock to check; default the manifest's"
    ),
) -> None:
    """Independently re-verify every hard rule of an allocations.csv against its input."""
    from engine.allocation.check import check_files

    cfg, day = config_or_exit(config), parse_date(night)
    rep = guard(lambda: check_files(data, allocations, cfg, str(osm) if osm else None, day))
    print(rep.summary())
    raise typer.Exit(0 if rep.ok else 1)


@app.command("map")
def map_(
    data: Path = typer.Option(..., help="Input folder (offices and homes are drawn)"),
    out: Path = typer.Option(Path("map.html"), help="HTML file to write"),
    site: str | None = typer.Option(
        None, help="LAT,LON whose 60/90-minute reach is drawn; default: the first office"
    ),
    mode: str = typer.Option("public_transport", help="car | walk | public_transport"),
    osm: Path | None = typer.Option(
        None, help="Local OpenStreetMap XML file; default: the config's"
    ),
    pdu: str | None = typer.Option(None, help="Only this PDU's offices and homes"),
    config: Path | None = typer.Option(None),
) -> None:
    """Write an HTML map of offices, homes and the 60/90-minute reach of a site."""
    from engine.allocation.contract import load_dataset
    from engine.allocation.map import write_map
    from geo.travel import MODES, travel_service

    if mode not in MODES:
        raise typer.BadParameter(f"mode must be one of {MODES}")
    out_file(out)
    cfg = config_or_exit(config)
    ds = guard(lambda: load_dataset(data, cfg))
    times = guard(lambda: travel_service(cfg.travel, str(osm) if osm else None))
    path = write_map(ds, times, out, site=parse_latlon(site) if site else None, mode=mode, pdu=pdu)
    print(f"wrote {path}")


@app.command()
def runs(db: str = typer.Option(..., help="SQLAlchemy URL of the store")) -> None:
    """List stored runs."""
    from engine.store.runs import Store

    for r in Store(db).list_runs():
        s = r["summary"]
        print(
            f"{r['run_id'][:12]}  {r['run_date']}  {r['scope']:<28} {r['solver']:<10} "
            f"new {s['counts']['NEW']:>5} moved {s['counts']['MOVED']:>3} unallocated {s['unallocated']:>4} "
            f"max {s['max_utilisation']:.1%}  "
            + (
                f"holds the night of {len(r['holds'])} PDU(s)"
                if r["holds"]
                else "superseded (another run holds its night)"
            )
        )
