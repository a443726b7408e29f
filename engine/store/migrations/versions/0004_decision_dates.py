"""A night's decisions carry the case's clock and a move's reason: allocation_due (by when it
must be allocated: 5 working days from sentence, or the custody handover date),
first_appointment_due, and move_reason (the code a MOVED case was moved for). Nullable: the
decisions stored before have none.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('decisions') as batch:
        batch.add_column(sa.Column('allocation_due', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('first_appointment_due', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('move_reason', sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('decisions') as batch:
        batch.drop_column('move_reason')
        batch.drop_column('first_appointment_due')
        batch.drop_column('allocation_due')
