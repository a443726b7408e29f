"""The same broken folders as tests/reliability/test_bad_inputs.py, uploaded to the service:
each is refused with 422 naming the file, row and field, no run is started and nothing of
the upload is kept."""

from __future__ import annotations

import json
import re

import pytest

from tests.builders import ADMIN, make_client
from tests.reliability.test_bad_inputs import CASES, PLANNERS

UPLOADS = {
    "night": ("/runs/allocation", ["practitioners", "cases"], {}),
    "week": ("/runs/upw", ["upw_people", "upw_placements"], {"week": "2026-W48"}),
    "quarter": (
        "/runs/groups",
        ["referrals", "programmes", "venues", "facilitators"],
        {"from": "2026-11-23"},
    ),
}
# what an upload can carry: every table (a missing one is the form's own 422; no manifest)
API_CASES = [c for c in CASES if c[1] != "manifest.json" and c[2].__name__ != "_gone"]


@pytest.fixture(scope="module")
def client(tmp_path_factory, config):
    return make_client(tmp_path_factory, config)


def _expected(named: list[str]) -> list[str]:
    """The CLI's wording of where, as the API's JSON says it."""
    out = []
    for n in named:
        if m := re.fullmatch(r"row (\d+)", n):
            out.append(f'"row": {m.group(1)}')
        elif m := re.fullmatch(r"'(\w+)'", n):
            out.append(f'"field": "{m.group(1)}"')
        else:
            out.append(n)
    return out


@pytest.mark.parametrize(
    "planner, name, breaks, named",
    API_CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(API_CASES)],
)
def test_bad_upload_is_422_naming_where_and_nothing_is_kept(
    client, tmp_path, planner, name, breaks, named
):
    PLANNERS[planner][0](tmp_path)
    breaks(tmp_path / name)
    url, stems, form = UPLOADS[planner]
    files = {s: (f"{s}.csv", (tmp_path / f"{s}.csv").read_bytes(), "text/csv") for s in stems}
    jobs = set(client.app.state.jobs.root.glob("*"))
    r = client.post(url, files=files, data=form, headers={"X-API-Key": ADMIN})
    assert r.status_code == 422, r.text
    text = json.dumps(r.json()["detail"])
    assert f'"file": "{name}"' in text and all(e in text for e in _expected(named)), text
    assert set(client.app.state.jobs.root.glob("*")) == jobs  # no run started
    inbox = client.app.state.work / "inbox"
    assert not inbox.exists() or not any(inbox.iterdir())  # nothing of the upload kept
