"""Input snapshots for every planner: input_snapshots is the header of a snapshot (hash, when,
source) and input_tables holds each validated table of it, gzipped CSV, so an Unpaid Work week
and a programme quarter keep their inputs as a night does. The night's two old columns stay
(nullable) for the snapshots stored before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 04:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('input_tables',
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('csv_gz', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['inputs_hash'], ['input_snapshots.inputs_hash'], ),
    sa.PrimaryKeyConstraint('inputs_hash', 'name')
    )
    with op.batch_alter_table('input_snapshots') as batch:
        batch.alter_column('practitioners_csv_gz', existing_type=sa.LargeBinary(), nullable=True)
        batch.alter_column('cases_csv_gz', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('input_snapshots') as batch:
        batch.alter_column('cases_csv_gz', existing_type=sa.LargeBinary(), nullable=False)
        batch.alter_column('practitioners_csv_gz', existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table('input_tables')
