"""The re-plan benchmark: the region's stored quarter (the `mip` run of benchmarks/groups.py)
re-planned by `probation groups replan` end to end, in a fresh process, around the facilitator
who runs the most new groups off for two weeks and the venue that holds the most closed for a
week, both while the groups run. It reports the sessions hit and their repairs, the people
told by the MIP's repairs against the greedy's on the same sessions, the proof (status, gap)
and the seconds; a target is missed when the MIP leaves more sessions unresolved than the
greedy, or as many and tells more people, is not proved optimal, or takes over REPLAN_TARGET
seconds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

REPLAN_TARGET = 60.0  # seconds end to end, as the coordinator waits for it
OFF = ("2026-12-14", "2026-12-25")  # weeks 4 and 5 of the quarter from 2026-11-23
CLOSED = ("2027-01-04", "2027-01-08")


def disruptions(run: Path) -> tuple[str, str]:
    """The facilitator on the most new groups and the venue holding the most groups (ties
    to the first id), from the stored run's groups.csv."""
    groups = pd.read_csv(run / "groups.csv", dtype=str)
    new = groups[groups["status"] == "NEW"]
    facs = Counter(f for ids in new["facilitator_ids"] for f in ids.split(";"))
    fac = min(facs, key=lambda f: (-facs[f], f))
    venues = Counter(groups["venue_id"])
    venue = min(venues, key=lambda v: (-venues[v], v))
    return f"{fac}@{OFF[0]}..{OFF[1]}", f"{venue}@{CLOSED[0]}..{CLOSED[1]}"


def replan_benchmark(name: str, data: Path, run: Path, start: str) -> tuple[dict, list[str]]:
    """Re-plan the stored run in `run` (its own store and files) and return the row and the
    targets missed."""
    off, closed = disruptions(run)
    exe = Path(sys.executable).with_name("probation")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            str(exe),
            "groups",
            "replan",
            "--data",
            str(data),
            "--from",
            start,
            "--out",
            str(run),
            "--facilitator-off",
            off,
            "--venue-closed",
            closed,
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr)
        return {"instance": name}, [f"{name} re-plan failed"]
    r = json.loads((run / "groups_summary.json").read_text())["replan"]
    row = {
        "instance": name,
        "facilitator_off": off,
        "venue_closed": closed,
        **{
            k: r[k]
            for k in (
                "sessions_disrupted",
                "cover",
                "move",
                "reschedule",
                "postpone",
                "rebook",
                "unresolved",
                "people_affected",
                "facilitators_told",
                "status",
                "gap",
            )
        },
        "greedy_people_affected": r["greedy"]["people_affected"],
        "greedy_facilitators_told": r["greedy"]["facilitators_told"],
        "greedy_unresolved": r["greedy"]["unresolved"],
        "seconds": round(seconds, 2),
    }
    print(
        f"{name} re-plan around {off} and {closed}: {r['sessions_disrupted']} sessions hit, "
        f"{r['cover']} covered, {r['move']} moved, {r['reschedule']} another day that week, "
        f"{r['postpone']} postponed, {r['rebook']} "
        f"rebooked, {r['unresolved']} unresolved; {r['people_affected']} people told "
        f"({r['status']}), the greedy's repairs {r['greedy']['people_affected']}; "
        f"{r['facilitators_told']} facilitators told, the greedy's "
        f"{r['greedy']['facilitators_told']}; {seconds:.1f}s"
    )
    missed = []
    if _worse(r, r["greedy"]) or r["status"] != "OPTIMAL":
        missed.append(f"{name} re-plan")
    if seconds > REPLAN_TARGET:
        missed.append(f"{name} re-plan over {REPLAN_TARGET:g} s")
    return row, missed


def _worse(mip: dict, greedy: dict) -> bool:
    """Whether the MIP's repairs are worse than the greedy's: more sessions left unresolved,
    or as many and more people told. Sessions left for the team come first (the config's
    unresolved cost is 100 times a person told): seed 7's plan at ee291b3 resolved one more
    session than the greedy's repairs and told four more people, the MIP's intended trade."""
    return (mip["unresolved"], mip["people_affected"]) > (
        greedy["unresolved"],
        greedy["people_affected"],
    )
