"""A programme plan keeps its re-plans: each session a facilitator off or a venue closed hit,
as first planned and as it is now (covered, moved, postponed, rebooked or unresolved), and who
must be told what. New tables: the plans stored before have no rows in them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('groups_changes',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=128), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('facilitator_ids', sa.String(length=512), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('new_date', sa.String(length=10), nullable=False),
    sa.Column('new_slot', sa.String(length=16), nullable=False),
    sa.Column('new_venue_id', sa.String(length=64), nullable=False),
    sa.Column('new_facilitator_ids', sa.String(length=512), nullable=False),
    sa.Column('people_affected', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'item', 'date', 'slot')
    )
    op.create_table('groups_tell',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('who', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'who', 'item')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('groups_tell')
    op.drop_table('groups_changes')
