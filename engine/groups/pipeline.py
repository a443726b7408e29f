"""`probation groups plan`: the programme quarter's steps of the one run lifecycle
(engine.core.lifecycle): the programmes planned in turn as one part, checked independently,
stored in one transaction, written out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.check import Violation
from engine.core.errors import RunFailed
from engine.core.lifecycle import Planner, RunOptions, RunOutcome, execute
from engine.core.parallel import failed_stats
from engine.groups.check import check_groups
from engine.groups.contract import load_groups
from engine.groups.decode import reviews, tables
from engine.groups.export import export_plan
from engine.groups.plan import (
    BASELINE,
    DEFAULT_SOLVER,
    SOLVERS,
    build_plans,
    horizon_start,
    solve_plans,
    solver_params,
)
from engine.groups.store import GroupsStore
from engine.store.runs import Snapshot
from solvers.groups import GroupsResult
from solvers.types import SolveStats

QUARTER = "quarter"  # the one part of a plan: programmes share rooms and facilitators


@dataclass
class QuarterResult:
    """Every programme's groups, planned in turn, each taking the rooms and facilitators left."""

    programmes: list[GroupsResult]

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


def _solve_quarter(
    key: str, plans, res, solver: str, params, observer
) -> tuple[str, QuarterResult, QuarterResult]:
    """The quarter's programmes with the chosen solver, and with the baseline."""
    results = QuarterResult(solve_plans(plans, res, solver, params, observer))
    base = (
        results if solver == BASELINE else QuarterResult(solve_plans(plans, res, BASELINE, params))
    )
    return key, results, base


def _fallback(job: tuple, error: BaseException) -> tuple[QuarterResult, QuarterResult]:
    """A quarter whose solve failed on every try gets the baseline's plan."""
    base = QuarterResult(solve_plans(job[1], job[2], BASELINE, job[4]))
    failed = [replace(r, stats=failed_stats(error)) for r in base.programmes]
    return QuarterResult(failed), base


class QuarterPlanner(Planner):
    """The programme quarter: one part, its programmes planned in turn (most referrals first),
    each taking the rooms and facilitators left."""

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

    def key_parts(self) -> list[Any]:
        ds, config = self.ds, self.config
        return [ds.inputs_hash, config.digest(), self.start.isoformat(), self.solver]

    def open_store(self, url: str) -> GroupsStore:
        return GroupsStore(url)

    def parts(self, store) -> tuple[list[tuple], Any, Any]:
        self.plans, res, self.meta = build_plans(self.ds, self.config, self.times, self.start)
        params = solver_params(self.config, self.opts.time_limit)
        job = (QUARTER, self.plans, res, self.solver, params, self.opts.observer)
        return [job], _solve_quarter, _fallback

    def decode(self, solved: dict) -> dict[str, pd.DataFrame]:
        result, base = solved[QUARTER]
        groups, members, unplaced, self.figures = tables(
            self.plans, result.programmes, self.meta, self.config
        )
        self.baseline = (
            tables(self.plans, base.programmes, self.meta, self.config)[3]
            if self.solver != BASELINE
            else self.figures
        )
        due = reviews(
            self.ds,
            self.plans,
            groups,
            members,
            unplaced,
            horizon_start(self.start),
            self.config,
        )
        return {"groups": groups, "members": members, "unplaced": unplaced, "reviews": due}

    def check(self, tables: dict[str, pd.DataFrame]) -> list[Violation]:
        return check_groups(
            self.ds,
            tables["groups"],
            tables["members"],
            self.config,
            self.times,
            horizon_start(self.start),
        )

    def summary(self, key: str, tables: dict[str, pd.DataFrame], solved: dict) -> dict[str, Any]:
        results = solved[QUARTER][0].programmes
        return {
            "from": self.period,
            "key": key,
            "solver": self.solver,
            **self.figures,
            "reviews": _review_counts(tables["reviews"]),
            "greedy": self.baseline,
            "programmes": [
                {
                    "programme": p.programme["programme"],
                    "referrals": len(p.people),
                    "candidate_groups": int(len(p.problem.cand_venue)),
                    "pairs": int(len(p.problem.pair_person)),
                    **r.stats.as_dict(),
                }
                for p, r in zip(self.plans, results)
            ],
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

    def export(self, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
        return export_plan(self.opts.out, tables, summary)


def _review_counts(due: pd.DataFrame) -> dict[str, int]:
    """How many reviews in the horizon find the programme not completed, by status."""
    return {"due": len(due), **due["status"].value_counts().sort_index().to_dict()}


def run_groups(opts: RunOptions) -> RunOutcome:
    """Plan a quarter's programme groups: read and validate the folder, solve the programmes in
    turn (most referrals first, each taking the rooms and facilitators left), check the plan
    independently, store it in one transaction and write the files. The same plan asked for
    again is re-exported from the store unless forced or stored stopped early; a quarter
    another plan holds is refused unless forced. Raises DataContractError on bad input and
    RunFailed when the checker rejects the plan."""
    return execute(QuarterPlanner(opts))
