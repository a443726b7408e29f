"""`probation groups plan` and `probation groups replan`: the programme quarter's steps of the
one run lifecycle (engine.core.lifecycle): the programmes planned together as one part (or in
turn, by the older solvers), or a stored plan repaired around a facilitator off or a venue
closed; checked independently, stored in one transaction, written out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.check import Violation
from engine.core.errors import RunFailed
from engine.core.lifecycle import Planner, RunOptions, RunOutcome, execute, run_key
from engine.core.parallel import failed_stats
from engine.core.progress import abandon_if_asked
from engine.core.supervision import half_days as supervision_busy
from engine.core.supervision import load_supervision
from engine.groups.booked_proof import prove_booked
from engine.groups.check import check_groups
from engine.groups.contract import Disruption, load_groups, parse_disruptions
from engine.groups.decode import (
    CHANGE_COLUMNS,
    TELL_COLUMNS,
    no_group_fits,
    one_to_one_table,
    pre_group_table,
    reviews,
    tables,
    without_one_to_one,
)
from engine.groups.export import export_plan
from engine.groups.facilitators import facilitator_gaps, facilitator_weeks, load_figures
from engine.groups.one_to_one import (
    OneToOne,
    plan_one_to_one,
)
from engine.groups.plan import (
    BASELINE,
    DEFAULT_SOLVER,
    SOLVERS,
    build_plans,
    horizon_start,
    solve_plans,
    solver_params,
)
from engine.groups.pre_group import (
    PreGroup,
    book_best,
    book_solved,
)
from engine.groups.replan import build_replan, calendar_table, decode_replan, figures
from engine.groups.store import GroupsStore
from engine.store.calendar import (
    busy_rows,
    merge_busy,
    supervision_half_days,
    upw_days,
    upw_half_days,
)
from engine.store.runs import Snapshot
from solvers.groups import GroupsParams, GroupsResult, quarter_bound
from solvers.replan import ChoiceResult, ReplanParams, choose_greedy, choose_mip
from solvers.types import SolveStats

QUARTER = "quarter"  # the one part of a plan: programmes share rooms and facilitators


@dataclass
class QuarterResult:
    """Every programme's groups (planned together by `mip`, in turn by the others), then the
    one-to-one delivery of whoever no group took, where the programme allows it."""

    programmes: list[GroupsResult]
    one_to_one: list[OneToOne] = field(default_factory=list)
    pre_group: list[PreGroup] = field(default_factory=list)
    # (person_id, programme) -> why no one-to-one fits those who may have one but were given none
    no_one_to_one: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def stats(self) -> SolveStats:
        """The quarter as one solve: objectives and bounds summed over the programmes (None
        where any lacks one), OPTIMAL or HEURISTIC only when every programme is."""
        st = [r.stats for r in self.programmes]
        obj = [s.objective for s in st]
        bnd = [s.bound for s in st]
        kinds = {s.status for s in st} or {"OPTIMAL"}
        return SolveStats(
            kinds.pop() if len(kinds) == 1 else "FEASIBLE",
            None if None in obj else float(sum(o for o in obj if o is not None)),
            None if None in bnd else float(sum(b for b in bnd if b is not None)),
            sum(s.seconds for s in st),
            "groups-quarter",
        )


def _quarter(plans, res, solver: str, params, observer, setup, config) -> QuarterResult:
    """The programmes with one solver, their members' pre-group sessions (for the MIP, each
    programme short of its bound then bounded again beside the rest as booked), then the
    one-to-ones from the resources they left. For the MIP the booking's repair and that proof
    share their seconds (`params.rebook_seconds` and `booked_proof_seconds`): what the repair
    leaves, the proof may take, by the solve's deadline plus both at the latest. Why: where
    the booking loses nobody the repair takes none of its 10 s, and seed 5's BSR needs 10.6 s
    to be proved at 96 of its 97 beside the rest as booked (its LP 3.2 s, then its MIP). All
    of it ends within `params.quarter_seconds` of the start where that is set (`_ends`)."""
    t0 = time.perf_counter()
    params, latest = _ends(params, t0)
    groups, left = solve_plans(plans, res, solver, params, observer)
    abandon_if_asked(observer)
    if solver == "mip":  # where the booking loses people, the programmes solved again
        until = min(t0 + params.deadline_seconds + params.rebook_seconds, latest)
        t1 = time.perf_counter()
        groups, pre, left = book_solved(
            plans, res, groups, left, setup, config, params, observer, until
        )
        abandon_if_asked(observer)
        until = min(until + params.booked_proof_seconds, latest)
        spare = max(0.0, params.rebook_seconds - (time.perf_counter() - t1))
        proof = params
        if params.booked_proof_seconds > 0:  # (0: no proof at all)
            proof = replace(params, booked_proof_seconds=params.booked_proof_seconds + spare)
        groups, pre, left = prove_booked(
            plans, res, groups, pre, left, setup, config, proof, observer, until
        )
        abandon_if_asked(observer)
    else:
        groups, pre, left = book_best(plans, res, groups, left, setup, config)
    ones, _, missed = plan_one_to_one(plans, groups, left, setup, config)
    return QuarterResult(groups, ones, pre, missed)


def _ends(params: GroupsParams, t0: float) -> tuple[GroupsParams, float]:
    """The solve's params and the latest the quarter begun at `t0` may end: by
    `params.quarter_seconds` (the run's budget less what reading and building the quarter took),
    the solve's deadline brought forward only as far as leaves the proof beside the rest as
    booked its own seconds after it; the repair and the proof are then held to that end. Why:
    the 3,000-referral quarter took 118.5 s end to end of the benchmark's 120 s, its candidates
    and travel several seconds more than the East Midlands quarter's, which the deadline,
    counted from the solve's start, did not see."""
    if params.quarter_seconds is None:
        return params, float("inf")
    room = params.quarter_seconds
    deadline = min(params.deadline_seconds, max(0.0, room - params.booked_proof_seconds))
    return replace(params, deadline_seconds=deadline), t0 + room


def _solve_quarter(
    key: str, plans, res, solver: str, params, observer, setup, config
) -> tuple[str, QuarterResult, QuarterResult]:
    """The quarter's programmes with the chosen solver, and with the baseline."""
    results = _quarter(plans, res, solver, params, observer, setup, config)
    abandon_if_asked(observer)
    base = (
        results
        if solver == BASELINE
        else _quarter(plans, res, BASELINE, params, None, setup, config)
    )
    return key, results, base


def _fallback(job: tuple, error: BaseException) -> tuple[QuarterResult, QuarterResult]:
    """A quarter whose solve failed on every try gets the baseline's plan."""
    _, plans, res, _, params, _, setup, config = job
    base = _quarter(plans, res, BASELINE, params, None, setup, config)
    failed = [replace(r, stats=failed_stats(error)) for r in base.programmes]
    return QuarterResult(failed, base.one_to_one, base.pre_group, base.no_one_to_one), base


class QuarterPlanner(Planner):
    """The programme quarter: one part, its programmes sharing rooms and facilitators."""

    kind = "groups"
    what = "plan"
    label = "planning programme groups"

    def load(self) -> None:
        opts = self.opts
        try:
            self.start = date.fromisoformat(opts.period or "")
        except ValueError:
            raise RunFailed(
                f"a programme plan needs its first day (YYYY-MM-DD), not {opts.period!r}"
            ) from None
        self.solver = opts.solver or DEFAULT_SOLVER
        if self.solver not in SOLVERS:
            raise RunFailed(
                f"unknown groups solver {self.solver!r}; choose one of {sorted(SOLVERS)}"
            )
        self.period = horizon_start(self.start).isoformat()
        self.ds = load_groups(opts.data, self.config.groups.max_group)
        self.pdus = sorted(set(self.ds.referrals["pdu"]))
        self.supervision = load_supervision(opts.data)  # appointments given: busy, and stored

    def key_parts(self) -> list[Any]:
        ds, config = self.ds, self.config
        parts = [ds.inputs_hash, config.digest(), self.start.isoformat(), self.solver]
        return parts + ([run_key(busy_rows(self.busy))] if self.busy else [])

    def open_store(self, url: str) -> GroupsStore:
        """The store, and from it each referred person's firm Unpaid Work days and supervision
        appointments (with those this quarter was given), as the half-days they take: busy."""
        store = GroupsStore(url)
        first = horizon_start(self.start)
        last, people = first + timedelta(weeks=BUSY_WEEKS), self.ds.referrals["person_id"]
        self.busy = merge_busy(
            supervision_busy(self.supervision, people, first, last),
            upw_half_days(upw_days(store.engine, first, last, people)),
            supervision_half_days(store.engine, first, last, people),
        )
        return store

    def parts(self, store) -> tuple[list[tuple], Any, Any]:
        self.plans, res, self.meta = build_plans(
            self.ds, self.config, self.times, self.start, self.busy
        )
        spent = None if self.started is None else time.perf_counter() - self.started
        params = solver_params(self.config, self.opts.time_limit, spent)
        job = (
            QUARTER,
            self.plans,
            res,
            self.solver,
            params,
            self.opts.observer,
            self.meta["one_to_one"],
            self.config,
        )
        return [job], _solve_quarter, _fallback

    def decode(self, solved: dict) -> dict[str, pd.DataFrame]:
        result, base = solved[QUARTER]
        groups, members, unplaced, self.figures = tables(
            self.plans, result.programmes, self.meta, self.config
        )
        ones = one_to_one_table(self.plans, result.one_to_one, self.meta)
        unplaced = without_one_to_one(unplaced, ones, self.figures, result.no_one_to_one)
        pre = pre_group_table(self.plans, result.pre_group, members, self.meta)
        if self.solver != BASELINE:
            b_groups, _, b_unplaced, self.baseline = tables(
                self.plans, base.programmes, self.meta, self.config
            )
            b_ones = one_to_one_table(self.plans, base.one_to_one, self.meta)
            without_one_to_one(b_unplaced, b_ones, self.baseline, base.no_one_to_one)
        else:
            self.baseline = self.figures
        due = reviews(
            self.ds,
            no_group_fits(self.plans),
            groups,
            members,
            unplaced,
            horizon_start(self.start),
            self.config,
            ones,
        )
        out = {
            "groups": groups,
            "members": members,
            "unplaced": unplaced,
            "reviews": due,
            "one_to_one": ones,
            "pre_group": pre,
            "changes": pd.DataFrame(columns=CHANGE_COLUMNS),  # a plan: nothing re-planned yet
            "tell": pd.DataFrame(columns=TELL_COLUMNS),
        }
        out["calendar"] = calendar_table(self.ds, out, horizon_start(self.start), self.config)
        out["supervision"] = self.supervision  # kept with the plan: part of the one calendar
        out["facilitator_weeks"] = self.facilitator_weeks(out)
        return out

    def facilitator_weeks(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Each facilitator's weeks as the plan `tables` stand (facilitator_weeks.csv): derived,
        not stored, so a plan read back from the store derives them again."""
        return facilitator_weeks(self.ds, tables, horizon_start(self.start), self.config)

    def check(self, tables: dict[str, pd.DataFrame]) -> list[Violation]:
        return check_groups(
            self.ds,
            tables["groups"],
            tables["members"],
            self.config,
            self.times,
            horizon_start(self.start),
            tables["one_to_one"],
            tables["pre_group"],
            busy=self.busy,
            **self.judged_against(tables),
        )

    def judged_against(self, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
        """What else the checker judges the plan against: a re-plan's changes, disruptions
        and the plan it starts from (none for a fresh plan)."""
        return {}

    def summary(self, key: str, tables: dict[str, pd.DataFrame], solved: dict) -> dict[str, Any]:
        results, unplaced = solved[QUARTER][0].programmes, tables["unplaced"]
        programmes = [
            {
                "programme": p.programme["programme"],
                "referrals": len(p.people),
                "candidate_groups": int(len(p.problem.cand_venue)),
                "pairs": int(len(p.problem.pair_person)),
                **_started(int((r.cand_of_person >= 0).sum()), r.started_bound),
                "started_bound_alone": r.started_bound_alone,
                "started_bound_booked": r.started_bound_booked,
                **r.stats.as_dict(),
                "unplaced_by_reason": _reason_counts(
                    unplaced[unplaced["programme"] == p.programme["programme"]]
                ),
            }
            for p, r in zip(self.plans, results)
        ]
        total = quarter_bound(results)
        return {
            "from": self.period,
            "key": key,
            "solver": self.solver,
            **self.figures,
            **{k: v for k, v in _started(self.figures["started"], total).items() if k != "started"},
            "reviews": _review_counts(tables["reviews"]),
            "unplaced_by_reason": _reason_counts(unplaced),
            "facilitators": self.load_figures(tables),
            "facilitator_gaps": facilitator_gaps(
                self.plans,
                results,
                self.meta["venue_ids"],
                set(tables["one_to_one"]["person_id"]),
                GAPS_LISTED,
            ),
            "greedy": self.baseline,
            "programmes": programmes,
        }

    def snapshot(self) -> Snapshot:
        ds = self.ds
        return Snapshot(
            ds.inputs_hash,
            ds.source,
            {
                "referrals": ds.referrals,
                "programmes": ds.programmes,
                "venues": ds.venues,
                "facilitators": ds.facilitators,
                **({"groups_running": ds.running} if ds.running is not None else {}),
            },
        )

    def load_figures(self, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
        return load_figures(tables["facilitator_weeks"], self.config.groups.horizon_weeks)

    def export(self, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
        if "facilitator_weeks" not in tables:  # read back from the store
            tables = {**tables, "facilitator_weeks": self.facilitator_weeks(tables)}
        return export_plan(self.opts.out, tables, summary)


def _solve_replan(key: str, problem, params) -> tuple[str, ChoiceResult, ChoiceResult]:
    """The repairs proved by the MIP from the greedy's, and the greedy's for comparison."""
    base = choose_greedy(problem)
    return key, choose_mip(problem, params, base), base


def _replan_fallback(job: tuple, error: BaseException) -> tuple[ChoiceResult, ChoiceResult]:
    """A re-plan whose MIP failed on every try takes the greedy's repairs."""
    base = choose_greedy(job[1])
    return ChoiceResult(base.option_of_item, failed_stats(error)), base


class ReplanPlanner(QuarterPlanner):
    """The quarter's stored plan repaired around facilitators off and venues closed: what no
    disruption hits stays as it was; the repairs are chosen for the fewest people told."""

    what = "re-plan"
    label = "re-planning programme groups"

    def load(self) -> None:
        super().load()
        self.disruptions: list[Disruption] = parse_disruptions(
            self.opts.facilitator_off, self.opts.venue_closed, self.ds
        )

    def key_parts(self) -> list[Any]:
        return [*super().key_parts(), "replan", sorted(str(x) for x in self.disruptions)]

    def parts(self, store) -> tuple[list[tuple], Any, Any]:
        latest = store.latest(self.period)
        if latest is None:
            raise RunFailed(
                f"no stored plan from {self.period} to re-plan: run `probation groups plan` first"
            )
        if store.find(latest)["inputs_hash"] != self.ds.inputs_hash:
            raise RunFailed(
                f"the folder {self.opts.data} is not the one the stored plan {latest} was made "
                "from (its referrals, programmes, venues or facilitators changed): plan the "
                "quarter again with `probation groups plan --force` instead"
            )
        self.previous_key = latest
        self.previous, self.previous_summary = store.load(latest)
        self.setup = build_replan(
            self.ds,
            self.previous,
            self.disruptions,
            self.config,
            self.times,
            horizon_start(self.start),
            self.busy,
        )
        seconds = self.opts.time_limit or self.config.groups.replan_seconds
        params = ReplanParams(seconds, self.opts.observer)
        return [(QUARTER, self.setup.problem, params)], _solve_replan, _replan_fallback

    def decode(self, solved: dict) -> dict[str, pd.DataFrame]:
        result, _ = solved[QUARTER]
        tables = decode_replan(self.setup, result.option_of_item, self.previous)
        stored = self.previous["reviews"]
        tables["reviews"] = reviews(
            self.ds,
            set(stored.loc[stored["status"] == "NO_GROUP_FITS", "person_id"]),
            tables["groups"],
            tables["members"],
            tables["unplaced"],
            horizon_start(self.start),
            self.config,
            tables["one_to_one"],
        )
        tables["calendar"] = calendar_table(self.ds, tables, horizon_start(self.start), self.config)
        tables["supervision"] = self.supervision
        tables["facilitator_weeks"] = self.facilitator_weeks(tables)  # as re-planned
        return tables

    def judged_against(self, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
        return {
            "changes": tables["changes"],
            "disruptions": self.disruptions,
            "previous": self.previous,
        }

    def summary(self, key: str, tables: dict[str, pd.DataFrame], solved: dict) -> dict[str, Any]:
        result, base = solved[QUARTER]
        kept = {k: v for k, v in self.previous_summary.items() if k not in ("seconds", "reused")}
        return {
            **kept,
            "key": key,
            "reviews": _review_counts(tables["reviews"]),
            "facilitators": self.load_figures(tables),
            "replan": {
                "of": self.previous_key,
                "disruptions": [str(x) for x in self.disruptions],
                **figures(self.setup, result.option_of_item),
                **result.stats.as_dict(),
                "greedy": figures(self.setup, base.option_of_item),
            },
        }


BUSY_WEEKS = 104  # how far ahead Unpaid Work is read as busy time: past any group's end
GAPS_LISTED = 10  # the summary's facilitator gaps: the venues and half-days most waiting on one


def _started(started: int, bound: float | None) -> dict[str, Any]:
    """People started in new groups against the proved bound on them (None where the solver
    proves none), and the relative gap."""
    gap = None if bound is None else (bound - started) / max(1.0, bound)
    return {
        "started": started,
        "started_bound": bound,
        "started_gap": None if gap is None else round(gap, 4),
    }


def _reason_counts(unplaced: pd.DataFrame) -> dict[str, int]:
    """How many of the unplaced (not delivered one-to-one either) each reason code holds, the
    most first: where another facilitator, other half-days or a nearer venue would help most."""
    counts = unplaced["reason_code"].value_counts()
    return {str(k): int(counts[k]) for k in sorted(counts.index, key=lambda k: (-counts[k], k))}


def _review_counts(due: pd.DataFrame) -> dict[str, int]:
    """How many reviews in the horizon find the programme not completed, by status."""
    return {"due": len(due), **due["status"].value_counts().sort_index().to_dict()}


def run_groups(opts: RunOptions) -> RunOutcome:
    """Plan a quarter's programme groups: read and validate the folder, solve the programmes
    (together by default, sharing the rooms and facilitators left by running groups), check the plan
    independently, store it in one transaction and write the files. The same plan asked for
    again is re-exported from the store unless forced or stored stopped early; a quarter
    another plan holds is refused unless forced. Raises DataContractError on bad input and
    RunFailed when the checker rejects the plan."""
    return execute(QuarterPlanner(opts))


def replan_groups(opts: RunOptions) -> RunOutcome:
    """Re-plan the quarter's stored plan around `opts.facilitator_off` and
    `opts.venue_closed`: each session they hit covered, moved or postponed with the fewest
    people affected, everything else kept; checked, stored in one transaction (replacing the
    quarter's plan), and written with changes.csv and tell.csv (who must be told what)."""
    return execute(ReplanPlanner(opts))
