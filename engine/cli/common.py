"""What every `probation` command shares: the app, the console, the date, config and error guards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from engine.core.config import ConfigError, load_config
from engine.core.contract import DataContractError
from engine.core.errors import ProbationError
from engine.core.signals import RunInterrupted
from geo.network import NetworkError


def command_group(help: str) -> typer.Typer:
    """A command or group of commands with its help as a reader expects it: a docstring's lines
    joined into paragraphs (Markdown), where rich's default kept each line break of the source
    and broke the command list's lines mid-sentence."""
    return typer.Typer(
        add_completion=False, help=help, no_args_is_help=True, rich_markup_mode="markdown"
    )


app = command_group("Probation allocation and scheduling engine.")
console = Console(stderr=True)
DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "boundaries"


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def say_error(message: object, label: str = "") -> None:
    """An error on stderr, in red, exactly as written: escaped, because it may quote a value
    from the user's file (`[/]` read as markup raised rich's MarkupError, a traceback), and
    never wrapped inside a word, so a path in it stays whole to copy."""
    text = escape(str(message))
    line = f"[red]{escape(label)}:[/red] {text}" if label else f"[red]{text}[/red]"
    console.print(line, soft_wrap=True)


def guard(call, failures: tuple[type[Exception], ...] = (), label: str = "failed"):
    """Run `call`: bad input (file, row, column) exits 2, a run that failed exits 1, each with
    its message and no traceback."""
    try:
        return call()
    except (DataContractError, NetworkError) as exc:
        say_error(exc)
        raise typer.Exit(2) from None
    except RunInterrupted as exc:  # Ctrl-C or SIGTERM: nothing of the run was stored
        say_error(exc)
        raise typer.Exit(exc.exit_code) from None
    except failures + (ProbationError,) as exc:  # a run that failed, a store or export error
        say_error(exc, label)
        raise typer.Exit(1) from None


def config_or_exit(path: Path | None):
    try:
        return load_config(path)
    except ConfigError as exc:
        say_error(exc, "config error")
        raise typer.Exit(2) from None


def parse_latlon(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in value.split(","))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not LAT,LON (e.g. 52.6702,-0.7270)") from None
    from engine.core.records import UK_LAT, UK_LON

    if not (UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]):
        raise typer.BadParameter(f"{value!r} is not in the UK (is it LAT,LON rather than LON,LAT?)")
    return lat, lon


# The options every planner's command shares: where its parts are solved and whether a bar shows.
QUIET = typer.Option(False, "--quiet", help="No progress bar")
KEEP_BEST = typer.Option(
    False,
    "--keep-best",
    help="On Ctrl-C or SIGTERM during the solve, store the best answer found so far, marked "
    "stopped early (never reused as finished); without it the run ends with nothing stored",
)
ENGINE = typer.Option("processes", help="processes (this machine) | dask (Dask distributed)")
# The options every night's command shares (allocate, reallocate, capacity).
DB = typer.Option(None, help="SQLAlchemy URL; default sqlite:///OUT/probation.sqlite")
NIGHT = typer.Option(None, "--date", help="The night (YYYY-MM-DD); default manifest or today")
REGION = typer.Option(None, help="Only this region")
PDU = typer.Option(None, help="Only this PDU")
CONFIG = typer.Option(None, help="Config TOML overriding the shipped defaults")
SCHEDULER = typer.Option(
    None,
    help="Existing Dask scheduler address (implies --engine dask); "
    "default a LocalCluster on this machine",
)


def run_options(
    data: Path,
    out: Path,
    config: Path | None,
    *,
    engine: str,
    scheduler: str | None,
    quiet: bool,
    osm: Path | None = None,
    **given,
):
    """The one RunOptions of a planner's command: the config read (exit 2 on a bad one), the
    engine settled, the progress bar and the road network as asked; `given` passes the rest
    (period, solver, force, keep_best, ...) as they are."""
    from engine.core.lifecycle import RunOptions

    return RunOptions(
        data=data,
        out=out_folder(out),
        config=config_or_exit(config),
        osm_file=str(osm) if osm else None,
        progress=not quiet,
        engine=parts_engine(engine, scheduler),
        scheduler=scheduler,
        **given,
    )


def no_store(db: str) -> bool:
    """A SQLite store named that is not there (opening it would make an empty one)."""
    from engine.store.db import normalise_url

    url = normalise_url(db)
    return url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file()


def out_folder(out: Path) -> Path:
    """--out as a folder for a run's files: a clear error where it names a file (the store
    and the files would each fail with a traceback there)."""
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"--out {out} is a file: give a folder for the files")
    return out


def out_file(out: Path) -> Path:
    """--out as one file to write: a clear error where it names a folder."""
    if out.is_dir():
        raise typer.BadParameter(f"--out {out} is a folder: give a file to write")
    return out


def parts_engine(engine: str, scheduler: str | None) -> str:
    """The engine a run's parts are solved on: a scheduler address means Dask."""
    from engine.core.parallel import ENGINES

    if engine not in ENGINES:
        raise typer.BadParameter(f"engine must be one of {', '.join(ENGINES)}")
    return "dask" if scheduler else engine
