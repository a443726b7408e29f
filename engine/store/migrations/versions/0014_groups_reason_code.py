"""A programme plan's unplaced say why by a code as well as in words (engine.groups.reasons),
so that an Interventions Team can count and filter them. Plans stored before have an empty
code: their words are as they were.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('groups_unplaced') as batch:
        batch.add_column(
            sa.Column('reason_code', sa.String(length=64), nullable=False, server_default='')
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('groups_unplaced') as batch:
        batch.drop_column('reason_code')
