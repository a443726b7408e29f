"""Fixtures of the allocation tests: a tight generated PDU night."""

from __future__ import annotations

import pytest

from engine.synthetic import SyntheticSpec, generate, write_dataset
from tests.builders import NIGHT


@pytest.fixture(scope="module")
def tight_pdu(shared, tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("tight")
    spec = SyntheticSpec(
        scale="pdu",
        region="East Midlands",
        pdu="Lincoln PDU",
        seed=3,
        tight=True,
        run_date=NIGHT,
        n_practitioners=40,
        n_new=45,
    )
    pracs, cases, manifest = generate(shared / "data" / "boundaries", spec, config)
    return write_dataset(folder, pracs, cases, manifest)
