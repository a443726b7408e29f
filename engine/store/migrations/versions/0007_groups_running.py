"""A programme plan's groups say whether each was planned now or was already running (pinned
from groups_running, its end date recomputed), and how many sessions it has left. The plans
stored before hold only new groups: their rows read NEW with no count.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:15:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('groups_groups') as batch:
        batch.add_column(
            sa.Column('status', sa.String(length=16), nullable=False, server_default='NEW')
        )
        batch.add_column(sa.Column('sessions_left', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('groups_groups') as batch:
        batch.drop_column('sessions_left')
        batch.drop_column('status')
