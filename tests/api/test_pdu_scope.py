"""A quarter submitted for one PDU of a region's folder (`probation serve --submit ... --pdu`,
or a key scoped to a PDU): the rows kept still make a valid folder. The demo's quarter had
failed with 39 problems, each a running group at another PDU's venue or with a facilitator
whose row had been cut; a co-defendant in another PDU would have failed it as well."""

from __future__ import annotations

from api.validation import only_pdu
from engine.groups.contract import load_groups
from tests.builders import facilitator, programme, referral, running_group, venue, write_groups

MELTON = "Melton PDU"


def _region(tmp_path, running):
    refs = [
        referral("A", exclude_person_ids="B;C"),
        referral("C"),
        referral("B", pdu=MELTON, exclude_person_ids="A"),
    ]
    venues = [venue("V1"), venue("V2", pdu=MELTON)]
    facs = [facilitator("F1"), facilitator("F2", pdu=MELTON), facilitator("F3", pdu=MELTON)]
    return write_groups(tmp_path, refs, [programme()], venues, facs, running)


def test_a_pdus_quarter_keeps_its_running_groups_and_their_facilitators(tmp_path):
    """R1 meets at Rutland's V1 with F2, a Melton facilitator: kept, and F2 with it (F3 is
    not); R2 at Melton's V2 is dropped; A's co-defendant B, in Melton, is not in this plan."""
    running = [
        running_group("R1", venue_id="V1", facilitator_ids="F2"),
        running_group("R2", venue_id="V2", facilitator_ids="F3", person_ids="M4;M5;M6"),
    ]
    only_pdu(_region(tmp_path, running), "Rutland PDU")
    ds = load_groups(tmp_path)
    assert ds.running is not None and ds.running["group_id"].tolist() == ["R1"]
    assert sorted(ds.facilitators["facilitator_id"]) == ["F1", "F2"]
    excluded = dict(zip(ds.referrals["person_id"], ds.referrals["exclude_person_ids"]))
    assert {p: list(x) for p, x in excluded.items()} == {"A": ["C"], "C": []}


def test_a_pdu_with_no_running_group_has_no_running_file(tmp_path):
    """Only Melton runs a group: Rutland's folder has no groups_running.csv (a header alone
    is refused), and plans."""
    running = [running_group("R2", venue_id="V2", facilitator_ids="F3")]
    only_pdu(_region(tmp_path, running), "Rutland PDU")
    assert not (tmp_path / "groups_running.csv").exists()
    assert load_groups(tmp_path).running is None
