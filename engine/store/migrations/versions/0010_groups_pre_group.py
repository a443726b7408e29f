"""A programme plan keeps its pre-group sessions: each new group member's one-to-one with a
trained facilitator before the group's first session (date, slot, venue, facilitator). A new
table: the plans stored before have no rows in it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('groups_pre_group',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('facilitator_id', sa.String(length=64), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'person_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('groups_pre_group')
