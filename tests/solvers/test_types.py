"""The stop question every solver (and the run's `stopped_early`) asks its observer."""

from solvers.types import stop_asked
from tests.builders import StopRequested


class _NeverStops:
    def stopped(self) -> bool:
        return False

    def report(self, phase, objective, bound, force=False) -> None:
        pass


def test_no_observer_never_stops():
    assert not stop_asked(None)


def test_observer_decides():
    assert stop_asked(StopRequested())
    assert not stop_asked(_NeverStops())
