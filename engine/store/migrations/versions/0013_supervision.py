"""Supervision appointments, where a planner is given them, are kept with its plan (an Unpaid
Work week's, a programme quarter's): part of each person's one calendar. New tables: the plans
stored before have no rows in them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 23:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _table(name: str, key: str) -> None:
    op.create_table(name,
    sa.Column(key, sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('practitioner_id', sa.String(length=64), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint(key, 'person_id', 'date', 'slot')
    )


def upgrade() -> None:
    """Upgrade schema."""
    _table('upw_supervision', 'week_key')
    _table('groups_supervision', 'plan_key')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('groups_supervision')
    op.drop_table('upw_supervision')
