"""The allocation rules, each a named unit.

Hard rules return a boolean matrix [cases x practitioners], True where the rule EXCLUDES the
pair; soft terms return an integer cost per pair. The allocator only sees pairs that no hard
rule excludes; explanations count, per case, how many practitioners each rule excluded.
The independent checker (engine.check) re-implements the hard rules row by row on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.allocation.records import STAY_ALLOWED
from engine.core.config import Config


def requires_po(cases: pd.DataFrame, config: Config) -> np.ndarray:
    """High/very high RoSH, MAPPA 2/3 or protect level A: a case for the high-risk grades."""
    e = config.eligibility
    return (
        cases["rosh"].isin(e.high_risk_rosh).to_numpy()
        | (cases["mappa_level"].to_numpy() >= e.high_risk_mappa_min_level)
        | cases["base_tier"].str[0].isin(e.high_risk_protect_levels).to_numpy()
    )


def grade_holds(needs_po: np.ndarray, grade: np.ndarray, config: Config) -> np.ndarray:
    """A practitioner of `grade` may hold a case (broadcasts): a case-holding grade, and a
    high-risk grade where the case needs one."""
    holds = np.isin(grade, config.eligibility.case_holding_grades)
    high = np.isin(grade, config.eligibility.high_risk_grades)
    return holds & (~needs_po | high)


def grade_allows(cases: pd.DataFrame, pracs: pd.DataFrame, config: Config) -> np.ndarray:
    """[cases x pracs] form of `grade_holds`."""
    need = requires_po(cases, config)
    return grade_holds(need[:, None], pracs["grade"].to_numpy()[None, :], config)


def _bits(lists: pd.Series, index: dict[str, int]) -> np.ndarray:
    out = np.zeros(len(lists), dtype=np.int64)
    for r, items in enumerate(lists):
        for s in items:
            out[r] |= 1 << index[s]
    return out


@dataclass
class RuleContext:
    """What the rules look at for one component: its pending cases and candidate practitioners."""

    cases: pd.DataFrame
    pracs: pd.DataFrame
    config: Config
    travel_minutes: np.ndarray  # [cases x pracs]
    allowed_pdus: dict[str, set[str]]  # case PDU -> the PDUs its cases may be allocated into
    existing_load: np.ndarray  # per practitioner
    capacity: np.ndarray  # per practitioner

    def skill_bits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index = {s: k for k, s in enumerate(self.config.skills.known)}
        return (
            _bits(self.cases["required_skills"], index),
            _bits(self.cases["preferred_skills"], index),
            _bits(self.pracs["skills"], index),
        )


# ---- hard rules: True = excluded -------------------------------------------------------------


def rule_not_case_holding(ctx: RuleContext) -> np.ndarray:
    """SPOs and staff with no available points (e.g. 100% reduction) hold no new cases."""
    holds = ctx.pracs["grade"].isin(ctx.config.eligibility.case_holding_grades).to_numpy()
    has_points = ctx.pracs["available_points"].to_numpy() > 0
    return np.broadcast_to(~(holds & has_points)[None, :], (len(ctx.cases), len(ctx.pracs)))


def rule_pdu(ctx: RuleContext) -> np.ndarray:
    """The practitioner works in the case's PDU (or a neighbouring one, when allowed)."""
    ppdu = ctx.pracs["pdu"]
    cpdu = ctx.cases["pdu"].to_numpy()
    out = np.ones((len(ctx.cases), len(ctx.pracs)), dtype=bool)
    for pdu in np.unique(cpdu):
        rows = cpdu == pdu
        out[rows] = ~ppdu.isin(ctx.allowed_pdus.get(pdu, {pdu})).to_numpy()[None, :]
    return out


def rule_grade(ctx: RuleContext) -> np.ndarray:
    """High-risk cases (RoSH high/very high, MAPPA 2/3, protect level A) need a PO."""
    holds = ctx.pracs["grade"].isin(ctx.config.eligibility.case_holding_grades).to_numpy()
    return ~grade_allows(ctx.cases, ctx.pracs, ctx.config) & holds[None, :]


def rule_required_skills(ctx: RuleContext) -> np.ndarray:
    """Every required specialist skill is held by the practitioner."""
    req, _, has = ctx.skill_bits()
    return (req[:, None] & ~has[None, :]) != 0


def rule_female_practitioner(ctx: RuleContext) -> np.ndarray:
    """A woman who asked for a female practitioner gets one (000 ~2498)."""
    wants = ctx.cases["wants_female_practitioner"].to_numpy(dtype=bool)
    male = ctx.pracs["sex"].to_numpy() != "F"
    return wants[:, None] & male[None, :]


def rule_welsh(ctx: RuleContext) -> np.ndarray:
    """A case that needs Welsh goes to a Welsh speaker."""
    needs = ctx.cases["needs_welsh"].to_numpy(dtype=bool)
    speaks = ctx.pracs["welsh_speaker"].to_numpy(dtype=bool)
    return needs[:, None] & ~speaks[None, :]


def rule_conflict(ctx: RuleContext) -> np.ndarray:
    """No practitioner with a declared conflict of interest."""
    out = np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=bool)
    col = {pid: j for j, pid in enumerate(ctx.pracs["practitioner_id"])}
    for r, ids in enumerate(ctx.cases["conflict_practitioner_ids"]):
        for pid in ids:
            if pid in col:
                out[r, col[pid]] = True
    return out


def rule_travel(ctx: RuleContext) -> np.ndarray:
    """Travel over the configured hard maximum (0 = none: exceptions are recorded instead)."""
    limit = ctx.config.travel.hard_max_minutes
    if limit <= 0:
        return np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=bool)
    return ctx.travel_minutes > limit


def rule_away(ctx: RuleContext) -> np.ndarray:
    """A practitioner who left, or is away (a request, a long 100% reduction), takes no case."""
    away = (
        (ctx.pracs["away"] != "").to_numpy()
        if "away" in ctx.pracs
        else np.zeros(len(ctx.pracs), bool)
    )
    return np.broadcast_to(away[None, :], (len(ctx.cases), len(ctx.pracs)))


def rule_move(ctx: RuleContext) -> np.ndarray:
    """A case that moves never goes back to the practitioner it leaves, unless its move may end
    with it staying (a change of address); then it moves only to someone within the travel
    target."""
    out = np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=bool)
    if "move_code" not in ctx.cases:
        return out
    code = ctx.cases["move_code"].to_numpy()
    holder = ctx.cases["current_practitioner_id"].to_numpy()
    pid = ctx.pracs["practitioner_id"].to_numpy()
    is_holder = holder[:, None] == pid[None, :]
    may_stay = np.isin(code, STAY_ALLOWED)
    moving = code != ""
    out |= (moving & ~may_stay)[:, None] & is_holder
    far = ctx.travel_minutes > ctx.config.travel.target_minutes
    out |= may_stay[:, None] & ~is_holder & far
    return out


def rule_capacity(ctx: RuleContext) -> np.ndarray:
    """The case alone would take the practitioner over the utilisation limit."""
    pts = ctx.cases["points"].to_numpy()
    return ctx.existing_load[None, :] + pts[:, None] > ctx.capacity[None, :]


HARD_RULES: dict[str, Callable[[RuleContext], np.ndarray]] = {
    "pdu": rule_pdu,
    "not_case_holding": rule_not_case_holding,
    "grade": rule_grade,
    "required_skills": rule_required_skills,
    "female_practitioner": rule_female_practitioner,
    "welsh": rule_welsh,
    "conflict": rule_conflict,
    "travel_limit": rule_travel,
    "away": rule_away,
    "move": rule_move,
    "capacity": rule_capacity,
}
# Capacity depends on the rest of the night; the others are fixed facts about the pair.
RULES_NOT_CAPACITY = [r for r in HARD_RULES if r != "capacity"]


# ---- soft terms: weighted cost per (case, practitioner) --------------------------------------


def term_travel(ctx: RuleContext) -> np.ndarray:
    """Minutes of travel, plus a heavier charge for every minute over the target."""
    o, t = ctx.config.objective, ctx.config.travel.target_minutes
    tm = ctx.travel_minutes
    return o.travel_minute_weight * tm + o.travel_over_target_weight * np.maximum(tm - int(t), 0)


def term_preferred_skills(ctx: RuleContext) -> np.ndarray:
    """Each preferred skill the practitioner lacks."""
    _, pref, has = ctx.skill_bits()
    missing = pref[:, None] & ~has[None, :]
    count = np.zeros(missing.shape, dtype=np.int64)
    for k in range(len(ctx.config.skills.known)):
        count += (missing >> k) & 1
    return ctx.config.objective.preferred_skill_weight * count


def term_women_concentrator(ctx: RuleContext) -> np.ndarray:
    """A woman's case not given to a women concentrator, when the component has any (and the
    case did not already list the skill as preferred, which is charged there)."""
    skill = ctx.config.skills.women_concentrator_skill
    conc = np.array([skill in s for s in ctx.pracs["skills"]], dtype=bool)
    if not conc.any():
        return np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=np.int64)
    woman = (ctx.cases["sex"].to_numpy() == "F") & np.array(
        [skill not in s for s in ctx.cases["preferred_skills"]], dtype=bool
    )
    return ctx.config.objective.women_concentrator_weight * (
        woman[:, None] & ~conc[None, :]
    ).astype(np.int64)


def term_other_team(ctx: RuleContext) -> np.ndarray:
    """A case that moves, to someone outside its practitioner's team (continuity of the team
    under one SPO, 000 ~2812-2838)."""
    if "holder_team" not in ctx.cases:
        return np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=np.int64)
    team = ctx.cases["holder_team"].to_numpy()
    moving = pd.notna(team)
    other = team[:, None] != ctx.pracs["team"].to_numpy()[None, :]
    return ctx.config.objective.other_team_weight * (moving[:, None] & other).astype(np.int64)


def term_returning(ctx: RuleContext) -> np.ndarray:
    """A person back on a new sentence, given to anyone but the practitioner who last
    supervised them (when that practitioner is among the candidates)."""
    out = np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=np.int64)
    if "previous_practitioner_id" not in ctx.cases:
        return out
    prev = ctx.cases["previous_practitioner_id"].to_numpy()
    pid = ctx.pracs["practitioner_id"].to_numpy()
    new = ctx.cases["current_practitioner_id"].isna().to_numpy()
    known = np.array([isinstance(p, str) and p in set(pid) for p in prev]) & new
    other = prev[:, None] != pid[None, :]
    return ctx.config.objective.returning_weight * (known[:, None] & other).astype(np.int64)


def high_rosh(cases: pd.DataFrame, config: Config) -> np.ndarray:
    """High or very high risk of serious harm."""
    return cases["rosh"].isin(config.eligibility.high_risk_rosh).to_numpy()


def term_case_mix(ctx: RuleContext) -> np.ndarray:
    """A PO's mix of high and medium/low risk of harm cases (000 ~2487): a high case to a PO
    whose kept cases are over the target share high, or a medium/low one to a PO under it, per
    percentage point of the gap."""
    out = np.zeros((len(ctx.cases), len(ctx.pracs)), dtype=np.int64)
    if "high_share" not in ctx.pracs:
        return out
    o = ctx.config.objective
    po = ctx.pracs["grade"].isin(ctx.config.eligibility.high_risk_grades).to_numpy()
    share = ctx.pracs["high_share"].to_numpy(dtype=float)
    over = np.round(100 * np.maximum(share - o.case_mix_high_share, 0)).astype(np.int64)
    under = np.round(100 * np.maximum(o.case_mix_high_share - share, 0)).astype(np.int64)
    high = high_rosh(ctx.cases, ctx.config)
    gap = np.where(high[:, None], over[None, :], under[None, :])
    return o.case_mix_weight * gap * po[None, :]


SOFT_TERMS: dict[str, Callable[[RuleContext], np.ndarray]] = {
    "travel": term_travel,
    "preferred_skills": term_preferred_skills,
    "women_concentrator": term_women_concentrator,
    "other_team": term_other_team,
    "returning": term_returning,
    "case_mix": term_case_mix,
}
