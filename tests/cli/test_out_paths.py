"""An --out that names a file where a command writes a folder of files, or a folder where it
writes one file, is a one-line error before anything is read or stored: each was a Python
traceback (the store's folder, the export, the map's HTML), and the store's own folder too."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import StoreError
from engine.store.runs import Store


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    """Error boxes as wide as the message: a long temporary path was broken mid-word."""
    monkeypatch.setenv("COLUMNS", "1000")


FOLDER_COMMANDS = [
    ["groups", "plan", "--data", "{data}", "--from", "2026-11-23"],
    ["groups", "replan", "--data", "{data}", "--from", "2026-11-23", "--venue-closed", "V@2026-12-01"],
    ["upw", "plan", "--data", "{data}", "--week", "2026-W48"],
    ["allocate", "--data", "{data}"],
    ["generate", "--scale", "pdu", "--region", "East Midlands", "--pdu", "Rutland PDU"],
    ["export", "--run", "abc", "--data", "{data}"],
]  # fmt: skip


def _said(args, tmp_path):
    args = [a.replace("{data}", str(tmp_path)) for a in args]
    res = CliRunner().invoke(app, args)
    return res.exit_code, " ".join(res.output.replace("│", " ").split())


@pytest.mark.parametrize("args", FOLDER_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_file_given_for_a_folder_is_named(args, tmp_path):
    a_file = tmp_path / "results.csv"
    a_file.write_text("x")
    code, said = _said([*args, "--out", str(a_file)], tmp_path)
    assert code == 2 and f"--out {a_file} is a file: give a folder for the files" in said, said


@pytest.mark.parametrize(
    "args",
    [
        ["map", "--data", "{data}"],
        [
            "groups",
            "running",
            "--data",
            "{data}",
            "--from",
            "2026-11-23",
            "--on",
            "2027-01-04",
            "--db",
            "sqlite:///{data}/p.sqlite",
        ],
    ],  # fmt: skip
    ids=lambda a: a[0],
)
def test_a_folder_given_for_a_file_is_named(args, tmp_path):
    code, said = _said([*args, "--out", str(tmp_path)], tmp_path)
    assert code == 2 and f"--out {tmp_path} is a folder: give a file to write" in said, said


def test_a_store_whose_folder_is_a_file_says_so(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(StoreError, match="cannot make the folder .*out"):
        Store(f"sqlite:///{tmp_path / 'out' / 'probation.sqlite'}")
