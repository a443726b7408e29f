"""Who should take this one case now? The eligible practitioners ranked against a stored night.

Between batches an SPO asks about one case: the practitioners of its PDU (and neighbours,
when allowed) are judged by the night's own hard rules, with each one's load as the night
left it (less this case, if the night placed it), and ranked by the night's own phase-3
costs: the named soft terms (travel, preferred skills, the same team...) plus the spread cost
of the points the case adds. Each ranked practitioner comes with its difference from the best,
term by term; the others with the rules that exclude them. After a rejection the rejected
practitioners are left out ("rejected"), which makes the re-proposal."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from engine.allocation.contract import Dataset
from engine.allocation.explain import RULE_LABELS, marginal_spread
from engine.allocation.plan import classify, kept_high_share, pdu_neighbours, solver_params
from engine.allocation.rules import HARD_RULES, SOFT_TERMS, RuleContext
from engine.core.config import Config
from engine.core.errors import ProbationError
from geo.travel import TravelTimes

REJECTED = "rejected"


class NoSuchCase(ProbationError):
    """The case asked about is not in the night."""


@dataclass
class Candidate:
    practitioner_id: str
    score: int  # phase-3 cost of giving them the case: the terms plus the spread cost
    terms: dict[str, int]  # each named soft term, and "spread"
    difference: dict[str, int]  # each term minus the best candidate's
    utilisation_before: float
    utilisation_after: float
    travel_minutes: int


@dataclass
class Recommendation:
    case_id: str
    pdu: str
    proposed: str | None  # whom the night gave it to (or who holds it)
    ranked: list[Candidate]
    excluded: dict[str, list[str]] = field(default_factory=dict)  # rule -> practitioners

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["excluded"] = {
            r: {"label": RULE_LABELS.get(r, r), "practitioners": ids}
            for r, ids in self.excluded.items()
        }
        return out


def night_loads(workload: pd.DataFrame) -> dict[str, int]:
    """Each practitioner's points as the night left them (workload.csv)."""
    return {str(p): int(v) for p, v in zip(workload["practitioner_id"], workload["points"])}


def recommend(
    ds: Dataset,
    decisions: pd.DataFrame,
    workload: pd.DataFrame,
    config: Config,
    case_id: str,
    run_date: date,
    top: int = 5,
    exclude: tuple[str, ...] = (),
    times: TravelTimes | None = None,
) -> Recommendation:
    """The `top` practitioners for `case_id` (best first), and who is excluded by which rule.
    `decisions` and `workload` are the night's (allocations.csv, workload.csv); `exclude`
    names practitioners an SPO rejected for it."""
    times = times or TravelTimes(config.travel)
    rows = ds.cases.index[ds.cases["case_id"] == case_id]
    if not len(rows):
        raise NoSuchCase(f"case {case_id} is not in the night's cases")
    one = ds.cases.loc[rows]
    pdu = str(one["pdu"].iat[0])
    a = config.allocation
    neighbours = (
        pdu_neighbours(ds.practitioners, a.neighbour_max_km) if a.allow_neighbouring_pdus else {}
    )
    allowed = {pdu: neighbours.get(pdu, {pdu}) | {pdu}}
    pracs = ds.practitioners[ds.practitioners["pdu"].isin(allowed[pdu])].reset_index(drop=True)
    case, away = classify(one, ds.practitioners, config, run_date, ds.reallocations, times, allowed)
    case = case.reset_index(drop=True)
    pracs["away"] = [away.get(p, "") for p in pracs["practitioner_id"]]
    held = ds.cases[ds.cases["current_practitioner_id"].notna()]
    pracs["high_share"] = kept_high_share(held[held["case_id"] != case_id], pracs, config)
    pts = int(case["points"].iat[0])

    placed = decisions[decisions["case_id"] == case_id]
    proposed = None
    if len(placed) and str(placed["practitioner_id"].iat[0] or "") not in ("", "nan"):
        proposed = str(placed["practitioner_id"].iat[0])
    loads = night_loads(workload)
    load = np.array([loads.get(p, 0) for p in pracs["practitioner_id"]], dtype=np.int64)
    if proposed is not None:  # the night's load without this case: what taking it would add
        load[(pracs["practitioner_id"] == proposed).to_numpy()] -= pts
    capacity = np.floor(pracs["available_points"].to_numpy() * a.max_utilisation + 1e-9).astype(
        np.int64
    )
    travel, _ = times.matrix_by_mode(
        case["home_lat"], case["home_lon"], case["travel_mode"], pracs["office_lat"],
        pracs["office_lon"],
    )  # fmt: skip
    ctx = RuleContext(case, pracs, config, travel, allowed, load, capacity)
    excluded = {name: np.asarray(rule(ctx), dtype=bool)[0] for name, rule in HARD_RULES.items()}
    excluded[REJECTED] = pracs["practitioner_id"].isin(exclude).to_numpy()
    terms = {name: np.asarray(term(ctx), dtype=np.int64)[0] for name, term in SOFT_TERMS.items()}
    params = solver_params(config, 0, 1)
    ok = ~np.any(np.array(list(excluded.values())), axis=0)
    ranked: list[Candidate] = []
    for q in np.nonzero(ok)[0]:
        avail = int(pracs["available_points"].iat[q])
        each = {n: int(t[q]) for n, t in terms.items()}
        each["spread"] = marginal_spread(int(load[q]), pts, avail, params)
        ranked.append(
            Candidate(
                str(pracs["practitioner_id"].iat[q]),
                sum(each.values()),
                each,
                {},
                round(int(load[q]) / max(1, avail), 4),
                round((int(load[q]) + pts) / max(1, avail), 4),
                int(travel[0, q]),
            )
        )
    ranked.sort(key=lambda c: (c.score, c.practitioner_id))
    ranked = ranked[:top]
    for c in ranked:
        c.difference = {n: v - ranked[0].terms[n] for n, v in c.terms.items()}
    shut = {
        r: sorted(str(p) for p in pracs["practitioner_id"][m])
        for r, m in excluded.items()
        if m.any() and r != "pdu"
    }
    return Recommendation(case_id, pdu, proposed, ranked, shut)


def render(rec: Recommendation) -> str:
    """The ranking as a terminal reads it."""
    lines = [f"Case {rec.case_id} ({rec.pdu}); the night proposed {rec.proposed or 'nobody'}"]
    if not rec.ranked:
        lines.append("  nobody eligible has room for it")
    for k, c in enumerate(rec.ranked, start=1):
        diff = ", ".join(f"{n} {v:+d}" for n, v in c.difference.items() if v)
        lines.append(
            f"  {k}. {c.practitioner_id}: cost {c.score}, {c.utilisation_before:.0%}->"
            f"{c.utilisation_after:.0%}, {c.travel_minutes} min"
            + (f" ({diff} against the first)" if diff else "")
        )
    for r, ids in rec.excluded.items():
        shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        lines.append(f"  excluded by {RULE_LABELS.get(r, r)}: {shown}")
    return "\n".join(lines)
