"""Synthetic nights: seeded, on real geography, with realistic mixes, and able to be tight."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from engine.allocation.contract import load_dataset
from engine.synthetic import SyntheticSpec, generate, write_dataset
from engine.synthetic.geography import PROBATION_REGIONS, build_pdus


@pytest.fixture(scope="module")
def boundaries(shared):
    return shared / "data" / "boundaries"


def test_twelve_regions_of_pdus(boundaries):
    pdus = build_pdus(str(boundaries))
    assert sorted({p.region for p in pdus}) == sorted(PROBATION_REGIONS)
    assert 80 <= len(pdus) <= 140
    rutland = [p for p in pdus if any(d.name == "Rutland" for d in p.districts)]
    assert rutland and rutland[0].region == "East Midlands"


def test_seeded_and_valid(boundaries, config, tmp_path):
    spec = SyntheticSpec(scale="pdu", region="Wales", seed=11, run_date=date(2026, 11, 23))
    p1, c1, _ = generate(boundaries, spec, config)
    p2, c2, m = generate(boundaries, spec, config)
    assert p1.equals(p2) and c1.equals(c2)
    ds = load_dataset(write_dataset(tmp_path, p1, c1, m), config)  # passes the data contract
    assert len(ds.cases) == len(c1)


@pytest.mark.slow  # a long run: make test, not the everyday loop
def test_region_mix_is_realistic(boundaries, config):
    spec = SyntheticSpec(scale="region", region="Wales", seed=1, run_date=date(2026, 11, 23))
    pracs, cases, m = generate(boundaries, spec, config)
    holders = pracs[pracs["grade"] != "SPO"]
    assert len(holders) == 700 and m["new_cases"] == 600
    assert 20_000 <= m["existing_cases"] <= 30_000
    women = (cases["sex"] == "F").mean()
    assert 0.13 <= women <= 0.19
    assert cases["wants_female_practitioner"].sum() > 0
    assert (cases["wants_female_practitioner"] & (cases["sex"] == "M")).sum() == 0
    assert pracs["welsh_speaker"].mean() > 0.15 and cases["needs_welsh"].sum() > 0
    new = cases["current_practitioner_id"] == ""
    mid = cases["tier"].str[0].isin(["B", "C"])
    assert mid[new].mean() > 0.7 and mid[~new].mean() > 0.55  # tiers skewed to the middle
    assert 0.15 <= (holders["contracted_hours"] < 37).mean() <= 0.35  # part-time share
    assert 0.55 <= (cases["travel_mode"] == "public_transport").mean() <= 0.75  # most do not drive


def test_tight_has_less_room(boundaries, config):
    def headroom(tight: bool) -> float:
        spec = SyntheticSpec(
            scale="pdu", region="London", seed=2, tight=tight, run_date=date(2026, 11, 23)
        )
        pracs, cases, _ = generate(boundaries, spec, config)
        pts = np.array(
            [config.points_for(t[:2], c) for t, c in zip(cases["tier"], cases["case_type"])]
        )
        held = cases["current_practitioner_id"] != ""
        avail = sum(
            config.available_points(g, h, r)
            for g, h, r in zip(pracs["grade"], pracs["contracted_hours"], pracs["reduction_hours"])
        )
        return 1 - pts[held.to_numpy()].sum() / avail

    assert headroom(True) < headroom(False) < 0.3


@pytest.mark.slow  # the whole of England and Wales: about 12 s
def test_national_scale_counts(boundaries, config):
    spec = SyntheticSpec(
        scale="national", seed=4, run_date=date(2026, 11, 23), n_practitioners=1200, n_new=300
    )
    pracs, cases, m = generate(boundaries, spec, config)
    assert len(m["regions"]) == 12
    assert set(cases["region"]) == set(PROBATION_REGIONS)


def test_some_people_on_both_unpaid_work_and_a_programme(boundaries, config, tmp_path):
    """--both-share: that share of referrals are people on Unpaid Work in the same PDU (their
    id, sex and home), both services' files stay valid, and without it nothing changes."""
    from engine.groups.contract import load_groups
    from engine.unpaid_work.contract import load_upw

    base = SyntheticSpec(scale="pdu", region="East Midlands", seed=4, run_date=date(2026, 11, 23))
    _, _, plain = generate(boundaries, base, config)
    _, _, m = generate(boundaries, base.__class__(**{**base.__dict__, "both_share": 0.2}), config)
    refs, upw = m["_tables"]["referrals"], m["_tables"]["upw_people"]
    shared = refs[refs["person_id"].isin(upw["person_id"])]
    assert m["on_both"] == len(shared) >= 0.15 * len(refs) and plain["on_both"] == 0
    same = shared.merge(upw, on="person_id", suffixes=("", "_upw"))
    assert (same["sex"] == same["sex_upw"]).all() and (same["pdu"] == same["pdu_upw"]).all()
    assert refs.drop(columns=["person_id", "sex", "home_lat", "home_lon", "exclude_person_ids"]
                     ).equals(plain["_tables"]["referrals"].drop(
                         columns=["person_id", "sex", "home_lat", "home_lon", "exclude_person_ids"]
                     ))  # fmt: skip
    folder = write_dataset(tmp_path, *generate(boundaries, base, config)[:2], m)
    assert len(load_groups(folder).referrals) == len(refs) and len(load_upw(folder, config).people)
