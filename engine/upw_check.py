"""Independent checker for an Unpaid Work week: re-verifies every hard rule from the inputs and
the schedule alone (travel from the same travel service, which is data, not the solver)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import pandas as pd

from engine.config import Config
from engine.upw_contract import UpwDataset
from engine.upw_model import DAYS
from geo.travel import TravelTimes


def check_week(ds: UpwDataset, schedule: pd.DataFrame, config: Config, times: TravelTimes) -> list[str]:
    """Every broken rule as 'person/placement/date: rule: detail' (empty: the week is sound)."""
    u = config.upw
    people = {r["person_id"]: r for r in ds.people.to_dict("records")}
    places = {r["placement_id"]: r for r in ds.placements.to_dict("records")}
    out: list[str] = []
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    per_day: dict[tuple[str, str], int] = defaultdict(int)
    minutes: dict[str, float] = defaultdict(float)
    ete: dict[str, float] = defaultdict(float)
    for r in schedule.to_dict("records"):
        pid, plid, day = r["person_id"], r["placement_id"], str(r["date"])
        where = f"{pid}/{plid}/{day}"
        p, pl = people.get(pid), places.get(plid)
        if p is None or pl is None:
            out.append(f"{where}: unknown person or placement")
            continue
        dname = DAYS[date.fromisoformat(day).weekday()]
        if dname not in pl["days"]:
            out.append(f"{where}: session: {plid} has no session on {dname}")
        if dname not in p["available_days"]:
            out.append(f"{where}: availability: not available on {dname}")
        if abs(float(r["hours"]) - float(pl["session_hours"])) > 1e-9:
            out.append(f"{where}: hours: {r['hours']} is not the session's {pl['session_hours']}")
        if p["needs_workshop"] and pl["kind"] != "WORKSHOP":
            out.append(f"{where}: workshop: needs a workshop, got {pl['kind']}")
        if p["no_public_facing"] and pl["public_facing"]:
            out.append(f"{where}: public facing: not allowed in public-facing placements")
        if pl["women_only"] and p["sex"] != "F":
            out.append(f"{where}: women only: placement is women-only")
        # travel, recomputed: home to the pickup point (or site) by own mode, plus the crew bus
        pickup = isinstance(pl["pickup_lat"], float) and pl["pickup_lat"] == pl["pickup_lat"]
        dest = (pl["pickup_lat"], pl["pickup_lon"]) if pickup else (pl["lat"], pl["lon"])
        t, _ = times.matrix([p["home_lat"]], [p["home_lon"]], [dest[0]], [dest[1]], p["travel_mode"])
        bus = int(times.matrix([dest[0]], [dest[1]], [pl["lat"]], [pl["lon"]], "car")[0][0, 0]) if pickup else 0
        travel = int(t[0, 0]) + bus
        if travel > u.max_travel_minutes:
            out.append(f"{where}: travel: {travel} min each way over {u.max_travel_minutes:g}")
        carer = p["carer_max_travel_minutes"]
        if carer == carer and carer is not None and travel > carer:
            out.append(f"{where}: carer travel: {travel} min over the carer's {carer:g}")
        if travel > 60 and not str(r.get("travel_reason", "")):
            out.append(f"{where}: travel reason: {travel} min each way with no recorded reason")
        credit = float(pl["session_hours"]) + 2 * min(bus, u.credited_travel_max_minutes) / 60
        if float(r["credited_hours"]) > credit + 0.005 + 1e-9:  # the file rounds to 0.01 h
            out.append(f"{where}: credit: {r['credited_hours']} h credited, at most {credit:.2f}")
        members[(plid, day)].append(pid)
        per_day[(pid, day)] += 1
        minutes[pid] += float(pl["session_hours"])
        if pl["kind"] == "ETE":
            ete[pid] += float(pl["session_hours"])
    for (pid, day), n in per_day.items():
        if n > 1:
            out.append(f"{pid}/-/{day}: one a day: {n} sessions")
    for pid, h in minutes.items():
        p = people[pid]
        if h > min(float(p["max_hours_per_week"]), u.max_hours_per_week) + 1e-9:
            out.append(f"{pid}/-/-: weekly hours: {h:g} planned over {p['max_hours_per_week']:g}")
        if ete.get(pid, 0) + float(p["ete_hours_completed"]) > u.ete_max_share * p["hours_ordered"] + 1e-9:
            out.append(f"{pid}/-/-: ETE: {ete[pid] + p['ete_hours_completed']:g} h over {u.ete_max_share:.0%} of {p['hours_ordered']}")
    for (plid, day), who in members.items():
        pl = places[plid]
        if len(who) > pl["capacity"]:
            out.append(f"-/{plid}/{day}: capacity: {len(who)} people for {pl['capacity']} places")
        group = set(who)
        for pid in who:
            bad = group & set(people[pid]["exclude_person_ids"])
            if bad:
                out.append(f"{pid}/{plid}/{day}: exclusion: shares the session with {sorted(bad)}")
        women = [p for p in who if people[p]["sex"] == "F"]
        men = len(who) - len(women)
        if pl["kind"] != "INDIVIDUAL" and men and len(women) == 1:
            w = people[women[0]]
            if (pl["kind"] == "GROUP" and not w["lone_woman_ok"]) or w["prefers_not_all_male"]:
                out.append(f"{women[0]}/{plid}/{day}: women: the only woman among {men} men")
    return out
