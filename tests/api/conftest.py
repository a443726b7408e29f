"""The HTTP service's fixtures: one client a module, and a tight Lincoln PDU night."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from engine.core.calendar import week_dates
from tests.builders import (
    CHROMEDRIVER,
    CHROMIUM,
    COORD,
    INTERV,
    NIGHT,
    SPO_L,
    chromium_driver,
    make_client,
    upload_files,
    wait_for,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory, config):
    quick = config.model_copy(
        update={
            "upw": config.upw.model_copy(update={"seconds_per_pdu": 2.0}),
            "groups": config.groups.model_copy(
                update={"seconds_per_programme": 2.0, "joint_seconds": 4.0, "deadline_seconds": 8.0}
            ),
        }
    )
    with make_client(tmp_path_factory, quick) as c:
        yield c


@pytest.fixture(scope="module")
def lincoln(tight_pdu_data):
    return tight_pdu_data


@pytest.fixture(scope="module")
def tight_pdu_data(shared, tmp_path_factory, config):
    from engine.synthetic import SyntheticSpec, generate, write_dataset

    spec = SyntheticSpec(
        scale="pdu",
        region="East Midlands",
        pdu="Lincoln PDU",
        seed=3,
        tight=True,
        run_date=NIGHT,
        n_practitioners=25,
        n_new=20,
    )
    return write_dataset(
        tmp_path_factory.mktemp("lincoln"), *generate(shared / "data" / "boundaries", spec, config)
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Debian chromium for a module's page tests (skipped, saying why, without it)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            f"Debian's chromium and chromium-driver are not installed ({CHROMIUM}, {CHROMEDRIVER}): "
            "apt-get install chromium chromium-driver"
        )
    driver = chromium_driver(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


WEEK = "2026-W50"  # the week after the groups' first sessions (they start after pre-group)


def _files(folder, stems):
    return {s: (f"{s}.csv", (folder / f"{s}.csv").read_bytes(), "text/csv") for s in stems}


def shared_people(folder, members: list[str], n: int = 6) -> list[str]:
    """Some of the groups' members given an Unpaid Work requirement too (as on a community order
    with both): copies of people already working their hours, free every weekday."""
    upw = pd.read_csv(folder / "upw_people.csv", dtype=str, keep_default_na=False)
    refs = pd.read_csv(folder / "referrals.csv", dtype=str, keep_default_na=False)
    started = upw[upw["hours_completed"].astype(float) > 0].head(n).copy()
    chosen = members[: len(started)]
    started["person_id"] = chosen
    started["sex"] = refs.set_index("person_id").loc[chosen, "sex"].to_numpy()
    started["available_days"] = "Mon;Tue;Wed;Thu;Fri"
    started["exclude_person_ids"] = ""
    pd.concat([upw, started]).to_csv(folder / "upw_people.csv", index=False)
    return chosen


@pytest.fixture(scope="module")
def pages(tmp_path_factory, config, lincoln):
    """One service with Lincoln's quarter planned by the region's Interventions Team, then its
    week (some group members on Unpaid Work too) by the coordinator, and a night."""
    quick = config.model_copy(
        update={
            "upw": config.upw.model_copy(update={"seconds_per_pdu": 2.0}),
            "groups": config.groups.model_copy(
                update={"seconds_per_programme": 2.0, "joint_seconds": 4.0, "deadline_seconds": 8.0}
            ),
        }
    )
    folder = tmp_path_factory.mktemp("both")
    shutil.copytree(lincoln, folder, dirs_exist_ok=True)
    with make_client(tmp_path_factory, quick) as client:
        r = client.post(
            "/runs/groups",
            files=_files(folder, ("referrals", "programmes", "venues", "facilitators")),
            data={"from": "2026-11-23", "region": "East Midlands", "pdu": "Lincoln PDU",
                  "solver": "greedy"},
            headers={"X-API-Key": INTERV},
        )  # fmt: skip
        assert r.status_code == 202, r.text
        groups = r.json()["run"]
        assert wait_for(client, groups, INTERV)["state"] == "DONE"
        members = client.get(
            f"/runs/{groups}/results/members", params={"size": 1000}, headers={"X-API-Key": INTERV}
        ).json()["items"]
        both = shared_people(folder, sorted(m["person_id"] for m in members))
        r = client.post(
            "/runs/upw",
            files=_files(folder, ("upw_people", "upw_placements")),
            data={"week": WEEK, "pdu": "Lincoln PDU", "solver": "greedy"},
            headers={"X-API-Key": COORD},
        )
        assert r.status_code == 202, r.text
        upw = r.json()["run"]
        assert wait_for(client, upw, COORD)["state"] == "DONE"
        r = client.post(
            "/runs/allocation",
            files=upload_files(lincoln),
            data={"pdu": "Lincoln PDU", "run_date": "2026-11-23"},
            headers={"X-API-Key": SPO_L},
        )
        night = r.json()["run"]
        assert wait_for(client, night, SPO_L)["state"] == "DONE"
        monday = week_dates(WEEK)[0]
        yield {
            "client": client, "groups": groups, "upw": upw, "night": night, "both": both,
            "week": WEEK, "first": monday, "last": monday + timedelta(days=6),
        }  # fmt: skip
