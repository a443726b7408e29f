"""Reader for OR-Library generalised assignment instances (`m n`, cost, resource, capacities)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class GapInstance:
    name: str
    cost: np.ndarray  # agents x jobs
    weight: np.ndarray  # agents x jobs
    capacity: np.ndarray  # agents
    optimum: int | None = None


def read_gap(path: str | Path, optimum: int | None = None) -> GapInstance:
    path = Path(path)
    nums = np.array(path.read_text().split(), dtype=np.int64)
    m, n = int(nums[0]), int(nums[1])
    need = 2 + 2 * m * n + m
    if nums.size < need:
        raise ValueError(f"{path}: expected {need} numbers for m={m}, n={n}, found {nums.size}")
    cost = nums[2 : 2 + m * n].reshape(m, n)
    weight = nums[2 + m * n : 2 + 2 * m * n].reshape(m, n)
    capacity = nums[2 + 2 * m * n : need]
    return GapInstance(path.name, cost, weight, capacity, optimum)


def read_optima(folder: str | Path) -> dict[str, int]:
    """Known optima from `optima.csv`, keyed by file name (e.g. 'gap1-0', 'a05100')."""
    out = {}
    with (Path(folder) / "optima.csv").open() as fh:
        for row in csv.DictReader(fh):
            if row["Optimum"]:
                out[row["Path"].split("/")[-1]] = int(row["Optimum"])
    return out


def gap_cost(inst: GapInstance, agent_of_job: np.ndarray) -> int:
    """Independent check: raises if any job is unassigned or any capacity is broken."""
    jobs = np.arange(inst.cost.shape[1])
    agent_of_job = np.asarray(agent_of_job)
    if agent_of_job.shape != jobs.shape or (agent_of_job >= inst.cost.shape[0]).any():
        raise ValueError(f"{inst.name}: not one agent index per job")
    if (agent_of_job < 0).any():
        raise ValueError(f"{inst.name}: jobs {np.nonzero(agent_of_job < 0)[0].tolist()} unassigned")
    used = np.zeros(inst.cost.shape[0], dtype=np.int64)
    np.add.at(used, agent_of_job, inst.weight[agent_of_job, jobs])
    over = np.nonzero(used > inst.capacity)[0]
    if over.size:
        raise ValueError(f"{inst.name}: agents {over.tolist()} over capacity")
    return int(inst.cost[agent_of_job, jobs].sum())

