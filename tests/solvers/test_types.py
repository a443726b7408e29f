"""The stop question every solver asks its observer."""

from solvers.types import stop_asked


class _Observer:
    def __init__(self, stop: bool) -> None:
        self.stop = stop

    def stopped(self) -> bool:
        return self.stop

    def report(self, phase, objective, bound, force=False) -> None:
        pass


def test_no_observer_never_stops():
    assert not stop_asked(None)


def test_observer_decides():
    assert stop_asked(_Observer(True))
    assert not stop_asked(_Observer(False))
