"""Why someone referred starts no group: each reason a code that an Interventions Team or an
analyst can count and filter on (unplaced.csv's `reason_code`, the summary's
`unplaced_by_reason`) with the words the person's team reads. Both are made here, together,
so that a code never drifts from its words: what would help differs by reason (another
trained facilitator, other half-days offered, a venue nearer, one-to-one delivery)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Why:
    """A reason: its code (upper case, one of this module's) and its words."""

    code: str
    text: str


NO_VENUE_IN_REACH = "NO_VENUE_IN_REACH"
NO_SESSIONS_IN_SLOTS = "NO_SESSIONS_IN_SLOTS"
TOO_FEW_SHARE = "TOO_FEW_SHARE"
OTHER_HALF_DAYS = "OTHER_HALF_DAYS"
TOO_FEW_FACILITATORS = "TOO_FEW_FACILITATORS"
TOO_FEW_TO_START = "TOO_FEW_TO_START"
NO_PRE_GROUP = "NO_PRE_GROUP"
SENTENCE_ENDS = "SENTENCE_ENDS"
REFERRED_LATE = "REFERRED_LATE"
COMMITMENTS = "COMMITMENTS"
GROUPS_NOT_RUN = "GROUPS_NOT_RUN"
GROUP_FULL = "GROUP_FULL"
ONLY_WOMAN = "ONLY_WOMAN"
CO_DEFENDANT = "CO_DEFENDANT"
PRE_GROUP_FULL = "PRE_GROUP_FULL"
GROUP_FELL_THROUGH = "GROUP_FELL_THROUGH"


def no_venue(minutes: float, accessible: bool) -> Why:
    return Why(
        NO_VENUE_IN_REACH,
        f"no venue within {minutes:g} minutes each way"
        + (" that is accessible" if accessible else ""),
    )


def no_sessions(minutes: float, programme: str, slots: str) -> Why:
    return Why(
        NO_SESSIONS_IN_SLOTS,
        f"no venue within {minutes:g} minutes runs {programme} sessions in their available slots "
        f"({slots})",
    )


def none_formed(
    programme: str,
    shared: tuple[int, int],
    offered: tuple[bool, int],
    facilitators: tuple[int, int, float],
) -> Why:
    """Why no candidate group was formed for someone with a venue in reach running the
    programme in their slots, so that the team knows what would help: more referrals there
    (`shared`: the most who share a venue and half-days with them, them included, and the
    group's minimum), other half-days offered (`offered`: whether theirs were among the
    venues' `patterns_per_venue` offered), or another trained facilitator (`facilitators`: the
    most free for their half-days within the travel limit, those a session needs, the limit)."""
    most, minimum = shared
    if most < minimum:
        return Why(
            TOO_FEW_SHARE,
            f"too few share their venue and half-days: at most {most - 1} other {programme} "
            f"referral(s) can reach one venue of theirs on the same half-days, and a group needs "
            f"{minimum}",
        )
    if not offered[0]:
        return Why(
            OTHER_HALF_DAYS,
            f"the venues they can reach offer {programme} only on the half-days most referrals "
            f"there share (at most {offered[1]} a venue), and they are free on none of those",
        )
    free, need, limit = facilitators
    return Why(
        TOO_FEW_FACILITATORS,
        f"too few trained facilitators: at most {free} trained for {programme} within {limit:g} "
        f"minutes of the venue are free on the half-days they share with others, and a session "
        f"needs {need}",
    )


def too_few_to_start(minimum: int, programme: str) -> Why:
    return Why(
        TOO_FEW_TO_START,
        f"fewer than {minimum} could start with them in any {programme} group that suits them: "
        "the others who share their venue and half-days are ruled out by their referral dates, "
        "sentence ends, other commitments or pre-group appointments",
    )


def no_pre_group(weeks: int) -> Why:
    return Why(
        NO_PRE_GROUP,
        "no pre-group session could be booked with a trained facilitator in their slots in the "
        f"{weeks} weeks before the group's first session",
    )


def sentence_ends(ends: object) -> Why:
    return Why(
        SENTENCE_ENDS,
        f"the sentence ends on {ends}, before any group starting this quarter could finish",
    )


def referred_late(referred: object) -> Why:
    return Why(
        REFERRED_LATE, f"referred on {referred}, after every group that could take them starts"
    )


COMMITTED = Why(
    COMMITMENTS,
    "other commitments (Unpaid Work, supervision) take the half-days of every group that could "
    "take them",
)


def not_run(groups: int, programme: str) -> Why:
    return Why(
        GROUPS_NOT_RUN,
        f"none of the {groups} {programme} group(s) that could take them runs: too few others to "
        "start one with, or their rooms and facilitators went to groups that start more",
    )


# what stands in the way in groups that run ({} the groups named), in the order told
BARRED = {
    GROUP_FULL: "{} full",
    ONLY_WOMAN: "she would be the only woman in {}",
    CO_DEFENDANT: "a co-defendant is in {}",
}


def barred(named: dict[str, str]) -> Why:
    """Each of `BARRED`'s codes that stands in the way, with the groups it names, in that
    order: the codes joined by ';', as the words are."""
    codes = [c for c in BARRED if c in named]
    return Why(";".join(codes), "; ".join(BARRED[c].format(named[c]) for c in codes))


def pre_group_full(groups: str) -> Why:
    """A group that runs had a place, and no rule kept them out of it (the booking offers such
    a place to whoever waits: engine.groups.pre_group._waiting)."""
    return Why(
        PRE_GROUP_FULL,
        f"{groups} had a place, but no pre-group appointment was free for them before it starts: "
        "each half-day of theirs with a trained facilitator was full or taken by the groups' "
        "sessions",
    )


LONE_WOMAN = Why(
    ONLY_WOMAN,
    "the other women planned into the group could not have a pre-group session, and a woman "
    "never starts a group as its only woman",
)
FELL_THROUGH = Why(
    GROUP_FELL_THROUGH,
    "the group they were planned into could not run: too few of its members could have a "
    "pre-group session before it started",
)
