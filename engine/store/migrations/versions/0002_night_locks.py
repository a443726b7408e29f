"""Night locks: which run holds each PDU's night, so two runs for the same PDU and night cannot both
commit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:04:16.680057

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('night_locks',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('pdu', sa.String(length=128), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'pdu', 'period')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('night_locks')
