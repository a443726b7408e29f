"""A run is owned by the key that started it, never by a display name: another key sharing
the name sees nothing of it, and a keys file that gives one name to two keys is refused."""

from __future__ import annotations

import pytest

from api.auth import Principal, load_keys
from api.jobs import Job
from api.scope import view


def _key(secret: str, name: str, pdus: tuple[str, ...]) -> Principal:
    return Principal(key=secret, name=name, role="spo", pdus=pdus)


def test_ownership_is_by_key_not_by_name():
    rutland = _key("rutland-secret-0001", "Sam Smith", ("Rutland PDU",))
    namesake = _key("lincoln-secret-0001", "Sam Smith", ("Lincoln PDU",))
    job = Job("j1", "upw", rutland.name, None, "Rutland PDU", owner_key=rutland.key_id)
    assert view(job, rutland) is not None
    assert view(job, namesake) is None  # same display name, another key: nothing
    region_run = Job("j2", "upw", rutland.name, "East Midlands", None, owner_key=rutland.key_id)
    assert view(region_run, rutland) is not None and view(region_run, namesake) is None


def test_a_name_given_to_two_keys_is_refused(tmp_path):
    path = tmp_path / "keys.toml"
    path.write_text(
        '[[keys]]\nkey = "rutland-secret-0001"\nname = "Sam Smith"\nrole = "spo"\n\n'
        '[[keys]]\nkey = "lincoln-secret-0001"\nname = "Sam Smith"\nrole = "spo"\n'
    )
    with pytest.raises(ValueError, match="key entry 2: name 'Sam Smith'"):
        load_keys(path)
    path.write_text(path.read_text().replace('name = "Sam Smith"\nrole = "spo"\n', "", 1))
    with pytest.raises(ValueError, match="key entry 1"):  # and an entry without a name
        load_keys(path)


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "keys.toml"
    entry = '[[keys]]\nkey = "same-secret-00001"\nname = "{}"\nrole = "spo"\n\n'
    path.write_text(entry.format("A") + entry.format("B"))
    with pytest.raises(ValueError, match="the same key"):
        load_keys(path)
