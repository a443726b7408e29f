"""The independent checker accepts solver output and catches deliberately broken allocations."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.allocation.check import check_allocation
from engine.allocation.contract import load_dataset
from tests.builders import case, practitioner, write_night


@pytest.fixture
def solved(night):
    pracs = [
        practitioner("PO1"),
        practitioner("PSO1", grade="PSO"),
        practitioner("M1", sex="M"),
        practitioner("SMALL", contracted_hours=2),
    ]
    cases = [
        case("HIGH", rosh="HIGH", tier="B2"),
        case("WOMAN", sex="F", wants_female_practitioner=True),
        case("SKILL", required_skills="domestic_abuse"),
        case("HELD", current_practitioner_id="PSO1", sentence_date="2026-02-02"),
        case("PLAIN"),
    ]
    pracs[0]["skills"] = "domestic_abuse"
    dec, res = night(pracs, cases)
    return dec.reset_index(), res


def _check(res, alloc, config):
    ds = load_dataset(res.out_dir.parent / "in", config)
    return check_allocation(ds, alloc, config)


def test_accepts_solver_output(solved, config):
    dec, res = solved
    rep = _check(res, dec, config)
    assert rep.ok, rep.summary()
    assert rep.counts == {"NEW": 4, "KEPT": 1}


def _broken(dec, case_id, **changes):
    d = dec.copy()
    for k, v in changes.items():
        d.loc[d["case_id"] == case_id, k] = v
    return d


@pytest.mark.parametrize(
    "case_id,changes,rule",
    [
        ("HIGH", {"practitioner_id": "PSO1"}, "grade"),
        ("WOMAN", {"practitioner_id": "M1"}, "female_practitioner"),
        ("SKILL", {"practitioner_id": "M1"}, "required_skills"),
        ("HELD", {"practitioner_id": "PO1", "status": "MOVED"}, "continuity"),
        ("HELD", {"practitioner_id": None, "status": "UNALLOCATED"}, "continuity"),
        ("PLAIN", {"practitioner_id": "GHOST"}, "unknown_practitioner"),
        ("PLAIN", {"status": "LOST"}, "status"),
        ("PLAIN", {"practitioner_id": None, "status": "UNALLOCATED"}, "unallocated_with_room"),
    ],
)
def test_catches_broken_allocation(solved, config, case_id, changes, rule):
    dec, res = solved
    rep = _check(res, _broken(dec, case_id, **changes), config)
    assert not rep.ok
    assert rule in {v.rule for v in rep.violations if v.record == case_id}, rep.summary()


def test_catches_capacity_break(solved, config):
    dec, res = solved
    # SMALL works 2 h: 117 points. HIGH (B2, 115) alone fits; with PLAIN (C2, 63) it does not.
    one = _broken(dec, "HIGH", practitioner_id="SMALL")
    assert _check(res, one, config).ok
    both = _broken(one, "PLAIN", practitioner_id="SMALL")
    assert [v.rule for v in _check(res, both, config).violations] == ["capacity"]


def test_catches_missing_and_duplicate_rows(solved, config):
    dec, res = solved
    rep = _check(res, dec[dec["case_id"] != "PLAIN"], config)
    assert ("PLAIN", "missing") in {(v.record, v.rule) for v in rep.violations}
    rep = _check(res, pd.concat([dec, dec.iloc[[0]]]), config)
    assert "duplicate" in {v.rule for v in rep.violations}


def test_catches_conflict(tmp_path, config):
    folder = write_night(
        tmp_path / "in",
        [practitioner("A"), practitioner("B")],
        [case("C1", conflict_practitioner_ids="A")],
    )
    ds = load_dataset(folder, config)
    alloc = pd.DataFrame([{"case_id": "C1", "practitioner_id": "A", "status": "NEW"}])
    rep = check_allocation(ds, alloc, config)
    assert [v.rule for v in rep.violations] == ["conflict"]


def test_cli_check_on_files(solved, config, tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    dec, res = solved
    data = res.out_dir.parent / "in"
    ok = CliRunner().invoke(
        app, ["check", "--data", str(data), "--allocations", str(res.out_dir / "allocations.csv")]
    )
    assert ok.exit_code == 0, ok.output
    broken = tmp_path / "broken.csv"
    pd.read_csv(res.out_dir / "allocations.csv").assign(
        practitioner_id=lambda d: d["practitioner_id"].where(d["case_id"] != "HIGH", "PSO1")
    ).to_csv(broken, index=False)
    bad = CliRunner().invoke(app, ["check", "--data", str(data), "--allocations", str(broken)])
    assert bad.exit_code == 1 and "grade" in bad.output
