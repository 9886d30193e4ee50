"""reports

funnel_count: the funnel's counters, one per (event, Europe/London day, product);
staff_user.role may also be 'analyst' (the reports, read only).

Revision ID: 0012_reports
Revises: 0011_reviews_alerts
Create Date: 2026-12-05 07:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_reports'
down_revision = '0011_reviews_alerts'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('admin', 'editor', 'fulfilment')"
ROLES_AFTER = "role IN ('admin', 'editor', 'fulfilment', 'analyst')"


def upgrade():
    op.create_table('funnel_count',
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.CheckConstraint("event IN ('view', 'add', 'checkout', 'paid')", name=op.f('ck_funnel_count_event_known')),
    sa.CheckConstraint('n >= 0', name=op.f('ck_funnel_count_n_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_funnel_count_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event', 'day', 'product_id', name=op.f('pk_funnel_count'))
    )
    with op.batch_alter_table('funnel_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funnel_count_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_funnel_count_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_staff_user_role_known'), ROLES_AFTER)


def downgrade():
    op.execute("UPDATE staff_user SET is_active = false, role = 'editor' WHERE role = 'analyst'")
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_staff_user_role_known'), ROLES_BEFORE)

    with op.batch_alter_table('funnel_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funnel_count_product_id'))
        batch_op.drop_index(batch_op.f('ix_funnel_count_day'))

    op.drop_table('funnel_count')
