"""The assignment core reaches the known optimum on public GAP instances."""
from __future__ import annotations

import numpy as np
import pytest

from engine.gap_instances import gap_cost, read_gap, read_optima
from solvers.assignment import CoreParams, solve_gap

SMALL = [f"gap{k}-{j}" for k in range(1, 13) for j in range(5)]
CHU_EASY = ["a05100", "a10100", "b05100"]


@pytest.mark.parametrize("name", SMALL + CHU_EASY)
def test_gap_core_reaches_known_optimum(shared, name):
    folder = shared / "data" / "gap"
    inst = read_gap(folder / name, read_optima(folder)[name])
    res = solve_gap(inst.cost, inst.weight, inst.capacity, CoreParams(time_limit_seconds=30, workers=2))
    assert res.stats.status == "OPTIMAL"
    assert gap_cost(inst, res.agent_of_item) == inst.optimum
    assert res.stats.objective == inst.optimum
    assert res.stats.gap == 0


def test_gap_checker_rejects_capacity_break():
    from engine.gap_instances import GapInstance

    inst = GapInstance("tiny", np.array([[1, 2], [3, 4]]), np.array([[5, 5], [5, 5]]), np.array([5, 10]))
    assert gap_cost(inst, np.array([1, 1])) == 7
    with pytest.raises(ValueError, match="over capacity"):
        gap_cost(inst, np.array([0, 0]))
    with pytest.raises(ValueError, match="unassigned"):
        gap_cost(inst, np.array([0, -1]))


def test_gap_reader_rejects_truncated_file(tmp_path):
    p = tmp_path / "bad"
    p.write_text("2 3\n1 2 3\n")
    with pytest.raises(ValueError, match="expected"):
        read_gap(p)
