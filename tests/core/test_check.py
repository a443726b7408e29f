"""The one checker result: a Violation names the record, the rule and what is wrong."""

from __future__ import annotations

from engine.core.check import MAX_SHOWN, Violation, rejected


def test_a_violation_reads_record_rule_message():
    assert str(Violation("A/P1/2026-11-23", "capacity", "9 people for 8 places")) == (
        "A/P1/2026-11-23: capacity: 9 people for 8 places"
    )


def test_a_rejection_lists_the_first_violations_and_counts_the_rest():
    many = [Violation(f"P{k}", "travel", "too far") for k in range(MAX_SHOWN + 3)]
    text = rejected("week", many)
    assert text.startswith("the independent checker rejected the week; nothing stored:\nP0: travel")
    assert f"P{MAX_SHOWN - 1}: travel" in text and f"P{MAX_SHOWN}: travel" not in text
    assert text.endswith("... and 3 more")
    assert "more" not in rejected("plan", many[:2])
