"""What part of an allocation run a key may see.

A nightly run often covers a whole region or the nation, while an SPO reviews only their own
PDU. A run's scope units are the (region, PDU) pairs of its cases and practitioners; a key sees
the run when it sees any of them, and then only the cases and practitioners of the units it
sees. Admins, the key that started the run, and keys whose scope covers the run's own scope
see all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from fastapi import HTTPException

from api.auth import Principal
from engine.core.contract import find_tables, read_table_or_fail


@dataclass(frozen=True)
class View:
    cases: frozenset[str] | None  # None: every case of the run
    pracs: frozenset[str] | None

    @property
    def whole(self) -> bool:
        return self.cases is None

    def has_case(self, case_id: str) -> bool:
        return self.cases is None or case_id in self.cases

    def rows(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows of a result table this view may see (by case, else by practitioner)."""
        if self.whole:
            return df
        if "case_id" in df.columns:
            return df[df["case_id"].isin(self.cases)]
        if "practitioner_id" in df.columns:
            return df[df["practitioner_id"].isin(self.pracs)]
        return df.iloc[0:0]


@lru_cache(maxsize=64)
def _units(folder: str, region: str | None, pdu: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """case_id / practitioner_id with region and PDU, within the run's scope (inputs never change
    once submitted, so this is read once per run)."""
    out = []
    tables = find_tables(Path(folder), ("cases", "practitioners"))
    for stem, key in (("cases", "case_id"), ("practitioners", "practitioner_id")):
        df = read_table_or_fail(tables[stem])[[key, "region", "pdu"]].astype(str)
        if region is not None:
            df = df[df["region"] == region]
        if pdu is not None:
            df = df[df["pdu"] == pdu]
        out.append(df)
    return out[0], out[1]


def view(job, who: Principal) -> View | None:
    """The part of `job` that `who` may see, or None for nothing at all."""
    if who.role.value == "admin" or job.owner_key == who.key_id or who.sees(job.region, job.pdu):
        return View(None, None)
    if job.kind != "allocation" or not job.data:
        return None
    cases, pracs = _units(job.data, job.region, job.pdu)
    seen = lambda df: [who.sees(r, p) for r, p in zip(df["region"], df["pdu"])]  # noqa: E731
    mine_cases = frozenset(cases.loc[seen(cases), "case_id"])
    if not mine_cases:
        return None
    return View(mine_cases, frozenset(pracs.loc[seen(pracs), "practitioner_id"]))


def seen_part(job, who: Principal) -> View:
    """The part of a run the key was already let into (`view` is not None): 404 otherwise."""
    part = view(job, who)
    if part is None:
        raise HTTPException(404, f"no run {job.job_id} visible to this key")
    return part
