"""The HTTP service's fixtures: one client a module, and a tight Lincoln PDU night."""

from __future__ import annotations

import pytest

from tests.builders import NIGHT, make_client


@pytest.fixture(scope="module")
def client(tmp_path_factory, config):
    quick = config.model_copy(
        update={
            "upw": config.upw.model_copy(update={"seconds_per_pdu": 2.0}),
            "groups": config.groups.model_copy(
                update={"seconds_per_programme": 2.0, "joint_seconds": 4.0}
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
