"""Every answer of a tiny generalised assignment instance, by enumeration: the ground truth the
bound and pricing tests hold the solvers to."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np


def every_answer(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray
) -> Iterator[tuple[np.ndarray, int]]:
    """Every feasible assignment (an agent per job) with its cost."""
    m, n = cost.shape
    for agents in itertools.product(range(m), repeat=n):
        a = np.array(agents)
        load = np.bincount(a, weights=weight[a, np.arange(n)], minlength=m)
        if (load <= capacity).all():
            yield a, int(cost[a, np.arange(n)].sum())
