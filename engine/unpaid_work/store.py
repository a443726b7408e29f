"""Stored Unpaid Work weeks (same database as the allocation runs): the tables a week is kept
in; saving, loading, the week's lock and its input snapshot are the generic PlanStore's."""

from __future__ import annotations

from engine.store.runs import PlanStore
from engine.store.schema import (
    upw_induction_plan,
    upw_roster,
    upw_sessions,
    upw_supervision,
    upw_unplaced,
    upw_unsupervised,
    upw_weeks,
)


class UpwStore(PlanStore):
    """Stored Unpaid Work weeks, keyed by the week's run key; each PDU's week is held by one."""

    kind = "unpaid_work"
    header = upw_weeks
    key = "week_key"
    period = "week"
    children = {
        "schedule": upw_sessions,
        "unplaced": upw_unplaced,
        "roster": upw_roster,
        "unsupervised": upw_unsupervised,
        "inductions": upw_induction_plan,
        "supervision": upw_supervision,  # the appointments the week was given
    }
