"""Domain model, data contract, batch orchestration, checkers and reports for the probation engine."""
