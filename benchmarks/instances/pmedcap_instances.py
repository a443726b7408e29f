"""Reader for capacitated p-median instances (Osman and Christofides; OR-Library `pmedcap1`):
first line `id optimum`, second `n p capacity`, then `id x y demand`; distances are Euclidean
truncated down to an integer, under which the published optima hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class PmedcapInstance:
    name: str
    xy: np.ndarray  # n x 2
    demand: np.ndarray  # n
    p: int
    capacity: int
    optimum: int | None

    def distances(self) -> np.ndarray:
        d = np.sqrt(((self.xy[:, None, :] - self.xy[None, :, :]) ** 2).sum(-1))
        return np.floor(d + 1e-9).astype(np.int64)


def read_pmedcap(path: str | Path) -> PmedcapInstance:
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    try:
        optimum = int(lines[0][1]) if len(lines[0]) > 1 else None
        n, p, cap = (int(v) for v in lines[1][:3])
        rows = np.array([[float(v) for v in ln[:4]] for ln in lines[2 : 2 + n]])
    except (IndexError, ValueError) as exc:
        raise ValueError(f"{path}: not a capacitated p-median file ({exc})") from None
    if rows.shape != (n, 4):
        raise ValueError(f"{path}: expected {n} points of 4 numbers, found {rows.shape[0]}")
    return PmedcapInstance(
        path.name.removesuffix(".txt"), rows[:, 1:3], rows[:, 3].astype(np.int64), p, cap, optimum
    )
