"""An Unpaid Work week keeps its supervisors' roster (who runs which GROUP or WORKSHOP session,
with the crew and its limit) and the sessions that could not run for want of a supervisor, with
the reason. New tables: the weeks stored before have no rows in them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:50:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('upw_roster',
    sa.Column('week_key', sa.String(length=64), nullable=False),
    sa.Column('supervisor_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('placement_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('crew', sa.Integer(), nullable=False),
    sa.Column('crew_limit', sa.Integer(), nullable=False),
    sa.Column('crew_bus', sa.Boolean(), nullable=False),
    sa.Column('drive_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week_key', 'supervisor_id', 'date')
    )
    op.create_table('upw_unsupervised',
    sa.Column('week_key', sa.String(length=64), nullable=False),
    sa.Column('placement_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('people_who_could_go', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('week_key', 'placement_id', 'date')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('upw_unsupervised')
    op.drop_table('upw_roster')
