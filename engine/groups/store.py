"""Stored programme plans (same database as the allocation runs): the tables a quarter is kept
in; saving, loading, the quarter's lock and its input snapshot are the generic PlanStore's."""

from __future__ import annotations

from engine.store.runs import PlanStore
from engine.store.schema import (
    groups_calendar,
    groups_changes,
    groups_groups,
    groups_members,
    groups_one_to_one,
    groups_plans,
    groups_pre_group,
    groups_reviews,
    groups_supervision,
    groups_tell,
    groups_unplaced,
)


class GroupsStore(PlanStore):
    """Stored programme plans, keyed by the plan's run key; each PDU's quarter is held by one."""

    kind = "groups"
    header = groups_plans
    key = "plan_key"
    period = "from_date"
    children = {
        "groups": groups_groups,
        "members": groups_members,
        "unplaced": groups_unplaced,
        "reviews": groups_reviews,
        "one_to_one": groups_one_to_one,
        "pre_group": groups_pre_group,
        "changes": groups_changes,  # a re-plan's session changes (none in a fresh plan)
        "tell": groups_tell,  # and who must be told of them
        "calendar": groups_calendar,  # each person's sessions by date and slot
        "supervision": groups_supervision,  # the appointments the quarter was given
    }
