"""Seeded synthetic nights on real geography: the caseload, the Unpaid Work week and the
programme referrals for the same PDUs, each from its own random stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.core.calendar import deadline
from engine.core.config import Config
from engine.synthetic.allocation import SCALES, generate_caseload
from engine.synthetic.common import SyntheticSpec, pick_pdus, write_dataset
from engine.synthetic.geography import build_pdus
from engine.synthetic.groups import generate_groups, generate_running, share_people
from engine.synthetic.unpaid_work import (
    generate_attendance,
    generate_inductions,
    generate_supervisors,
    generate_upw,
)

__all__ = ["SCALES", "SyntheticSpec", "generate", "write_dataset"]


def generate(
    boundaries: str | Path, spec: SyntheticSpec, config: Config
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Practitioners, cases and a manifest for one synthetic night; the Unpaid Work and
    programme tables for the same PDUs ride in the manifest's `_tables` (see `write_dataset`)."""
    rng = np.random.default_rng(spec.seed)
    pdus = pick_pdus(build_pdus(str(boundaries)), spec, rng)
    pracs, cases = generate_caseload(pdus, spec, config, rng)
    hol = config.calendar.bank_holidays
    upw_rng = np.random.default_rng([spec.seed, 5])  # its own stream: the caseload stays as it was
    upw_people, upw_places = generate_upw(
        pdus,
        spec.scale,
        upw_rng,
        spec.run_date,
        config,
        spec.tight,
        spec.n_upw_people,
        spec.n_upw_placements,
    )
    upw_sups = generate_supervisors(  # a stream of its own: people and places stay as they were
        pdus, upw_places, np.random.default_rng([spec.seed, 9]), spec.supervisors_short
    )
    upw_slots = generate_inductions(pdus, np.random.default_rng([spec.seed, 10]))
    groups = generate_groups(
        pdus,
        spec.scale,
        np.random.default_rng([spec.seed, 6]),
        spec.run_date,
        spec.tight,
        spec.n_referrals,
    )
    groups["groups_running"] = generate_running(  # its own stream: the rest stays as it was
        groups, spec.scale, np.random.default_rng([spec.seed, 11]), spec.run_date
    )
    if spec.both_share > 0:  # a stream of its own: nothing else changes with it
        groups["referrals"] = share_people(
            upw_people, groups["referrals"], spec.both_share, np.random.default_rng([spec.seed, 12])
        )
    manifest = {
        "generator": "engine.synthetic",
        "scale": spec.scale,
        "seed": spec.seed,
        "tight": spec.tight,
        "run_date": spec.run_date.isoformat(),
        "regions": sorted({p.region for p in pdus}),
        "pdus": len(pdus),
        "practitioners": int(len(pracs)),
        "existing_cases": int((cases["current_practitioner_id"] != "").sum()),
        "new_cases": int((cases["current_practitioner_id"] == "").sum()),
        "deadline_example": str(
            deadline(
                np.array([spec.run_date], dtype="datetime64[D]"),
                config.allocation.deadline_working_days,
                hol,
            )[0]
        ),
        "upw_people": int(len(upw_people)),
        "upw_placements": int(len(upw_places)),
        "upw_supervisors": int(len(upw_sups)),
        "upw_inductions": int(len(upw_slots)),
        "referrals": int(len(groups["referrals"])),
        "on_both": int(groups["referrals"]["person_id"].isin(upw_people["person_id"]).sum()),
        "venues": int(len(groups["venues"])),
        "facilitators": int(len(groups["facilitators"])),
        "running_groups": int(len(groups["groups_running"])),
        "credits": "Boundaries: ONS, Open Government Licence v3.0, Crown copyright and database right.",
    }
    tables = {
        "upw_people": upw_people,
        "upw_placements": upw_places,
        "upw_supervisors": upw_sups,
        "upw_inductions": upw_slots,
        **groups,
    }
    if spec.upw_outcomes:  # a stream of its own again: nothing else changes with it
        tables["upw_attendance"] = generate_attendance(
            upw_people, upw_places, spec.run_date, np.random.default_rng([spec.seed, 8])
        )
    manifest["_tables"] = tables
    return pracs, cases, manifest
