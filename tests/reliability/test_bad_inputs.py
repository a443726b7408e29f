"""Bad input, refused: a table of broken folders across the three planners, each run through
its own command. Every one exits 2 with a message naming the file (and the row and column
where there is one), and nothing is written: no output file and no database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import app
from tests.builders import (
    case,
    facilitator,
    person,
    placement,
    practitioner,
    programme,
    referral,
    venue,
    write_groups,
    write_night,
    write_upw,
)


def _night(folder: Path) -> None:
    write_night(folder, [practitioner("A"), practitioner("B")], [case("C1"), case("C2")])


def _week(folder: Path) -> None:
    write_upw(folder, [person("A"), person("B")], [placement("P1"), placement("P2")])


def _quarter(folder: Path) -> None:
    refs = [referral(p) for p in "ABCD"]
    write_groups(folder, refs, [programme()], [venue()], [facilitator()])


PLANNERS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "night": (_night, ["allocate", "--solver", "greedy"]),
    "week": (_week, ["upw", "plan", "--week", "2026-W48", "--solver", "greedy"]),
    "quarter": (_quarter, ["groups", "plan", "--from", "2026-11-23", "--solver", "greedy"]),
}


def _set(row: int, column: str, value: str):
    def change(path: Path) -> None:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df.loc[row - 1, column] = value
        df.to_csv(path, index=False)

    return change


def _drop(column: str):
    def change(path: Path) -> None:
        pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=[column]).to_csv(
            path, index=False
        )

    return change


def _header_only(path: Path) -> None:
    path.write_text(path.read_text().splitlines()[0] + "\n")


def _twice(column: str):
    def change(path: Path) -> None:
        lines = path.read_text().splitlines()
        lines = [f"{lines[0]},{column}"] + [f"{line},x" for line in lines[1:]]
        path.write_text("\n".join(lines) + "\n")

    return change


def _copy_row(path: Path) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([df, df.iloc[[0]]]).to_csv(path, index=False)


def _latin1(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"Rutland", "R\xfctland".encode("latin-1")))


def _text(text: str):
    def change(path: Path) -> None:
        path.write_text(text)

    return change


def _gone(path: Path) -> None:
    path.unlink()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


# (planner, file, how it is broken, what the refusal must name besides the file)
CASES = [
    ("night", "practitioners.csv", _header_only, ["no rows"]),
    ("night", "cases.csv", _header_only, ["no rows"]),
    ("night", "practitioners.csv", _drop("grade"), ["'grade'", "missing"]),
    ("night", "practitioners.csv", _set(1, "grade", "XYZ"), ["row 1", "'grade'"]),
    (
        "night",
        "practitioners.csv",
        _set(2, "contracted_hours", "-3"),
        ["row 2", "'contracted_hours'"],
    ),
    ("night", "practitioners.csv", _set(1, "reduction_hours", "50"), ["row 1", "exceeds"]),
    ("night", "practitioners.csv", _set(1, "office_lat", "91"), ["row 1", "'office_lat'"]),
    ("night", "practitioners.csv", _copy_row, ["row 3", "duplicate"]),
    ("night", "practitioners.csv", _latin1, ["cannot be read"]),
    ("night", "practitioners.csv", _empty, ["cannot be read"]),
    ("night", "cases.csv", _set(1, "tier", "Z9"), ["row 1", "'tier'"]),
    ("night", "cases.csv", _set(2, "rosh", "EXTREME"), ["row 2", "'rosh'"]),
    ("night", "cases.csv", _set(1, "sentence_date", "2026-13-01"), ["row 1", "'sentence_date'"]),
    ("night", "cases.csv", _set(1, "current_practitioner_id", "NOPE"), ["row 1", "NOPE"]),
    # a value that reads as rich markup is quoted as it is, not raised as rich's MarkupError
    ("night", "cases.csv", _set(1, "current_practitioner_id", "[/]"), ["row 1", "[/]"]),
    ("week", "upw_placements.csv", _set(1, "kind", "[bold]BEACH"), ["row 1", "[bold]BEACH"]),
    ("night", "cases.csv", _set(1, "sex", "Q"), ["row 1", "'sex'"]),
    ("night", "cases.csv", _set(2, "mappa_level", "7"), ["row 2", "'mappa_level'"]),
    ("night", "cases.csv", _set(1, "case_type", "PAROLE"), ["row 1", "'case_type'"]),
    ("night", "cases.csv", _twice("tier"), ["'tier'", "more than once"]),
    ("night", "cases.csv", _gone, ["not found"]),
    ("night", "manifest.json", _text("[1, 2]"), ["JSON object"]),
    ("night", "manifest.json", _text('{"run_date": "tonight"}'), ["'run_date'", "not a date"]),
    ("night", "manifest.json", _text("{run_date"), ["not valid JSON"]),
    ("night", "cases.csv", _set(1, "case_id", "=HYPERLINK(1)"), ["row 1", "'case_id'", "formula"]),
    ("week", "upw_people.csv", _set(1, "person_id", "+44"), ["row 1", "'person_id'", "formula"]),
    ("quarter", "venues.csv", _set(1, "venue_id", "@V1"), ["row 1", "'venue_id'", "formula"]),
    ("week", "upw_people.csv", _header_only, ["no rows"]),
    ("week", "upw_placements.csv", _header_only, ["no rows"]),
    ("week", "upw_people.csv", _set(1, "hours_ordered", "0"), ["row 1", "'hours_ordered'"]),
    ("week", "upw_people.csv", _set(2, "hours_completed", "120"), ["row 2", "exceeds"]),
    ("week", "upw_people.csv", _set(1, "ete_hours_completed", "30"), ["row 1", "exceeds"]),
    ("week", "upw_people.csv", _set(1, "available_days", "Funday"), ["row 1", "'available_days'"]),
    ("week", "upw_people.csv", _set(1, "exclude_person_ids", "A"), ["row 1", "themself"]),
    ("week", "upw_people.csv", _set(1, "home_lon", "200"), ["row 1", "'home_lon'"]),
    ("week", "upw_people.csv", _drop("sex"), ["'sex'", "missing"]),
    ("week", "upw_placements.csv", _set(1, "kind", "BEACH"), ["row 1", "'kind'"]),
    ("week", "upw_placements.csv", _set(2, "session_hours", "0"), ["row 2", "'session_hours'"]),
    ("week", "upw_placements.csv", _copy_row, ["row 3", "duplicate"]),
    ("week", "upw_placements.csv", _set(1, "capacity", "many"), ["row 1", "'capacity'"]),
    ("quarter", "programmes.csv", _header_only, ["no rows"]),
    ("quarter", "referrals.csv", _header_only, ["no rows"]),
    ("quarter", "venues.csv", _header_only, ["no rows"]),
    ("quarter", "facilitators.csv", _header_only, ["no rows"]),
    ("quarter", "referrals.csv", _set(1, "programme", "NOPE"), ["row 1", "'programme'"]),
    (
        "quarter",
        "referrals.csv",
        _set(1, "available_slots", "Mon-NOON"),
        ["row 1", "'available_slots'"],
    ),
    ("quarter", "referrals.csv", _set(2, "exclude_person_ids", "B"), ["row 2", "themself"]),
    (
        "quarter",
        "referrals.csv",
        _set(1, "referral_date", "yesterday"),
        ["row 1", "'referral_date'"],
    ),
    ("quarter", "programmes.csv", _set(1, "max_group", "20"), ["row 1", "'max_group'"]),
    (
        "quarter",
        "facilitators.csv",
        _set(1, "trained_programmes", "NOPE"),
        ["row 1", "'trained_programmes'"],
    ),
    ("quarter", "venues.csv", _set(1, "rooms", "-1"), ["row 1", "'rooms'"]),
    ("quarter", "programmes.csv", _twice("kind"), ["'kind'", "more than once"]),
]


def _run(planner: str, data: Path, out: Path):
    args = PLANNERS[planner][1]
    return CliRunner().invoke(app, [*args, "--data", str(data), "--out", str(out), "--quiet"])


@pytest.mark.parametrize("planner", sorted(PLANNERS))
def test_the_folders_before_breaking_them_plan(planner, tmp_path):
    """The control: each unbroken folder plans, so each refusal below is the break's."""
    PLANNERS[planner][0](tmp_path)
    res = _run(planner, tmp_path, tmp_path / "out")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    "planner, name, breaks, named",
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_input_is_refused_naming_where_and_nothing_is_written(
    planner, name, breaks, named, tmp_path
):
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    PLANNERS[planner][0](data)
    breaks(data / name)
    res = _run(planner, data, out)
    text = " ".join(res.output.split())  # rich wraps long lines
    assert res.exit_code == 2, res.output
    assert name in text and all(n in text for n in named), res.output
    assert "Traceback" not in res.output
    assert not out.exists() or not any(out.iterdir())  # no file, no database


def test_the_table_covers_forty_breaks_across_the_three_planners():
    assert len(CASES) >= 40 and {c[0] for c in CASES} == set(PLANNERS)


def test_a_long_path_in_a_refusal_is_never_broken_inside(tmp_path):
    """The refusal names the file by its whole path, on one line however narrow the terminal:
    rich wrapped it at 80 columns, inside the path, so it could not be copied."""
    data = tmp_path / ("night-of-2026-12-03-" * 6) / "data"
    data.mkdir(parents=True)
    _night(data)
    (data / "cases.csv").unlink()
    res = _run("night", data, tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert str(data / "cases.csv") in res.output
