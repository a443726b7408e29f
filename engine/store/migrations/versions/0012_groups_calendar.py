"""A programme plan keeps each person's sessions by date and slot (group sessions, one-to-ones,
pre-group appointments, as re-plans left them), so that the Unpaid Work week can take them as
busy time: one calendar per person. A new table: the plans stored before have no rows in it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 20:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('groups_calendar',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('item', sa.String(length=128), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'person_id', 'date', 'slot')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('groups_calendar')
