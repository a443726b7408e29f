"""The reach and hours phases of each PDU's firm week, solved twice in one process: by the
product's solver (`solvers.upw.solve_mip`: LP, restricted MIP, whole MIP, from the greedy
schedule) and by HiGHS's MIP on the same model with no start, given at least the same time
(1.5 s for reach, then the rest of 4.5 s for hours: the share of the week's 6 s the product
gives the two phases). Each row: both objectives and bounds, and whether the product is ahead,
level or behind (lexicographically: reach, then hours, since with the reach equal the hours
phase is the same problem)."""

from __future__ import annotations

import time

from engine.core.config import Config
from engine.unpaid_work.contract import load_upw
from engine.unpaid_work.plan import build_week, solver_params, week_dates
from geo.travel import travel_service
from solvers.highs import HighsParams, solve
from solvers.upw import SHARES, evaluate, phases, solve_mip
from solvers.upw_mip import phase_model, week_mip

TARGET_GAP = 0.01  # the target on the reach and hours phases, per PDU


def compare_phases(data, config: Config, week: str) -> list[dict]:
    ds = load_upw(data, config)
    times = travel_service(config.travel, None)
    rows = []
    for w in build_week(ds, config, times, week_dates(week)):
        params = solver_params(config)
        ours = {p.name: p for p in solve_mip(w.problem, params).phases}
        plain = _plain_highs(w.problem, params)
        row: dict = {"pdu": w.pdu, "pairs": len(w.problem.pair_person)}
        for name in ("reach", "hours"):
            mine, theirs = ours.get(name), plain.get(name)
            row |= {
                f"{name}_mip": mine.objective if mine else None,
                f"{name}_mip_bound": mine.bound if mine else None,
                f"{name}_mip_gap_pct": _pct(mine.gap) if mine else None,
                f"{name}_mip_seconds": round(mine.seconds, 2) if mine else None,
                f"{name}_highs": theirs["objective"] if theirs else None,
                f"{name}_highs_bound": theirs["bound"] if theirs else None,
                f"{name}_highs_seconds": theirs["seconds"] if theirs else None,
            }
        row["verdict"] = _verdict(ours, plain)
        rows.append(row)
    return rows


def _plain_highs(problem, params) -> dict[str, dict]:
    """Reach, then hours with reach held at what HiGHS found, each the whole MIP from nothing."""
    steps = [s for s in phases(problem, params) if s[0] != "travel"]
    if not len(problem.pair_person):
        return {}
    mip = week_mip(problem)
    budget = params.time_limit_seconds * (SHARES["reach"] + SHARES["hours"])
    t0, held, out = time.perf_counter(), [], {}
    for n, (name, sense, terms) in enumerate(steps):
        left = budget - (time.perf_counter() - t0)
        limit = left * SHARES[name] / sum(SHARES[m] for m, _, _ in steps[n:])
        model = phase_model(mip, [*held, (terms, None)], True, sense)
        x, st = solve(model, HighsParams(max(0.05, limit), params.proof_gap), name)
        n_k, n_q = len(problem.pair_person), len(problem.roster_session)
        value = 0
        if x is not None:
            value = evaluate(problem, x[:n_k] > 0.5, x[mip.rs : mip.rs + n_q] > 0.5, *terms)
        bound = None if st.bound is None else -sense * st.bound
        out[name] = {"objective": value, "bound": bound, "seconds": round(st.seconds, 2)}
        held.append((terms, value))
    return out


def _verdict(ours: dict, plain: dict[str, dict]) -> str:
    """ahead / level / behind: reach first, then hours; level also where both are proved."""
    for name in ("reach", "hours"):
        if name not in ours or name not in plain:
            continue
        a, b = ours[name].objective, plain[name]["objective"]
        if a > b:
            return "ahead"
        if a < b:
            return "behind"
    return "level"


def _pct(gap: float | None) -> float | None:
    return None if gap is None else round(100 * gap, 3)
