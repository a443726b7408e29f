"""What every independent checker returns: one `Violation` per broken rule, naming the record
(a case, a person's session, a group), the rule and what is wrong. Checkers judge what a plan
adds, never the history it was given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_SHOWN = 50


@dataclass(frozen=True)
class Violation:
    """One broken hard rule."""

    record: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.rule}: {self.message}"


def rejected(what: str, violations: Sequence[Violation]) -> str:
    """The message of a run the checker rejected: what, and the first violations."""
    shown = "\n".join(str(v) for v in violations[:MAX_SHOWN])
    more = f"\n... and {len(violations) - MAX_SHOWN} more" if len(violations) > MAX_SHOWN else ""
    return f"the independent checker rejected the {what}; nothing stored:\n{shown}{more}"
