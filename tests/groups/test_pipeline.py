"""`probation groups plan` through the lifecycle: a plan stopped early is never reused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from engine.groups.pipeline import GroupsOptions, run_groups
from engine.groups.store import GroupsStore
from engine.synthetic import SyntheticSpec, generate, write_dataset
from tests.builders import StopRequested


def test_a_stopped_plan_is_never_reused_as_a_finished_one(tmp_path, shared, config):
    spec = SyntheticSpec(
        scale="pdu", region="East Midlands", seed=3, n_practitioners=10, n_new=5, n_referrals=60
    )
    data = write_dataset(tmp_path / "data", *generate(shared / "data" / "boundaries", spec, config))
    opts = GroupsOptions(
        data=data, out=tmp_path / "out", start=date(2026, 11, 23), config=config, time_limit=2
    )
    stopped = run_groups(replace(opts, observer=StopRequested()))
    assert stopped["stopped_early"] is True and stopped["reused"] is False
    again = run_groups(opts)
    assert again["reused"] is False and again["stopped_early"] is False
    assert again["key"] == stopped["key"]
    stored = GroupsStore(f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}").find(again["key"])
    assert stored is not None and json.loads(stored["summary_json"])["stopped_early"] is False
    assert run_groups(opts)["reused"] is True
