"""`probation serve`: the HTTP service and the review page."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.common import app, config_or_exit, console, say_error
from engine.core.contract import DataContractError


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    keys: Path = typer.Option(
        ..., help="TOML file of API keys: \\[\\[keys]] key, name, role, regions, pdus"
    ),
    work: Path = typer.Option(
        Path("api-work"), help="Folder for jobs and the default SQLite store"
    ),
    db: str | None = typer.Option(
        None, help="SQLAlchemy URL; default sqlite:///WORK/probation.sqlite"
    ),
    config: Path | None = typer.Option(None),
    osm: Path | None = typer.Option(
        None, help="Road network for every run: a local OpenStreetMap XML file"
    ),
    submit: Path | None = typer.Option(
        None, help="Also start an allocation run of this data folder at once"
    ),
    region: str | None = typer.Option(None, help="With --submit: only this region"),
    pdu: str | None = typer.Option(None, help="With --submit: only this PDU"),
    week: str | None = typer.Option(
        None, help="With --submit: also plan this Unpaid Work week (e.g. 2026-W48) of the PDU"
    ),
    from_: str | None = typer.Option(
        None,
        "--from",
        help="With --submit: also plan the programme quarter from this day (YYYY-MM-DD)",
    ),
) -> None:
    """Start the HTTP service (OpenAPI docs at /docs, the review page at /review)."""
    import logging

    import uvicorn

    from api.app import ApiSettings, create_app, submit_folder

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        cfg = config_or_exit(config)
        if osm is not None:
            cfg = cfg.model_copy(
                update={"travel": cfg.travel.model_copy(update={"osm_file": str(osm.resolve())})}
            )
        application = create_app(ApiSettings(keys_file=keys, work_dir=work, db_url=db, config=cfg))
        if submit is not None:
            base = f"http://{host}:{port}"
            job = submit_folder(application, submit, region, pdu)
            pages = [("the night's review", f"{base}/review/{job.job_id}")]
            also = (("upw", "week", week, "the Unpaid Work week"),
                    ("groups", "from", from_, "the programme quarter"))  # fmt: skip
            for kind, name, period, what in also:
                if period is not None:
                    run = submit_folder(
                        application, submit, region, pdu, kind=kind,
                        params={"solver": None, name: period},
                    )  # fmt: skip
                    pages.append((what, f"{base}/pages/{kind}/{run.job_id}"))
            pages.append(("the analyst's balance", f"{base}/pages/analyst"))
            console.print(
                f"runs started for {pdu or region or 'everything'} in {submit}:",
                markup=False,
                soft_wrap=True,
            )
            for what, url in pages:
                console.print(f"  {what}: {url}", markup=False, soft_wrap=True)
    except (OSError, ValueError, DataContractError) as exc:
        say_error(exc, "cannot start")
        raise typer.Exit(2) from None
    uvicorn.run(application, host=host, port=port)
