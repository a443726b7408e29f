"""`probation`: the one command-line door to the engine."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from engine.config import ConfigError, load_config
from engine.contract import DataContractError
from geo.network import NetworkError

app = typer.Typer(add_completion=False, help="Probation allocation and scheduling engine.", no_args_is_help=True)
console = Console(stderr=True)
DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "boundaries"


def _date(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _guard(call, failures: tuple[type[Exception], ...], label: str):
    """Run `call`: bad input (file, row, column) exits 2, a run that failed exits 1, each with
    its message and no traceback."""
    try:
        return call()
    except (DataContractError, NetworkError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except failures as exc:
        console.print(f"[red]{label}:[/red] {exc}")
        raise typer.Exit(1) from None


def _config(path: Optional[Path]):
    try:
        return load_config(path)
    except ConfigError as exc:
        console.print(f"[red]config error:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def generate(
    out: Path = typer.Option(..., help="Folder to write practitioners.csv, cases.csv and manifest.json"),
    scale: str = typer.Option("region", help="pdu | region | national"),
    region: Optional[str] = typer.Option(None, help="Probation region (pdu/region scale)"),
    pdu: Optional[str] = typer.Option(None, help="PDU name (pdu scale)"),
    seed: int = typer.Option(42),
    tight: bool = typer.Option(False, "--tight", help="Caseloads at capacity: scarce room for new cases"),
    run_date: Optional[str] = typer.Option(None, "--date", help="The night to generate (YYYY-MM-DD); default today"),
    practitioners: Optional[int] = typer.Option(None, help="Override the number of case-holding practitioners"),
    new_cases: Optional[int] = typer.Option(None, help="Override the number of new cases"),
    existing_cases: Optional[int] = typer.Option(None, help="At most this many existing cases (a random sample of the "
                                                            "caseloads dealt to capacity is kept)"),
    fmt: str = typer.Option("csv", "--format", help="csv | parquet"),
    boundaries: Path = typer.Option(DEFAULT_BOUNDARIES, help="Folder with the ONS boundary GeoJSON files"),
    config: Optional[Path] = typer.Option(None, help="Config TOML overriding the shipped defaults"),
) -> None:
    """Generate a seeded synthetic night on real geography."""
    from engine.synthetic import SCALES, SyntheticSpec, generate as gen, write_dataset

    if scale not in SCALES:
        raise typer.BadParameter(f"scale must be one of {sorted(SCALES)}")
    spec = SyntheticSpec(scale=scale, region=region, pdu=pdu, seed=seed, tight=tight,
                         run_date=_date(run_date) or date.today(), n_practitioners=practitioners, n_new=new_cases,
                         n_existing=existing_cases)
    try:
        pracs, cases, manifest = gen(boundaries, spec, _config(config))
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    write_dataset(out, pracs, cases, manifest, fmt)
    console.print(f"wrote {len(pracs)} practitioners and {len(cases)} cases "
                  f"({manifest['new_cases']} new) for {', '.join(manifest['regions'])} to {out}")


@app.command()
def allocate(
    data: Path = typer.Option(..., help="Input folder (practitioners and cases, CSV or Parquet)"),
    out: Path = typer.Option(..., help="Output folder"),
    db: Optional[str] = typer.Option(None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite"),
    run_date: Optional[str] = typer.Option(None, "--date", help="The night (YYYY-MM-DD); default manifest or today"),
    region: Optional[str] = typer.Option(None, help="Only this region"),
    pdu: Optional[str] = typer.Option(None, help="Only this PDU"),
    solver: Optional[str] = typer.Option(None, help="cpsat | greedy | greedy-grade-first | random-eligible"),
    osm: Optional[Path] = typer.Option(None, help="Road network: a local OpenStreetMap XML file (.osm/.osm.bz2)"),
    config: Optional[Path] = typer.Option(None, help="Config TOML overriding the shipped defaults"),
    allow_over_capacity: bool = typer.Option(False, "--allow-over-capacity",
                                             help="Cases nobody has room for go to the least-loaded eligible practitioner, flagged"),
    force: bool = typer.Option(False, "--force", help="Solve again even if this night is already stored"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar"),
    engine: str = typer.Option("processes", help="processes (this machine) | dask (Dask distributed)"),
    scheduler: Optional[str] = typer.Option(None, help="Existing Dask scheduler address (implies --engine dask); "
                                                       "default a LocalCluster on this machine"),
) -> None:
    """Run the nightly allocation for one PDU, a region or everything in the folder."""
    from engine.batch import RunFailed, RunOptions, run_night
    from engine.report import examples, render_summary

    cfg = _config(config)
    if allow_over_capacity:
        cfg = cfg.model_copy(update={"allocation": cfg.allocation.model_copy(update={"allow_over_capacity": True})})
    if engine not in ("processes", "dask"):
        raise typer.BadParameter("engine must be processes or dask")
    opts = RunOptions(data=data, out=out, config=cfg, db_url=db, run_date=_date(run_date), region=region, pdu=pdu,
                      solver=solver, force=force, progress=not quiet, osm_file=str(osm) if osm else None,
                      engine="dask" if scheduler else engine, scheduler=scheduler)
    outcome = _guard(lambda: run_night(opts), (RunFailed, ValueError), "run failed")
    print(render_summary(outcome.summary))
    print("Examples (every proposal and its reason is in allocations.csv and report.md):")
    print(examples(outcome.decisions))
    if outcome.reused:
        print("  (this night was already stored: results re-exported, nothing solved or written again)")
    print(f"  files: {', '.join(str(p) for p in outcome.files)}")


@app.command()
def check(
    data: Path = typer.Option(..., help="Input folder"),
    allocations: Path = typer.Option(..., help="allocations.csv to verify"),
    osm: Optional[Path] = typer.Option(None, help="Road network used by the run, for a hard travel limit"),
    config: Optional[Path] = typer.Option(None),
) -> None:
    """Independently re-verify every hard rule of an allocations.csv against its input."""
    from engine.check import check_files

    try:
        rep = check_files(data, allocations, _config(config), str(osm) if osm else None)
    except (DataContractError, NetworkError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(rep.summary())
    raise typer.Exit(0 if rep.ok else 1)


@app.command()
def validate(data: Path = typer.Option(..., help="Input folder"), config: Optional[Path] = typer.Option(None)) -> None:
    """Validate an input folder against the data contract without running anything."""
    from engine.contract import load_dataset

    from engine.contract import find_table
    from engine.groups_contract import load_groups
    from engine.upw_contract import load_upw

    cfg = _config(config)
    try:
        ds = load_dataset(data, cfg)
        print(f"valid: {len(ds.practitioners)} practitioners, {len(ds.cases)} cases (inputs hash {ds.inputs_hash[:12]})")
        if find_table(data, "upw_people") or find_table(data, "upw_placements"):
            upw = load_upw(data, cfg)
            print(f"valid: {len(upw.people)} Unpaid Work people, {len(upw.placements)} placements")
        if find_table(data, "referrals") or find_table(data, "programmes"):
            grp = load_groups(data, cfg.groups.max_group)
            print(f"valid: {len(grp.referrals)} programme referrals, {len(grp.programmes)} programmes, "
                  f"{len(grp.venues)} venues, {len(grp.facilitators)} facilitators")
    except DataContractError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _latlon(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in value.split(","))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not LAT,LON (e.g. 52.6702,-0.7270)") from None
    from engine.model import UK_LAT, UK_LON

    if not (UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]):
        raise typer.BadParameter(f"{value!r} is not in the UK (is it LAT,LON rather than LON,LAT?)")
    return lat, lon


@app.command()
def travel(
    from_: str = typer.Option(..., "--from", help="LAT,LON of the start (e.g. a home)"),
    to: str = typer.Option(..., "--to", help="LAT,LON of the end (e.g. an office)"),
    mode: str = typer.Option("public_transport", help="car | walk | public_transport (or 'public')"),
    osm: Optional[Path] = typer.Option(None, help="Local OpenStreetMap XML file; default: the config's"),
    config: Optional[Path] = typer.Option(None),
) -> None:
    """Minutes one way between two places, and the method that gave the figure."""
    from geo.travel import MODES, travel_service

    mode = "public_transport" if mode == "public" else mode
    if mode not in MODES:
        raise typer.BadParameter(f"mode must be one of {MODES}")
    (a, b), (c, d) = _latlon(from_), _latlon(to)
    cfg = _config(config)
    try:
        times = travel_service(cfg, str(osm) if osm else None)
    except NetworkError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    minutes, method = times.matrix([a], [b], [c], [d], mode)
    print(f"{int(minutes[0, 0])} min by {mode}; method: {times.label(mode, int(method[0, 0]))}")


@app.command("map")
def map_(
    data: Path = typer.Option(..., help="Input folder (offices and homes are drawn)"),
    out: Path = typer.Option(Path("map.html"), help="HTML file to write"),
    site: Optional[str] = typer.Option(None, help="LAT,LON whose 60/90-minute reach is drawn; default: the first office"),
    mode: str = typer.Option("public_transport", help="car | walk | public_transport"),
    osm: Optional[Path] = typer.Option(None, help="Local OpenStreetMap XML file; default: the config's"),
    pdu: Optional[str] = typer.Option(None, help="Only this PDU's offices and homes"),
    config: Optional[Path] = typer.Option(None),
) -> None:
    """Write an HTML map of offices, homes and the 60/90-minute reach of a site."""
    from engine.contract import load_dataset
    from geo.mapping import write_map
    from geo.travel import travel_service

    cfg = _config(config)
    try:
        ds = load_dataset(data, cfg)
        times = travel_service(cfg, str(osm) if osm else None)
    except (DataContractError, NetworkError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    path = write_map(ds, times, out, site=_latlon(site) if site else None, mode=mode, pdu=pdu)
    print(f"wrote {path}")


@app.command()
def runs(db: str = typer.Option(..., help="SQLAlchemy URL of the store")) -> None:
    """List stored runs."""
    from engine.store import Store

    for r in Store(db).list_runs():
        s = r["summary"]
        print(f"{r['run_id'][:12]}  {r['run_date']}  {r['scope']:<28} {r['solver']:<10} "
              f"new {s['counts']['NEW']:>5} moved {s['counts']['MOVED']:>3} unallocated {s['unallocated']:>4} "
              f"max {s['max_utilisation']:.1%}  " + (f"holds the night of {len(r['holds'])} PDU(s)" if r["holds"]
                                                     else "superseded (another run holds its night)"))


db_app = typer.Typer(add_completion=False, help="The store's database: schema migrations (alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: str = typer.Option(..., help="SQLAlchemy URL, e.g. sqlite:///demo/probation.sqlite or postgresql://..."),
               revision: str = typer.Option("head", help="Target revision")) -> None:
    """Bring a store to the newest schema (runs also do this themselves when they open it)."""
    from engine.migrate import current, upgrade

    engine = _db_engine(db)
    before = current(engine)
    upgrade(engine, revision)
    print(f"{db}: schema {before or 'empty'} -> {current(engine)}")


@db_app.command("current")
def db_current(db: str = typer.Option(..., help="SQLAlchemy URL")) -> None:
    """Which schema revision a store is at, and the newest this version knows."""
    from engine.migrate import current, head

    print(f"{db}: schema {current(_db_engine(db)) or 'empty'} (newest {head()})")


def _db_engine(db: str):
    from sqlalchemy import create_engine

    from engine.store import normalise_url

    return create_engine(normalise_url(db))


upw_app = typer.Typer(add_completion=False, help="Unpaid Work: weekly placement planning.", no_args_is_help=True)
app.add_typer(upw_app, name="upw")


def _run_week(data, out, week, db, osm, solver, config, cancel, force, time_limit) -> None:
    from engine.upw_batch import WeekFailed, WeekOptions, run_week
    from engine.upw_plan import SOLVERS

    if solver not in SOLVERS:
        raise typer.BadParameter(f"solver must be one of {SOLVERS}")
    opts = WeekOptions(data=data, out=out, week=week, config=_config(config), db_url=db, osm_file=str(osm) if osm else None,
                       solver=solver, cancel=tuple(cancel), force=force, time_limit=time_limit)
    s = _guard(lambda: run_week(opts), (WeekFailed, ValueError), "week failed")
    g = s["greedy"]
    print(f"Unpaid Work week {s['week']} ({s['solver']}): {s['placed']} of {s['people']} people placed in "
          f"{s['sessions']} sessions, {s['credited_hours']:g} hours credited; behind pace and unplaced "
          f"{s['behind_pace_unplaced']} of {s['behind_pace']}; travel over 60 min {s['travel_over_60']}")
    print(f"  greedy first-fit on the same week: {g['placed']} placed, {g['credited_hours']:g} hours, behind pace "
          f"and unplaced {g['behind_pace_unplaced']}, travel over 60 min {g['travel_over_60']}")
    if "tell" in s:
        print(f"  re-planned around {', '.join(cancel)}: tell {len(s['tell'])} people:")
        for t in s["tell"][:20]:
            print(f"    {t['person_id']}: lost {', '.join(t['cancelled']) or '-'}; replacement {', '.join(t['added']) or 'none found'}")
    if s.get("reused"):
        print("  (this week was already stored: files re-exported, nothing planned or written again)")
    print(f"  files: {out}/upw_schedule.csv, upw_unplaced.csv, upw_reviews.csv, upw_summary.json")


@upw_app.command("plan")
def upw_plan(
    data: Path = typer.Option(..., help="Folder with upw_people and upw_placements (CSV or Parquet)"),
    week: str = typer.Option(..., help="ISO week to plan, e.g. 2026-W48"),
    out: Path = typer.Option(..., help="Output folder"),
    db: Optional[str] = typer.Option(None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite"),
    osm: Optional[Path] = typer.Option(None, help="Road network (local OpenStreetMap XML)"),
    solver: str = typer.Option("cpsat", help="cpsat | greedy"),
    time_limit: Optional[float] = typer.Option(None, help="Seconds per PDU"),
    config: Optional[Path] = typer.Option(None),
    force: bool = typer.Option(False, "--force", help="Plan again even if this week is stored"),
) -> None:
    """Plan a week: people to placement sessions, within every Unpaid Work rule."""
    _run_week(data, out, week, db, osm, solver, config, (), force, time_limit)


@upw_app.command("replan")
def upw_replan(
    data: Path = typer.Option(...), week: str = typer.Option(...), out: Path = typer.Option(...),
    cancel: list[str] = typer.Option(..., help="Session that stands down: PLACEMENT_ID@YYYY-MM-DD (repeatable)"),
    db: Optional[str] = typer.Option(None), osm: Optional[Path] = typer.Option(None),
    solver: str = typer.Option("cpsat"), time_limit: Optional[float] = typer.Option(None),
    config: Optional[Path] = typer.Option(None),
) -> None:
    """Re-plan a stored week around cancelled sessions, keeping everyone else's sessions, and
    list who must be told."""
    _run_week(data, out, week, db, osm, solver, config, cancel, True, time_limit)


groups_app = typer.Typer(add_completion=False, help="Accredited Programmes and Structured Interventions: groups.",
                         no_args_is_help=True)
app.add_typer(groups_app, name="groups")


@groups_app.command("plan")
def groups_plan(
    data: Path = typer.Option(..., help="Folder with referrals, programmes, venues, facilitators (CSV or Parquet)"),
    from_: str = typer.Option(..., "--from", help="First day of the horizon (YYYY-MM-DD); groups start on Mondays"),
    out: Path = typer.Option(..., help="Output folder"),
    db: Optional[str] = typer.Option(None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite"),
    osm: Optional[Path] = typer.Option(None, help="Road network (local OpenStreetMap XML)"),
    solver: str = typer.Option("cpsat", help="cpsat | greedy"),
    time_limit: Optional[float] = typer.Option(None, help="Seconds per programme"),
    config: Optional[Path] = typer.Option(None),
    force: bool = typer.Option(False, "--force", help="Plan again even if this plan is stored"),
) -> None:
    """Form and schedule programme groups for a quarter: who joins which group, where, when,
    with which facilitators; the unplaced with a reason and an alternative."""
    from datetime import date as _date

    from engine.groups_batch import GroupsOptions, PlanFailed, run_groups
    from engine.groups_plan import SOLVERS

    if solver not in SOLVERS:
        raise typer.BadParameter(f"solver must be one of {SOLVERS}")
    try:
        start = _date.fromisoformat(from_)
    except ValueError:
        raise typer.BadParameter(f"--from {from_!r} is not a date like 2026-11-23") from None
    opts = GroupsOptions(data=data, out=out, start=start, config=_config(config), db_url=db,
                         osm_file=str(osm) if osm else None, solver=solver, time_limit=time_limit, force=force)
    s = _guard(lambda: run_groups(opts), (PlanFailed, ValueError), "plan failed")
    g = s["greedy"]
    print(f"Programme groups from {s['from']} ({s['solver']}): {s['started']} of {s['referrals']} people start in "
          f"{s['groups']} groups, mean wait {s['mean_wait_days']} days, travel over 60 min {s['travel_over_60']}, "
          f"{s['unplaced']} unplaced (each with a reason and an alternative)")
    print(f"  first come first served on the same referrals: {g['started']} start in {g['groups']} groups, mean wait "
          f"{g['mean_wait_days']} days, travel over 60 min {g['travel_over_60']}")
    if s.get("reused"):
        print("  (this plan was already stored: files re-exported, nothing planned or written again)")
    print(f"  files: {out}/groups.csv, group_members.csv, unplaced.csv, groups_summary.json")


bench_app = typer.Typer(add_completion=False, help="Benchmarks on public instances.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _bench(rows, as_json: bool) -> None:
    import json as _json

    out = []
    for r in rows:
        out.append(r)
        if as_json:
            print(_json.dumps(r), flush=True)
        else:
            gap = "-" if r["gap_percent"] is None else f"{r['gap_percent']:.3f}%"
            print(f"{r['instance']:<14} {r['solver']:<7} {r['status']:<10} objective {r['objective']!s:<8} "
                  f"bound {r['bound']!s:<10} {r['seconds']:>8.2f}s  to optimum {gap}", flush=True)
    bad = [r for r in out if r["objective"] is None]
    if bad and not as_json:
        print(f"{len(bad)} run(s) gave no valid answer: " + ", ".join(f"{r['instance']}/{r['solver']}" for r in bad))


def _instance_files(paths: list[Path], pattern: str = "*") -> list[Path]:
    """The instance files named: a folder stands for its files; licences, optima tables and
    readmes beside them are skipped; a path that does not exist is an error naming it."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file: {', '.join(missing)}", param_hint="FILES")
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(f for f in p.glob(pattern) if f.is_file()) if p.is_dir() else [p])
    out = [f for f in out if not f.name.lower().startswith(("license", "optima", "readme"))]
    if not out:
        raise typer.BadParameter("no instance files among " + ", ".join(str(p) for p in paths), param_hint="FILES")
    return out


def _solvers(choice: str, known) -> list[str]:
    names = list(known) if choice == "all" else [choice]
    if any(n not in known for n in names):
        raise typer.BadParameter(f"solver must be one of {sorted(known)} or all")
    return names


@bench_app.command("gap")
def bench_gap_cmd(
    files: list[Path] = typer.Argument(..., help="OR-Library generalised assignment files"),
    time_limit: float = typer.Option(10.0, help="Seconds per instance and solver"),
    solver: str = typer.Option("all", help="cpsat | highs | greedy | all"),
    optima: Optional[Path] = typer.Option(None, help="CSV of known optima (columns Path, Optimum)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """Generalised assignment (minimisation) with the allocator's assignment core, HiGHS and greedy."""
    from engine.public_bench import bench_gap, read_optima_csv
    from solvers.registry import GAP_SOLVERS

    _bench(bench_gap(_instance_files(files), _solvers(solver, GAP_SOLVERS), time_limit, read_optima_csv(optima) if optima else None), as_json)


@bench_app.command("make-gap")
def bench_make_gap_cmd(
    out: Path = typer.Option(..., help="Folder to write the instance files into"),
    kind: str = typer.Option("D", "--type", help="Chu-Beasley type: C, D (hard) or E"),
    agents: int = typer.Option(10, min=1), jobs: int = typer.Option(100, min=1),
    count: int = typer.Option(1, min=1, help="How many instances (seeds SEED, SEED+1, ...)"),
    seed: int = typer.Option(1),
) -> None:
    """Write seeded generalised assignment instances (OR-Library layout) for `bench gap`."""
    from engine.gap_instances import generate_gap, write_gap

    try:
        paths = [write_gap(generate_gap(kind, agents, jobs, seed + k), out) for k in range(count)]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for p in paths:
        console.print(str(p))


@bench_app.command("pmedcap")
def bench_pmedcap_cmd(
    files: list[Path] = typer.Argument(..., help="Capacitated p-median files (optimum on the first line)"),
    time_limit: float = typer.Option(30.0, help="Seconds per instance and solver"),
    solver: str = typer.Option("all", help="cpsat | highs | greedy | all"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """Capacitated p-median with the programme planner's facility-location model, HiGHS and greedy."""
    from engine.public_bench import bench_pmedcap
    from solvers.registry import PMEDCAP_SOLVERS

    _bench(bench_pmedcap(_instance_files(files, "*.txt"), _solvers(solver, PMEDCAP_SOLVERS), time_limit), as_json)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000),
    keys: Path = typer.Option(..., help="TOML file of API keys: [[keys]] key, name, role, regions, pdus"),
    work: Path = typer.Option(Path("api-work"), help="Folder for jobs and the default SQLite store"),
    db: Optional[str] = typer.Option(None, help="SQLAlchemy URL; default sqlite:///WORK/probation.sqlite"),
    config: Optional[Path] = typer.Option(None),
    osm: Optional[Path] = typer.Option(None, help="Road network for every run: a local OpenStreetMap XML file"),
    submit: Optional[Path] = typer.Option(None, help="Also start an allocation run of this data folder at once"),
    region: Optional[str] = typer.Option(None, help="With --submit: only this region"),
    pdu: Optional[str] = typer.Option(None, help="With --submit: only this PDU"),
) -> None:
    """Start the HTTP service (OpenAPI docs at /docs, the review page at /review)."""
    import logging

    import uvicorn

    from api.app import ApiSettings, create_app, submit_folder

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        cfg = _config(config)
        if osm is not None:
            cfg = cfg.model_copy(update={"travel": cfg.travel.model_copy(update={"osm_file": str(osm.resolve())})})
        application = create_app(ApiSettings(keys_file=keys, work_dir=work, db_url=db, config=cfg))
        if submit is not None:
            job = submit_folder(application, submit, region, pdu)
            console.print(f"run {job.job_id} started for {pdu or region or 'everything'} in {submit}: "
                          f"review it at http://{host}:{port}/review/{job.job_id} once it is DONE")
    except (OSError, ValueError, DataContractError) as exc:
        console.print(f"[red]cannot start:[/red] {exc}")
        raise typer.Exit(2) from None
    uvicorn.run(application, host=host, port=port)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
