"""Each hard rule and soft term on 1-3 entities: a passing case and a failing one.

Set-ups put the *less loaded* practitioner on the wrong side of the rule, so that dropping
the rule would change the answer; every run also passes the independent checker.
"""

from __future__ import annotations

import pytest

from tests.builders import OAKHAM, case, filler, practitioner

SOLVERS = ["cpsat", "greedy"]


def _who(dec, cid):
    row = dec.loc[cid]
    return row["practitioner_id"] if row["status"] != "UNALLOCATED" else None


@pytest.mark.parametrize("solver", SOLVERS)
def test_grade_high_risk_goes_to_po(night, solver):
    pracs = [practitioner("PSO1", grade="PSO"), practitioner("PO1")]
    cases = [case("C1", rosh="HIGH", tier="B2")] + filler("PO1", 900)
    dec, _ = night(pracs, cases, solver)
    assert _who(dec, "C1") == "PO1"


@pytest.mark.parametrize("solver", SOLVERS)
def test_grade_fails_when_only_pso(night, solver):
    dec, _ = night(
        [practitioner("PSO1", grade="PSO")],
        [case("C1", mappa_level=2, tier="A2", rosh="HIGH")],
        solver,
    )
    assert dec.loc["C1", "status"] == "UNALLOCATED"
    assert "grade" in dec.loc["C1", "reason"]


def test_pso_may_hold_medium_risk(night):
    dec, _ = night([practitioner("PSO1", grade="PSO")], [case("C1")])
    assert _who(dec, "C1") == "PSO1"


@pytest.mark.parametrize("solver", SOLVERS)
def test_spo_holds_no_cases(night, solver):
    dec, _ = night([practitioner("SPO1", grade="SPO")], [case("C1")], solver)
    assert dec.loc["C1", "status"] == "UNALLOCATED"


# rule: (the eligible practitioner's fields, the case's fields, text expected in the reason
# when only an ineligible practitioner exists). The ineligible one is always less loaded.
PAIR_RULES = {
    "required_skills": (
        {"skills": "sexual_offending"},
        {"required_skills": "sexual_offending"},
        "lacks required skill",
    ),
    "female_practitioner": (
        {"sex": "F"},
        {"sex": "F", "wants_female_practitioner": True},
        "not female",
    ),
    "welsh": ({"welsh_speaker": True}, {"needs_welsh": True}, "Welsh speaker"),
}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("rule", list(PAIR_RULES))
def test_pair_rule(night, solver, rule):
    good_fields, case_fields, reason = PAIR_RULES[rule]
    bad = practitioner("BAD", sex="M")
    pracs = [bad, practitioner("GOOD", **good_fields)]
    dec, _ = night(pracs, [case("C1", **case_fields)] + filler("GOOD", 900), solver)
    assert _who(dec, "C1") == "GOOD"
    dec, _ = night([bad], [case("C1", **case_fields)], solver)
    assert dec.loc["C1", "status"] == "UNALLOCATED"
    assert reason in dec.loc["C1", "reason"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_conflict_of_interest(night, solver):
    pracs = [practitioner("A"), practitioner("B")]
    cases = [case("C1", conflict_practitioner_ids="A")] + filler("B", 900)
    dec, _ = night(pracs, cases, solver)
    assert _who(dec, "C1") == "B"
    dec, _ = night([practitioner("A")], [case("C1", conflict_practitioner_ids="A")], solver)
    assert dec.loc["C1", "status"] == "UNALLOCATED"
    assert "conflict" in dec.loc["C1", "reason"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_same_pdu(night, solver):
    pracs = [practitioner("OTHER", pdu="Corby PDU"), practitioner("HOME")]
    cases = [case("C1")] + filler("HOME", 900)
    dec, _ = night(pracs, cases, solver)
    assert _who(dec, "C1") == "HOME"


def test_neighbouring_pdu_only_when_allowed(night, config):
    pracs = [
        practitioner("NEAR", pdu="Corby PDU", office_lat=52.49, office_lon=-0.69),
        practitioner("HOME", grade="PSO"),
    ]
    cases = [case("C1", rosh="HIGH", tier="B2")]
    dec, _ = night(pracs, cases)
    assert dec.loc["C1", "status"] == "UNALLOCATED"
    cfg = config.model_copy(
        update={
            "allocation": config.allocation.model_copy(update={"allow_neighbouring_pdus": True})
        }
    )
    dec, _ = night(pracs, cases, cfg=cfg)
    assert _who(dec, "C1") == "NEAR"


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity(night, solver):
    # 8 h available of 37: 470 points; 441 held; a C2 (63) does not fit, a D1 (29) does.
    pracs = [practitioner("A", contracted_hours=8)]
    cases = [case("BIG", tier="C2"), case("SMALL", tier="D1")] + filler("A", 441)
    dec, res = night(pracs, cases, solver)
    assert dec.loc["BIG", "status"] == "UNALLOCATED"
    assert "more points" in dec.loc["BIG", "reason"]
    assert _who(dec, "SMALL") == "A"
    assert res.tables["workload"].set_index("practitioner_id").loc["A", "points"] <= 470


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity_joint(night, solver):
    # Room for one of two cases only: exactly one is allocated.
    pracs = [practitioner("A", contracted_hours=4)]  # 235 points
    cases = [case("X", tier="B2"), case("Y", tier="B2")]  # 115 each
    cases += filler("A", 63, n=1)  # 63 held: 63 + 230 > 235
    dec, _ = night(pracs, cases, solver)
    assert (dec.loc[["X", "Y"], "status"] == "UNALLOCATED").sum() == 1


def test_over_capacity_option_flags(night, config):
    cfg = config.model_copy(
        update={"allocation": config.allocation.model_copy(update={"allow_over_capacity": True})}
    )
    pracs = [practitioner("A", contracted_hours=8)]
    cases = [case("BIG", tier="C2")] + filler("A", 441)
    dec, _ = night(pracs, cases, cfg=cfg)
    assert _who(dec, "BIG") == "A"
    assert "OVER_CAPACITY" in dec.loc["BIG", "flags"]


def test_travel_hard_limit(night, config):
    cfg = config.model_copy(
        update={"travel": config.travel.model_copy(update={"hard_max_minutes": 30})}
    )
    far = practitioner("FAR", office_lat=52.58, office_lon=-0.48)  # Stamford side of Rutland
    pracs = [far, practitioner("NEAR")]
    cases = [case("C1")] + filler("NEAR", 900)
    dec, _ = night(pracs, cases)
    assert _who(dec, "C1") == "FAR"  # without a hard limit balance wins
    dec, _ = night(pracs, cases, cfg=cfg)
    assert _who(dec, "C1") == "NEAR"


def test_continuity_keeps_existing_even_if_unbalanced(night):
    pracs = [practitioner("BUSY"), practitioner("IDLE")]
    cases = filler("BUSY", 1800)
    dec, _ = night(pracs, cases)
    assert (dec["status"] == "KEPT").all()
    assert (dec["practitioner_id"] == "BUSY").all()


@pytest.mark.parametrize("solver", SOLVERS)
def test_tier_rise_moves_only_that_case(night, solver):
    pracs = [practitioner("PSO1", grade="PSO"), practitioner("PO1")]
    cases = [
        case(
            "ROSE",
            tier="A1",
            rosh="HIGH",
            current_practitioner_id="PSO1",
            sentence_date="2026-03-02",
        ),
        case("STAY", current_practitioner_id="PSO1", sentence_date="2026-03-02"),
    ]
    dec, _ = night(pracs, cases, solver)
    assert dec.loc["ROSE", "status"] == "MOVED" and _who(dec, "ROSE") == "PO1"
    assert dec.loc["ROSE", "previous_practitioner_id"] == "PSO1"
    assert "reallocation" in dec.loc["ROSE", "reason"]
    assert dec.loc["STAY", "status"] == "KEPT"


def test_most_urgent_first_when_room_for_one(night):
    # 4 h: 235 points; 126 held; room for one more C2 (63), not two.
    pracs = [practitioner("A", contracted_hours=4)]
    cases = [case("FRESH", sentence_date="2026-11-23"), case("OLD", sentence_date="2026-11-17")]
    cases += filler("A", 126, n=2)  # 126 held: 126 + 63 = 189 <= 235, 126 + 126 = 252 > 235
    dec, _ = night(pracs, cases)
    assert _who(dec, "OLD") == "A"
    assert dec.loc["FRESH", "status"] == "UNALLOCATED"


def test_balance_least_loaded(night):
    pracs = [practitioner("HEAVY"), practitioner("LIGHT")]
    cases = [case("C1")] + filler("HEAVY", 1800) + filler("LIGHT", 900, start=100)
    dec, _ = night(pracs, cases)
    assert _who(dec, "C1") == "LIGHT"


def test_preferred_skill_breaks_a_tie(night):
    pracs = [practitioner("PLAIN"), practitioner("DA", skills="domestic_abuse")]
    cases = [case("C1", preferred_skills="domestic_abuse")]
    dec, _ = night(pracs, cases)
    assert _who(dec, "C1") == "DA"
    assert "preferred" in dec.loc["C1", "reason"]


def test_women_concentrator_preferred(night):
    pracs = [practitioner("PLAIN"), practitioner("WC", skills="women")]
    dec, _ = night(pracs, [case("W1", sex="F")])
    assert _who(dec, "W1") == "WC"


def test_explanation_names_runner_up_and_exclusions(night):
    pracs = [practitioner("PSO1", grade="PSO"), practitioner("PO1"), practitioner("PO2")]
    cases = [case("C1", rosh="HIGH", tier="B2")] + filler("PO2", 1500)
    dec, res = night(pracs, cases)
    reason = dec.loc["C1", "reason"]
    assert _who(dec, "C1") == "PO1"
    assert "runner-up PO2" in reason and "grade (needs PO) 1" in reason
    assert "decided by lower utilisation" in reason


def test_case_held_by_spo_is_moved(night):
    pracs = [practitioner("SPO1", grade="SPO"), practitioner("PSO1", grade="PSO")]
    dec, _ = night(pracs, [case("C1", current_practitioner_id="SPO1", sentence_date="2026-03-02")])
    assert dec.loc["C1", "status"] == "MOVED" and _who(dec, "C1") == "PSO1"
    assert "holds no caseload" in dec.loc["C1", "reason"]


def test_returning_person_goes_back_to_their_last_practitioner(night):
    """NEAR is nearer the home; LAST supervised the person before: LAST, and NEAR without it."""
    pracs = [
        practitioner("NEAR"),
        practitioner("LAST", office_lat=OAKHAM[0] + 0.03, office_lon=OAKHAM[1]),
    ]
    dec, _ = night(pracs, [case("BACK", previous_practitioner_id="LAST")])
    assert _who(dec, "BACK") == "LAST"
    assert "supervised them before" in dec.loc["BACK", "reason"]
    dec, _ = night(pracs, [case("BACK")])
    assert _who(dec, "BACK") == "NEAR"


def _mix_night():
    """HIGHPO keeps only high risk of harm cases, MIXPO only medium ones, the same points."""
    pracs = [practitioner("HIGHPO"), practitioner("MIXPO", office_lat=OAKHAM[0] + 0.04)]
    held = filler("HIGHPO", 630) + filler("MIXPO", 630, start=100)
    for c in held[:10]:
        c["rosh"] = "HIGH"
    return pracs, held


def test_case_mix_sends_a_high_case_to_the_po_under_the_share(night):
    pracs, held = _mix_night()
    dec, _ = night(pracs, held + [case("HI", rosh="HIGH")])
    assert _who(dec, "HI") == "MIXPO"  # though HIGHPO is nearer


def test_case_mix_off_leaves_the_high_case_to_the_nearer_po(night, config):
    pracs, held = _mix_night()
    o = config.objective.model_copy(update={"case_mix_weight": 0})
    dec, _ = night(
        pracs, held + [case("HI", rosh="HIGH")], cfg=config.model_copy(update={"objective": o})
    )
    assert _who(dec, "HI") == "HIGHPO"


def test_case_mix_sends_a_medium_case_to_the_po_over_the_share(night, config):
    pracs, held = _mix_night()
    pracs[0], pracs[1] = (
        practitioner("HIGHPO", office_lat=OAKHAM[0] + 0.04),
        practitioner("MIXPO"),
    )  # MIXPO now the nearer
    dec, _ = night(pracs, held + [case("MED")])
    assert _who(dec, "MED") == "HIGHPO"
    o = config.objective.model_copy(update={"case_mix_weight": 0})
    dec, _ = night(pracs, held + [case("MED")], cfg=config.model_copy(update={"objective": o}))
    assert _who(dec, "MED") == "MIXPO"
