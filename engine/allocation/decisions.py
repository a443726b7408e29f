"""Senior Probation Officers' decisions on a night's proposals: confirm, reject or override.
An override is checked with the independent checker on the whole night as it would then stand,
so every hard rule (eligibility, grade, conflicts, capacity...) is judged exactly as for the
solver; an override that breaks a rule needs an explicit acceptance with a reason and is
flagged in the record."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engine.allocation.check import check_allocation
from engine.allocation.contract import Dataset
from engine.core.config import Config
from engine.core.errors import ProbationError

ACTIONS = ("confirm", "reject", "override")


class DecisionRefused(ProbationError, ValueError):
    """The decision cannot be recorded as asked (bad case, missing reason, unaccepted rule break)."""

    def __init__(self, message: str, rule_breaks: list[str] | None = None):
        super().__init__(message)
        self.rule_breaks = rule_breaks or []


@dataclass
class Decision:
    case_id: str
    action: str
    proposed_practitioner_id: str
    practitioner_id: str  # after the decision ('' when rejected, or when nobody was proposed)
    reason: str
    rule_breaks: list[str]

    @property
    def flagged(self) -> bool:
        return bool(self.rule_breaks)


def decide(
    ds: Dataset | None,
    proposals: pd.DataFrame,
    case_id: str,
    action: str,
    config: Config,
    practitioner_id: str | None = None,
    reason: str = "",
    accept_rule_break: bool = False,
) -> Decision:
    """Judge one decision against the night's proposals (allocations.csv rows). `ds` (the
    night's inputs) is needed for an override, which the checker judges on the whole night."""
    if action not in ACTIONS:
        raise DecisionRefused(f"action must be one of {ACTIONS}")
    rows = proposals[proposals["case_id"] == case_id]
    if rows.empty:
        raise DecisionRefused(f"case {case_id} is not in this run")
    row = rows.iloc[0]
    if row["status"] == "KEPT":
        raise DecisionRefused(
            f"case {case_id} stays with its practitioner: there is no proposal to decide"
        )
    proposed = str(row["practitioner_id"] or "")
    reason = (reason or "").strip()
    if action == "confirm":
        if not proposed:
            raise DecisionRefused(
                f"case {case_id} has no proposal to confirm (unallocated): override it instead"
            )
        return Decision(case_id, action, proposed, proposed, reason, [])
    if not reason:
        raise DecisionRefused(f"a {action} needs a reason")
    if action == "reject":
        return Decision(case_id, action, proposed, "", reason, [])
    if not practitioner_id:
        raise DecisionRefused("an override names the practitioner_id to allocate to")
    if ds is None:
        raise DecisionRefused(
            "an override is judged against the night's inputs, and none were given"
        )
    if practitioner_id not in set(ds.practitioners["practitioner_id"]):
        raise DecisionRefused(f"practitioner {practitioner_id} is not in this night's data")
    after = proposals.copy()
    i = rows.index[0]
    after.loc[i, "practitioner_id"] = practitioner_id
    after.loc[i, "status"] = "MOVED" if str(row.get("previous_practitioner_id") or "") else "NEW"
    report = check_allocation(ds, after, config)
    before = {str(v) for v in check_allocation(ds, proposals, config).violations}
    breaks = [str(v) for v in report.violations if str(v) not in before]
    if breaks and not accept_rule_break:
        raise DecisionRefused(
            f"overriding {case_id} to {practitioner_id} breaks {len(breaks)} hard rule(s); "
            "send accept_rule_break with the reason to record it anyway (it will be flagged)",
            breaks,
        )
    return Decision(case_id, action, proposed, practitioner_id, reason, breaks)
