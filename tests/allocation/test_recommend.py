"""One-case recommendations against a stored night: ranked by the batch's own costs, with the
rules that exclude the rest, and the rejected left out."""

from __future__ import annotations

import time

import pytest

from engine.allocation.contract import load_dataset
from engine.allocation.explain import marginal_spread
from engine.allocation.plan import prepare_night, solver_params
from engine.allocation.recommend import NoSuchCase, recommend
from tests.builders import OAKHAM, RUN_DATE, case, filler, practitioner


@pytest.fixture
def stored(night, config):
    """A night of four: two POs at different distances and loads, a PSO, a man."""
    pracs = [
        practitioner("NEAR"),
        practitioner("FAR", office_lat=OAKHAM[0] + 0.15),
        practitioner("PSO", grade="PSO"),
        practitioner("MAN", sex="M"),
    ]
    cases = [
        case("HIGH", rosh="HIGH", tier="B2", sex="F", wants_female_practitioner=True),
        case("OTHER"),
        *filler("NEAR", 900),
        *filler("FAR", 300, start=100),
    ]
    dec, res = night(pracs, cases)
    ds = load_dataset(res.out_dir.parent / "in", config)
    return ds, dec.reset_index(), res.tables["workload"]


def test_the_order_is_the_batchs_costs(stored, config):
    ds, dec, wl = stored
    rec = recommend(ds, dec, wl, config, "HIGH", RUN_DATE, top=5)
    assert [c.practitioner_id for c in rec.ranked] == sorted(
        (c.practitioner_id for c in rec.ranked),
        key=lambda p: next(c.score for c in rec.ranked if c.practitioner_id == p),
    )
    # each candidate's terms are the batch's own for that pair, and the spread its marginal cost
    plan = prepare_night(ds.cases, ds.practitioners, config, RUN_DATE)
    comp = plan.components[0]
    i = comp.problem.case_ids.index("HIGH")
    params = solver_params(config, 0, 1)
    loads = dict(zip(wl["practitioner_id"], wl["points"]))
    placed = dec.set_index("case_id").loc["HIGH", "practitioner_id"]
    pts = int(comp.problem.points[i])
    for c in rec.ranked:
        q = comp.problem.prac_ids.index(c.practitioner_id)
        for name in comp.terms:
            assert c.terms[name] == int(comp.terms[name][i, q]), (c.practitioner_id, name)
        before = int(loads[c.practitioner_id]) - (pts if c.practitioner_id == placed else 0)
        avail = int(comp.problem.available[q])
        assert c.terms["spread"] == marginal_spread(before, pts, avail, params)
        assert c.score == sum(c.terms.values())
    assert [c.difference[n] for c in rec.ranked[:1] for n in c.terms] == [0] * len(
        rec.ranked[0].terms
    )


def test_the_rest_come_with_the_rules_that_exclude_them(stored, config):
    ds, dec, wl = stored
    rec = recommend(ds, dec, wl, config, "HIGH", RUN_DATE)
    assert {c.practitioner_id for c in rec.ranked} == {"NEAR", "FAR"}
    assert rec.excluded["grade"] == ["PSO"]
    assert rec.excluded["female_practitioner"] == ["MAN"]
    assert rec.proposed in {"NEAR", "FAR"}


def test_a_rejected_practitioner_is_left_out(stored, config):
    ds, dec, wl = stored
    first = recommend(ds, dec, wl, config, "HIGH", RUN_DATE).ranked[0].practitioner_id
    again = recommend(ds, dec, wl, config, "HIGH", RUN_DATE, exclude=(first,))
    assert first not in {c.practitioner_id for c in again.ranked}
    assert again.excluded["rejected"] == [first]


def test_an_unknown_case_is_refused(stored, config):
    ds, dec, wl = stored
    with pytest.raises(NoSuchCase):
        recommend(ds, dec, wl, config, "NOBODY", RUN_DATE)


def test_a_pdus_recommendation_is_quick(tight_pdu, config):
    """A whole PDU (Rutland's tight night): the ranking takes well under a second."""
    from engine.allocation.pipeline import RunOptions, run_night

    res = run_night(
        RunOptions(data=tight_pdu, out=tight_pdu.parent / "rec-out", config=config,
                   period=RUN_DATE.isoformat(), progress=False, solver="greedy")
    )  # fmt: skip
    ds = load_dataset(tight_pdu, config)
    dec, wl = res.tables["decisions"], res.tables["workload"]
    new = dec[dec["status"] == "NEW"]["case_id"].tolist()[:5]
    start = time.perf_counter()
    for cid in new:
        rec = recommend(ds, dec, wl, config, cid, RUN_DATE)
        assert rec.ranked or rec.excluded
    per_case = (time.perf_counter() - start) / len(new)
    assert per_case < 1.0, f"{per_case:.2f} s a case"
