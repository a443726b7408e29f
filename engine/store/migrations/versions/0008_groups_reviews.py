"""A programme plan keeps its review list: everyone referred whose programme is not completed at
a review (6 and 3 months before the sentence ends) falling in the quarter, with the status
(waiting, in a group that ends after, no group fits) and the reason. A new table: the plans
stored before have no rows in it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:35:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('groups_reviews',
    sa.Column('plan_key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('review', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('sentence_end', sa.String(length=10), nullable=False),
    sa.Column('review_date', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('group_end', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_key', 'person_id', 'review')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('groups_reviews')
