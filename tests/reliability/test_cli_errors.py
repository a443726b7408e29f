"""What a user can get wrong on the command line ends with a message and a non-zero exit,
never a traceback: a database URL that cannot be opened, an in-memory one that would keep
nothing, a run whose store is elsewhere."""

from __future__ import annotations

import signal

import pytest
from typer.testing import CliRunner

from engine.cli import app, main
from tests.builders import case, practitioner, write_night


@pytest.mark.parametrize(
    "url, says",
    [
        ("nonsense://x", "cannot open the database"),
        ("sqlite://", "in-memory database"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot open the database"),
    ],
)
def test_a_database_that_cannot_keep_the_run_is_refused(tmp_path, url, says, monkeypatch, capsys):
    write_night(tmp_path, [practitioner("A")], [case("C1")])
    args = ["allocate", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--db", url]
    res = CliRunner().invoke(app, [*args, "--quiet"])
    assert res.exit_code == 1 and says in " ".join(res.output.split()), res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()
    # `probation runs` has no run to guard: the console script itself answers
    monkeypatch.setattr("sys.argv", ["probation", "runs", "--db", url])
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as done:
            main()
    finally:  # main() gives the process the command's signal handling: give it back
        for s, h in handlers.items():
            signal.signal(s, h)
    assert done.value.code == 1 and says in " ".join(capsys.readouterr().err.split())


def test_a_signal_while_a_file_is_read_is_not_bad_input(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM while a table is read ends the run (RunInterrupted, exit 130/143),
    never reported as a file that 'cannot be read' (exit 2)."""
    import signal

    import pytest

    from engine.core import contract
    from engine.core.signals import RunInterrupted

    def interrupted(path):
        raise RunInterrupted(signal.SIGTERM)

    monkeypatch.setattr(contract, "read_table", interrupted)
    (tmp_path / "cases.csv").write_text("case_id\nC1\n")
    with pytest.raises(RunInterrupted):
        contract.read_table_or_fail(tmp_path / "cases.csv")
