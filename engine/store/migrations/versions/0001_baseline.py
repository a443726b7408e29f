"""Baseline: the store as it was before migrations (runs, input snapshots, decisions, workload,
SPO decisions, Unpaid Work weeks, programme plans).

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:04:12.546545

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('groups_groups',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Text(), nullable=False),
    sa.Column('start_date', sa.String(length=10), nullable=False),
    sa.Column('end_date', sa.String(length=10), nullable=False),
    sa.Column('facilitator_ids', sa.Text(), nullable=False),
    sa.Column('women_only', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'group_id')
    )
    op.create_table('groups_members',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.Column('travel_reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'person_id')
    )
    op.create_table('groups_plans',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('from_date', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('config_json', sa.Text(), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key')
    )
    op.create_table('groups_unplaced',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('alternative', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'person_id')
    )
    op.create_table('input_snapshots',
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('practitioners_csv_gz', sa.LargeBinary(), nullable=False),
    sa.Column('cases_csv_gz', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('inputs_hash')
    )
    op.create_table('spo_decisions',
    sa.Column('decision_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_ref', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('proposed_practitioner_id', sa.String(length=64), nullable=False),
    sa.Column('practitioner_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rule_breaks', sa.Text(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('decision_id')
    )
    with op.batch_alter_table('spo_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spo_decisions_run_ref'), ['run_ref'], unique=False)

    op.create_table('upw_sessions',
    sa.Column('week_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('placement_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('credited_hours', sa.Float(), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.Column('supervised_travel_minutes', sa.Integer(), nullable=False),
    sa.Column('travel_reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('week_key', 'person_id', 'placement_id', 'date')
    )
    op.create_table('upw_unplaced',
    sa.Column('week_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('pdu', sa.Text(), nullable=True),
    sa.Column('behind_pace_hours', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('week_key', 'person_id')
    )
    op.create_table('upw_weeks',
    sa.Column('week_key', sa.String(length=64), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('config_json', sa.Text(), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('week_key')
    )
    op.create_table('runs',
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_date', sa.String(length=10), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('solver', sa.String(length=40), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('config_json', sa.Text(), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inputs_hash'], ['input_snapshots.inputs_hash'], ),
    sa.PrimaryKeyConstraint('run_id')
    )
    op.create_table('decisions',
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('practitioner_id', sa.String(length=64), nullable=True),
    sa.Column('previous_practitioner_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=True),
    sa.Column('travel_method', sa.Text(), nullable=True),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('explanation_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], ),
    sa.PrimaryKeyConstraint('run_id', 'case_id')
    )
    op.create_table('workload',
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('practitioner_id', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('available_points', sa.Integer(), nullable=False),
    sa.Column('utilisation', sa.Float(), nullable=True),
    sa.Column('new_cases', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], ),
    sa.PrimaryKeyConstraint('run_id', 'practitioner_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('workload')
    op.drop_table('decisions')
    op.drop_table('runs')
    op.drop_table('upw_weeks')
    op.drop_table('upw_unplaced')
    op.drop_table('upw_sessions')
    with op.batch_alter_table('spo_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spo_decisions_run_ref'))

    op.drop_table('spo_decisions')
    op.drop_table('input_snapshots')
    op.drop_table('groups_unplaced')
    op.drop_table('groups_plans')
    op.drop_table('groups_members')
    op.drop_table('groups_groups')
