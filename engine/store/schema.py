"""Every table of the store, in one place: the SQLAlchemy models the code uses and the
alembic migrations (engine/migrations) are checked against (tests/test_store.py)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


spo_decisions = Table(
    "spo_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "run_ref", String(64), nullable=False, index=True
    ),  # the API run (job) the proposals came from
    Column("case_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("proposed_practitioner_id", String(64), nullable=False),
    Column("practitioner_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("rule_breaks", Text, nullable=False),  # JSON list; non-empty = flagged
    Column("flagged", Boolean, nullable=False),
    Column("decided_by", String(128), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)


def plan_header_table(name: str, key: str, period: str) -> Table:
    """The header row of a stored plan (an Unpaid Work week, a programme quarter): its key,
    period, when, the inputs and config it was made from, and its summary."""
    return Table(
        name,
        metadata,
        Column(key, String(64), primary_key=True),
        Column(period, String(10), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("inputs_hash", String(64), nullable=False),
        Column("config_json", Text, nullable=False),
        Column("summary_json", Text, nullable=False),
    )


# -- What each run saw: one snapshot per inputs hash, every validated table of it -----------
input_snapshots = Table(
    "input_snapshots",
    metadata,
    Column("inputs_hash", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", Text, nullable=False),
    # A night's two tables, as stored before input_tables (revision 0003); empty since.
    Column("practitioners_csv_gz", LargeBinary, nullable=True),
    Column("cases_csv_gz", LargeBinary, nullable=True),
)
input_tables = Table(
    "input_tables",
    metadata,
    Column("inputs_hash", String(64), ForeignKey("input_snapshots.inputs_hash"), primary_key=True),
    Column("name", String(64), primary_key=True),  # practitioners, cases, upw_people, ...
    Column("rows", Integer, nullable=False),
    Column("csv_gz", LargeBinary, nullable=False),
)
runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),  # the run key: idempotent re-runs
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("run_date", String(10), nullable=False),
    Column("scope", Text, nullable=False),
    Column("solver", String(40), nullable=False),
    Column("inputs_hash", String(64), ForeignKey("input_snapshots.inputs_hash"), nullable=False),
    Column("config_json", Text, nullable=False),
    Column("summary_json", Text, nullable=False),
)
decisions = Table(
    "decisions",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("case_id", String(64), primary_key=True),
    Column("practitioner_id", String(64)),
    Column("previous_practitioner_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("travel_minutes", Integer),
    Column("travel_method", Text),
    Column("flags", Text, nullable=False),
    Column("explanation_json", Text),
    Column("allocation_due", String(10)),  # ISO date; none for a kept case
    Column("first_appointment_due", String(10)),
    Column("move_reason", String(32)),  # MOVED only: the code of the reason (moves.MOVE_REASONS)
)
workload = Table(
    "workload",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("practitioner_id", String(64), primary_key=True),
    Column("points", Integer, nullable=False),
    Column("available_points", Integer, nullable=False),
    Column("utilisation", Float),
    Column("new_cases", Integer, nullable=False),
)

# -- Unpaid Work weeks ---------------------------------------------------------------------
upw_weeks = plan_header_table("upw_weeks", "week_key", "week")
upw_sessions = Table(
    "upw_sessions",
    metadata,
    Column("week_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("placement_id", String(64), primary_key=True),
    Column("date", String(10), primary_key=True),
    Column("hours", Float, nullable=False),
    Column("credited_hours", Float, nullable=False),
    Column("travel_minutes", Integer, nullable=False),
    Column("supervised_travel_minutes", Integer, nullable=False),
    Column("travel_reason", Text, nullable=False),
)
upw_unplaced = Table(
    "upw_unplaced",
    metadata,
    Column("week_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("pdu", Text),
    Column("behind_pace_hours", Float),
    Column("reason", Text, nullable=False),
)

upw_roster = Table(
    "upw_roster",
    metadata,
    Column("week_key", String(64), primary_key=True),
    Column("supervisor_id", String(64), primary_key=True),
    Column("date", String(10), primary_key=True),
    Column("placement_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("crew", Integer, nullable=False),
    Column("crew_limit", Integer, nullable=False),
    Column("crew_bus", Boolean, nullable=False),
    Column("drive_minutes", Integer, nullable=False),
)
upw_unsupervised = Table(
    "upw_unsupervised",
    metadata,
    Column("week_key", String(64), primary_key=True),
    Column("placement_id", String(64), primary_key=True),
    Column("date", String(10), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("people_who_could_go", Integer, nullable=False),
    Column("reason", Text, nullable=False),
)

upw_induction_plan = Table(
    "upw_induction_plan",
    metadata,
    Column("week_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("pdu", Text, nullable=False),
    Column("sentence_date", String(10), nullable=False),
    Column("due_by", String(10), nullable=False),
    Column("induction_id", String(64), nullable=False),  # empty when not planned
    Column("date", String(10), nullable=False),
    Column("travel_minutes", Integer),
    Column("status", String(16), nullable=False),  # PLANNED | LATE | NOT_PLANNED
    Column("reason", Text, nullable=False),
)

# -- Programme plans -----------------------------------------------------------------------
groups_plans = plan_header_table("groups_plans", "plan_key", "from_date")
groups_groups = Table(
    "groups_groups",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("group_id", String(64), primary_key=True),
    Column("programme", String(64), nullable=False),
    Column("venue_id", String(64), nullable=False),
    Column("slot", Text, nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),
    Column("facilitator_ids", Text, nullable=False),
    Column("women_only", Boolean, nullable=False),
    Column("status", String(16), nullable=False, server_default="NEW"),  # NEW | RUNNING
    Column("sessions_left", Integer),
)
groups_members = Table(
    "groups_members",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("group_id", String(64), nullable=False),
    Column("travel_minutes", Integer, nullable=False),
    Column("travel_reason", Text, nullable=False),
)
groups_unplaced = Table(
    "groups_unplaced",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("programme", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("alternative", Text, nullable=False),
    # engine.groups.reasons' code ('' for plans stored before it: migration 0014)
    Column("reason_code", String(64), nullable=False, server_default=""),
)

groups_reviews = Table(
    "groups_reviews",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("review", Integer, primary_key=True),  # months before the sentence ends
    Column("programme", String(64), nullable=False),
    Column("sentence_end", String(10), nullable=False),
    Column("review_date", String(10), nullable=False),
    Column("status", String(16), nullable=False),  # WAITING | IN_GROUP | NO_GROUP_FITS
    Column("group_id", String(64), nullable=False),
    Column("group_end", String(10), nullable=False),
    Column("reason", Text, nullable=False),
)

groups_one_to_one = Table(
    "groups_one_to_one",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("programme", String(64), nullable=False),
    Column("venue_id", String(64), nullable=False),
    Column("slot", Text, nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("facilitator_id", String(64), nullable=False),
    Column("travel_minutes", Integer, nullable=False),
)

groups_pre_group = Table(
    "groups_pre_group",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("programme", String(64), nullable=False),
    Column("group_id", String(64), nullable=False),
    Column("date", String(10), nullable=False),
    Column("slot", String(16), nullable=False),
    Column("venue_id", String(64), nullable=False),
    Column("facilitator_id", String(64), nullable=False),
    Column("travel_minutes", Integer, nullable=False),
)

groups_changes = Table(
    "groups_changes",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("item", String(128), primary_key=True),
    Column("date", String(10), primary_key=True),
    Column("slot", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("programme", String(64), nullable=False),
    Column("venue_id", String(64), nullable=False),
    Column("facilitator_ids", String(512), nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_date", String(10), nullable=False),
    Column("new_slot", String(16), nullable=False),
    Column("new_venue_id", String(64), nullable=False),
    Column("new_facilitator_ids", String(512), nullable=False),
    Column("people_affected", Integer, nullable=False),
    Column("reason", Text, nullable=False),
)

groups_tell = Table(
    "groups_tell",
    metadata,
    Column("plan_key", String(64), primary_key=True),
    Column("who", String(64), primary_key=True),
    Column("item", String(128), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("message", Text, nullable=False),
)

groups_calendar = (
    Table(  # each person's programme sessions, as the plan (and its re-plans) left them
        "groups_calendar",
        metadata,
        Column("plan_key", String(64), primary_key=True),
        Column("person_id", String(64), primary_key=True),
        Column("date", String(10), primary_key=True),
        Column("slot", String(16), primary_key=True),
        Column("item", String(128), nullable=False),
        Column("programme", String(64), nullable=False),
        Column("venue_id", String(64), nullable=False),
    )
)


def supervision_table(name: str, key: str) -> Table:
    """The supervision appointments a plan was given (engine.core.supervision), kept with it:
    part of each person's one calendar."""
    return Table(
        name,
        metadata,
        Column(key, String(64), primary_key=True),
        Column("person_id", String(64), primary_key=True),
        Column("date", String(10), primary_key=True),
        Column("slot", String(16), primary_key=True),
        Column("practitioner_id", String(64), nullable=False),
        Column("location", Text, nullable=False),
    )


upw_supervision = supervision_table("upw_supervision", "week_key")
groups_supervision = supervision_table("groups_supervision", "plan_key")


# -- Which run holds each PDU's night -----------------------------------------------------
night_locks = Table(
    "night_locks",
    metadata,
    Column("kind", String(16), primary_key=True),  # allocation
    Column("pdu", String(128), primary_key=True),
    Column("period", String(10), primary_key=True),  # the run date
    Column("run_id", String(64), nullable=False),
    Column("locked_at", DateTime(timezone=True), nullable=False),
)
