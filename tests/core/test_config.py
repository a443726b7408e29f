"""Config overlays are checked before anything runs: bounds, ranges that run the right way,
grades the workload knows, a grid the balance phase can hold, a file that is not UTF-8. Each
is a ConfigError naming the file and the setting, never a traceback or a 9 GB process."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.config import ConfigError, load_config


@pytest.mark.parametrize(
    "toml, named",
    [
        ("[objective]\nspread_step = 1e-7\n", "spread_step"),
        ("[objective]\nspread_from = 1.3\n", "spread_from"),
        ("[workload.available_points]\nPO = -5\n", "available_points"),
        ('[eligibility]\ncase_holding_grades = ["PO", "WIZARD"]\n', "WIZARD"),
        ('[eligibility]\nhigh_risk_grades = ["SPO2"]\n', "SPO2"),
        ("[upw]\nhours_ordered_min = 400\n", "hours_ordered_min"),
        ("[workload.points.COMMUNITY]\nA3 = -1\n", "points"),
    ],
)
def test_bad_overlay_is_refused_naming_the_setting(tmp_path, toml, named):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=named) as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_the_shipped_config_and_a_sound_overlay_load(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text("[objective]\nspread_step = 0.05\n")
    assert len(load_config(path).spread_thresholds_permille()) == 15
    assert load_config().objective.spread_step == 0.025


def test_a_config_that_is_not_utf8_is_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes("[upw]\n# caf\xe9\nmax_hours_per_week = 20\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="latin1.toml"):
        load_config(path)
    res = CliRunner().invoke(app, ["validate", "--data", str(tmp_path), "--config", str(path)])
    assert res.exit_code == 2 and "config error" in res.output and "Traceback" not in res.output
