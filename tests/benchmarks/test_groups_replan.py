"""The re-plan benchmark's verdict: sessions left unresolved first, then people told."""

from __future__ import annotations

from benchmarks.groups_replan import _worse


def test_resolving_one_more_session_may_tell_more_people():
    greedy = {"unresolved": 3, "people_affected": 82}
    assert not _worse({"unresolved": 2, "people_affected": 86}, greedy)
    assert _worse({"unresolved": 3, "people_affected": 86}, greedy)
    assert _worse({"unresolved": 4, "people_affected": 60}, greedy)
    assert not _worse({"unresolved": 3, "people_affected": 82}, greedy)
