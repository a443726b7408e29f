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


GENERATED_TYPES = ("C", "D", "E")


def generate_gap(kind: str, agents: int, jobs: int, seed: int) -> GapInstance:
    """A seeded instance of Chu and Beasley's (1997) generator, types C, D or E (minimisation),
    the recipe behind OR-Library's c, d and e sets, so that the benchmark can be run on instances
    nobody chose the solver's settings on. C: weights U[5,25], costs U[10,50]; D: weights
    U[1,100], costs 111 - weight + U[-10,10] (cost falls as weight rises: the hard type);
    E: weights 1 - 10 ln U(0,1], costs 1000 / weight - 10 U[0,1]. Every type: capacity
    80% of the agent's total weight over the agents."""
    kind = kind.upper()
    if kind not in GENERATED_TYPES:
        raise ValueError(f"type must be one of {', '.join(GENERATED_TYPES)}, not {kind!r}")
    if agents < 1 or jobs < 1:
        raise ValueError("agents and jobs must be at least 1")
    rng = np.random.default_rng(seed)
    shape = (agents, jobs)
    if kind == "C":
        weight = rng.integers(5, 26, shape)
        cost = rng.integers(10, 51, shape)
    elif kind == "D":
        weight = rng.integers(1, 101, shape)
        cost = 111 - weight + rng.integers(-10, 11, shape)
    else:
        raw = 1.0 - 10.0 * np.log(1.0 - rng.random(shape))  # 1 - U in (0, 1]
        weight = np.rint(raw).astype(np.int64)
        cost = np.rint(1000.0 / raw - 10.0 * rng.random(shape)).astype(np.int64)
    capacity = np.floor(0.8 * weight.sum(axis=1) / agents).astype(np.int64)
    return GapInstance(f"{kind.lower()}{agents:02d}{jobs}-s{seed}", cost, weight, capacity)


def write_gap(inst: GapInstance, folder: str | Path) -> Path:
    """Write an instance in the OR-Library layout `read_gap` reads (one agent's row per line)."""
    path = Path(folder) / inst.name
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{inst.cost.shape[0]} {inst.cost.shape[1]}"]
    rows += [" ".join(map(str, r)) for r in inst.cost] + [
        " ".join(map(str, r)) for r in inst.weight
    ]
    rows.append(" ".join(map(str, inst.capacity)))
    path.write_text("\n".join(rows) + "\n")
    return path
