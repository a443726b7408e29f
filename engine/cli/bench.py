"""`probation bench`: the public instances (GAP, capacitated p-median) and generated GAP."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.common import app, command_group, console, out_folder

bench_app = command_group("Benchmarks on public instances.")
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
            print(
                f"{r['instance']:<14} {r['solver']:<7} {r['status']:<10} objective {r['objective']!s:<8} "
                f"bound {r['bound']!s:<10} {r['seconds']:>8.2f}s  to optimum {gap}",
                flush=True,
            )
    bad = [r for r in out if r["objective"] is None]
    if bad and not as_json:
        print(
            f"{len(bad)} run(s) gave no valid answer: "
            + ", ".join(f"{r['instance']}/{r['solver']}" for r in bad)
        )


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
        raise typer.BadParameter(
            "no instance files among " + ", ".join(str(p) for p in paths), param_hint="FILES"
        )
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
    optima: Path | None = typer.Option(None, help="CSV of known optima (columns Path, Optimum)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """Generalised assignment (minimisation) with the allocator's assignment core, HiGHS and greedy."""
    from benchmarks.public_bench import bench_gap, read_optima_csv
    from benchmarks.registry import GAP_SOLVERS

    _bench(
        bench_gap(
            _instance_files(files),
            _solvers(solver, GAP_SOLVERS),
            time_limit,
            read_optima_csv(optima) if optima else None,
        ),
        as_json,
    )


@bench_app.command("make-gap")
def bench_make_gap_cmd(
    out: Path = typer.Option(..., help="Folder to write the instance files into"),
    kind: str = typer.Option("D", "--type", help="Chu-Beasley type: C, D (hard) or E"),
    agents: int = typer.Option(10, min=1),
    jobs: int = typer.Option(100, min=1),
    count: int = typer.Option(1, min=1, help="How many instances (seeds SEED, SEED+1, ...)"),
    seed: int = typer.Option(1),
) -> None:
    """Write seeded generalised assignment instances (OR-Library layout) for `bench gap`."""
    from benchmarks.instances.gap_instances import generate_gap, write_gap

    try:
        folder = out_folder(out)
        paths = [
            write_gap(generate_gap(kind, agents, jobs, seed + k), folder) for k in range(count)
        ]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for p in paths:
        console.print(str(p), markup=False, soft_wrap=True)


@bench_app.command("pmedcap")
def bench_pmedcap_cmd(
    files: list[Path] = typer.Argument(
        ..., help="Capacitated p-median files (optimum on the first line)"
    ),
    time_limit: float = typer.Option(30.0, help="Seconds per instance and solver"),
    solver: str = typer.Option("all", help="cpsat | highs | greedy | all"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """Capacitated p-median with the programme planner's facility-location model, HiGHS and greedy."""
    from benchmarks.public_bench import bench_pmedcap
    from benchmarks.registry import PMEDCAP_SOLVERS

    _bench(
        bench_pmedcap(
            _instance_files(files, "*.txt"), _solvers(solver, PMEDCAP_SOLVERS), time_limit
        ),
        as_json,
    )
