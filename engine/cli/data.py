"""`probation generate`, `validate`, `travel`: inputs for every planner, and travel times."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from engine.cli.common import (
    DEFAULT_BOUNDARIES,
    app,
    config_or_exit,
    console,
    guard,
    out_folder,
    parse_date,
    parse_latlon,
    say_error,
)


@app.command()
def generate(
    out: Path = typer.Option(
        ..., help="Folder to write practitioners.csv, cases.csv and manifest.json"
    ),
    scale: str = typer.Option("region", help="pdu | region | national"),
    region: str | None = typer.Option(None, help="Probation region (pdu/region scale)"),
    pdu: str | None = typer.Option(None, help="PDU name (pdu scale)"),
    seed: int = typer.Option(42),
    tight: bool = typer.Option(
        False, "--tight", help="Caseloads at capacity: scarce room for new cases"
    ),
    run_date: str | None = typer.Option(
        None, "--date", help="The night to generate (YYYY-MM-DD); default today"
    ),
    practitioners: int | None = typer.Option(
        None, help="Override the number of case-holding practitioners"
    ),
    new_cases: int | None = typer.Option(None, help="Override the number of new cases"),
    existing_cases: int | None = typer.Option(
        None,
        help="At most this many existing cases (a random sample of the "
        "caseloads dealt to capacity is kept)",
    ),
    upw_outcomes: bool = typer.Option(
        False, "--upw-outcomes", help="Also last week's Unpaid Work outcomes (upw_attendance.csv)"
    ),
    supervisors_short: bool = typer.Option(
        False,
        "--supervisors-short",
        help="Fewer than half the Unpaid Work supervisors: they, not places, bind the week",
    ),
    both_share: float = typer.Option(
        0.0,
        "--both-share",
        min=0.0,
        max=1.0,
        help="This share of programme referrals are people on Unpaid Work too (one calendar)",
    ),
    fmt: str = typer.Option("csv", "--format", help="csv | parquet"),
    boundaries: Path = typer.Option(
        DEFAULT_BOUNDARIES, help="Folder with the ONS boundary GeoJSON files"
    ),
    config: Path | None = typer.Option(None, help="Config TOML overriding the shipped defaults"),
) -> None:
    """Generate a seeded synthetic night on real geography."""
    from engine.synthetic import SCALES, SyntheticSpec, write_dataset
    from engine.synthetic import generate as gen

    if scale not in SCALES:
        raise typer.BadParameter(f"scale must be one of {sorted(SCALES)}")
    spec = SyntheticSpec(
        scale=scale,
        region=region,
        pdu=pdu,
        seed=seed,
        tight=tight,
        run_date=parse_date(run_date) or date.today(),
        n_practitioners=practitioners,
        n_new=new_cases,
        n_existing=existing_cases,
        upw_outcomes=upw_outcomes,
        supervisors_short=supervisors_short,
        both_share=both_share,
    )
    try:
        pracs, cases, manifest = gen(boundaries, spec, config_or_exit(config))
    except (ValueError, FileNotFoundError) as exc:
        say_error(exc, "error")
        raise typer.Exit(2) from None
    write_dataset(out_folder(out), pracs, cases, manifest, fmt)
    console.print(
        f"wrote {len(pracs)} practitioners and {len(cases)} cases "
        f"({manifest['new_cases']} new) for {', '.join(manifest['regions'])} to {out}",
        markup=False,
        soft_wrap=True,
    )


@app.command()
def validate(
    data: Path = typer.Option(..., help="Input folder"), config: Path | None = typer.Option(None)
) -> None:
    """Validate an input folder against the data contract without running anything."""
    from engine.allocation.contract import load_dataset
    from engine.core.contract import find_table
    from engine.groups.contract import load_groups
    from engine.unpaid_work.contract import load_upw

    cfg = config_or_exit(config)

    def report() -> None:
        ds = load_dataset(data, cfg)
        print(
            f"valid: {len(ds.practitioners)} practitioners, {len(ds.cases)} cases (inputs hash {ds.inputs_hash[:12]})"
        )
        if find_table(data, "upw_people") or find_table(data, "upw_placements"):
            upw = load_upw(data, cfg)
            print(f"valid: {len(upw.people)} Unpaid Work people, {len(upw.placements)} placements")
        if find_table(data, "referrals") or find_table(data, "programmes"):
            grp = load_groups(data, cfg.groups.max_group)
            print(
                f"valid: {len(grp.referrals)} programme referrals, {len(grp.programmes)} programmes, "
                f"{len(grp.venues)} venues, {len(grp.facilitators)} facilitators"
            )

    guard(report)


@app.command()
def travel(
    from_: str = typer.Option(..., "--from", help="LAT,LON of the start (e.g. a home)"),
    to: str = typer.Option(..., "--to", help="LAT,LON of the end (e.g. an office)"),
    mode: str = typer.Option("public_transport", help="car | walk | public_transport"),
    osm: Path | None = typer.Option(
        None, help="Local OpenStreetMap XML file; default: the config's"
    ),
    config: Path | None = typer.Option(None),
) -> None:
    """Minutes one way between two places, and the method that gave the figure."""
    from geo.travel import MODES, travel_service

    if mode not in MODES:
        raise typer.BadParameter(f"mode must be one of {MODES}")
    (a, b), (c, d) = parse_latlon(from_), parse_latlon(to)
    cfg = config_or_exit(config)
    times = guard(lambda: travel_service(cfg.travel, str(osm) if osm else None))
    minutes, method = times.matrix([a], [b], [c], [d], mode)
    print(f"{int(minutes[0, 0])} min by {mode}; method: {times.label(mode, int(method[0, 0]))}")


@app.command("export")
def export_run(
    run: str = typer.Option(..., help="The run's key (run_id / key in its summary)"),
    data: Path = typer.Option(..., help="The input folder the run was made from"),
    out: Path = typer.Option(..., help="Where to write the files"),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL of the store; default sqlite:///OUT/probation.sqlite"
    ),
    config: Path | None = typer.Option(None),
) -> None:
    """Write a stored run's files again (a night, an Unpaid Work week or a programme plan),
    after an export that failed or into another folder. Nothing is solved or stored."""
    from engine.core.lifecycle import RunOptions, export_stored

    cfg = config_or_exit(config)
    out_folder(out)
    found = guard(lambda: _find_run(run, db or f"sqlite:///{out / 'probation.sqlite'}"))
    if found is None:
        say_error(f"no stored run {run} in {db or out / 'probation.sqlite'}")
        raise typer.Exit(1)
    planner_cls, summary = found
    scope = dict(p.split("=", 1) for p in summary.get("scope", "").split(";") if "=" in p)
    opts = RunOptions(
        data=data,
        out=out,
        config=cfg,
        period=summary.get("week") or summary.get("from") or summary.get("run_date"),
        db_url=db,
        region=None if scope.get("region", "*") == "*" else scope["region"],
        pdu=None if scope.get("pdu", "*") == "*" else scope["pdu"],
        solver=summary.get("solver"),
    )
    outcome = guard(lambda: export_stored(planner_cls(opts), run), (), "export failed")
    print(f"wrote {len(outcome.files)} files of run {run}: {', '.join(map(str, outcome.files))}")


def _find_run(key: str, url: str):
    """The planner and stored summary of the run with this key, whichever kind it is."""
    import json

    from engine.allocation.pipeline import NightPlanner
    from engine.allocation.store import NightStore
    from engine.groups.pipeline import QuarterPlanner
    from engine.groups.store import GroupsStore
    from engine.unpaid_work.pipeline import WeekPlanner
    from engine.unpaid_work.store import UpwStore

    for store_cls, planner_cls in (
        (NightStore, NightPlanner),
        (UpwStore, WeekPlanner),
        (GroupsStore, QuarterPlanner),
    ):
        row = store_cls(url).find(key)
        if row is not None:
            return planner_cls, json.loads(row["summary_json"])
    return None
