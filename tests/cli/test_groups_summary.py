"""The groups plan's summary lines, as the team reads them at the end of a run."""

from engine.cli.groups import facilitator_gaps_line


def _gap(free: int, needed: int) -> dict:
    return {
        "programme": "TSP",
        "venue_id": "V-1",
        "slots": "Tue-EVE;Thu-EVE",
        "referrals": 21,
        "waiting": 11,
        "facilitators_free": free,
        "facilitators_needed": needed,
    }


def test_a_group_with_no_trained_facilitator_free_is_said_to_need_two_more():
    line = facilitator_gaps_line([_gap(0, 2)])
    assert "0 of 2 facilitators free: 2 more needed" in line
    assert "another" not in line


def test_a_group_with_one_of_two_free_is_said_to_need_one_more():
    assert "1 of 2 facilitators free: 1 more needed" in facilitator_gaps_line([_gap(1, 2)])


def test_the_line_names_at_most_the_first_three_places():
    gaps = [dict(_gap(1, 2), venue_id=f"V-{k}") for k in range(5)]
    line = facilitator_gaps_line(gaps)
    assert "V-2" in line and "V-3" not in line
