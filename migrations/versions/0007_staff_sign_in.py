"""staff sign-in

sign_in_lock: one row per email typed at the staff sign-in, locked while an attempt
for that email is checked, so concurrent attempts take turns and the per-email hold
counts every one of them.

Revision ID: 0007_staff_sign_in
Revises: 0006_search_text
Create Date: 2026-11-24 10:12:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_staff_sign_in'
down_revision = '0006_search_text'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_lock',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_sign_in_lock'))
    )


def downgrade():
    op.drop_table('sign_in_lock')
