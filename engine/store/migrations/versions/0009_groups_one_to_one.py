"""A programme plan keeps its one-to-one delivery: whoever no group took, on a programme that
may be delivered so, with the venue, weekly slots, dates and facilitator. A new table: the
plans stored before have no rows in it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('groups_one_to_one',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Text(), nullable=False),
    sa.Column('start_date', sa.String(length=10), nullable=False),
    sa.Column('end_date', sa.String(length=10), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('facilitator_id', sa.String(length=64), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'person_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('groups_one_to_one')
