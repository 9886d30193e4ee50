"""checkout limits

Product.max_per_order: the most of one size an order may hold (10 unless staff
set another number, from 1 to 99). Order.client_key: a keyed hash of the address
that checked out, to limit the unpaid checkouts one client holds at once.

Revision ID: 0008_checkout_limits
Revises: 0007_staff_sign_in
Create Date: 2026-11-24 10:12:41.518204

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_checkout_limits'
down_revision = '0007_staff_sign_in'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_per_order', sa.Integer(), server_default='10', nullable=False))
        batch_op.create_check_constraint(
            batch_op.f('ck_product_max_per_order_range'), 'max_per_order BETWEEN 1 AND 99'
        )

    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_shop_order_client_key'), ['client_key'], unique=False)


def downgrade():
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_order_client_key'))
        batch_op.drop_column('client_key')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_product_max_per_order_range'), type_='check')
        batch_op.drop_column('max_per_order')
