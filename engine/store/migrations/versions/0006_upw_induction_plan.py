"""An Unpaid Work week keeps its induction plan: everyone who needed an induction, the slot and
day planned (or why none), and whether it is within 15 working days of sentence. A new table:
the weeks stored before have no rows in it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('upw_induction_plan',
    sa.Column('week_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('pdu', sa.Text(), nullable=False),
    sa.Column('sentence_date', sa.String(length=10), nullable=False),
    sa.Column('due_by', sa.String(length=10), nullable=False),
    sa.Column('induction_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('week_key', 'person_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('upw_induction_plan')
